# Ember's entry points. Each target installs what it needs on a fresh Debian machine.

SWIFT ?= swift
# Open MPI for distributed training: the runtime and mpirun only (libopenmpi-dev would pull a Fortran compiler into every
# build; Ember opens libmpi.so.40 at run time and needs no MPI headers).
APT_PACKAGES = libopenblas-dev zlib1g-dev libdeflate-dev libpng-dev libjpeg62-turbo-dev pkg-config openmpi-bin libopenmpi3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# NVRTC and the CUDA headers, from NVIDIA's wheels, so the tests compile every CUDA kernel on any machine (13.0:
# the GPU machines' driver is CUDA 13.0 and refuses PTX from a newer NVRTC), and NCCL, whose loading the tests check.
CUDA_TOOLS = .venv/cuda-tools
CUDA_WHEELS = nvidia-cuda-nvrtc==13.0.* nvidia-cuda-runtime==13.0.* nvidia-cuda-crt==13.0.* nvidia-cuda-cccl==13.0.* nvidia-nccl-cu13

.PHONY: deps cuda-tools train bench test docs build release clean

## Installs the system libraries Ember links against (OpenBLAS through pkg-config) and Open MPI.
deps:
	@if ! pkg-config --exists openblas zlib libdeflate libpng libjpeg 2>/dev/null || ! command -v mpirun >/dev/null; then \
		echo "installing $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

## NVRTC and NCCL for the tests (no GPU needed), in a virtual environment of its own.
cuda-tools:
	@if [ "$$(cat $(CUDA_TOOLS)/installed 2>/dev/null)" != "$(CUDA_WHEELS)" ]; then \
		echo "installing $(CUDA_WHEELS) into $(CUDA_TOOLS)"; \
		python3 -m venv $(CUDA_TOOLS) && $(CUDA_TOOLS)/bin/pip install -q $(CUDA_WHEELS) && echo "$(CUDA_WHEELS)" > $(CUDA_TOOLS)/installed; \
	fi

## The main job: train the MNIST CNN for one epoch on the MNIST copy in Data/ (release build).
train: deps
	$(SWIFT) run -c release ember train mnist

## The benchmark suite in release mode.
bench: deps
	$(SWIFT) run -c release ember-bench

## All tests, golden cases included; the CUDA kernels are compiled with the NVRTC of cuda-tools, whose NCCL is loaded.
test: deps cuda-tools
	EMBER_CUDA_PATH="$$(echo $(CURDIR)/$(CUDA_TOOLS)/lib/python3*/site-packages/nvidia/cu13):$$(echo $(CURDIR)/$(CUDA_TOOLS)/lib/python3*/site-packages/nvidia/nccl)" EMBER_REQUIRE_NVRTC=1 $(SWIFT) test

## The documentation of each library (DocC catalogs and doc comments) into .build/docs/<library>; a warning, or a
## public symbol without documentation, fails.
docs: deps
	rm -rf .build/docs && mkdir -p .build/docs
	for library in Ember EmberVision EmberAudio; do \
		$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target $$library \
			--output-path .build/docs/$$library --warnings-as-errors --experimental-skip-synthesized-symbols --experimental-documentation-coverage \
			--coverage-summary-level brief || exit 1; \
	done
	python3 scripts/check_doc_coverage.py .build/docs Ember EmberVision EmberAudio

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

clean:
	rm -rf .build
