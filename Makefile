# Ember's entry points. Each target installs what it needs on a fresh Debian machine.

SWIFT ?= swift
APT_PACKAGES = libopenblas-dev zlib1g-dev libdeflate-dev libpng-dev libjpeg62-turbo-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps train bench test build release clean

## Installs the system libraries Ember links against (OpenBLAS through pkg-config).
deps:
	@if ! pkg-config --exists openblas zlib libdeflate libpng libjpeg 2>/dev/null; then \
		echo "installing $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

## The main job: train the MNIST CNN for one epoch on the MNIST copy in Data/ (release build).
train: deps
	$(SWIFT) run -c release ember train mnist

## The benchmark suite in release mode.
bench: deps
	$(SWIFT) run -c release ember-bench

## All tests, golden cases included.
test: deps
	$(SWIFT) test

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

clean:
	rm -rf .build
