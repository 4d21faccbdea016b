#!/usr/bin/env python3
"""Writes the "Coming from PyTorch" article of Ember's documentation: every PyTorch name Ember has, with its spelling.

usage: scripts/coming_from_pytorch.py <documentation-coverage.json> > Sources/Ember/Ember.docc/ComingFromPyTorch.md

The JSON file lists every public symbol of Ember; `make docs` writes it to `.build/docs/Ember/`. The names come from the installed
PyTorch: the functions of `torch`, `torch.linalg`, `torch.special` and `torch.fft`, the methods of `torch.Tensor`,
the modules of `torch.nn`, `torch.nn.functional`, `torch.nn.init`, `torch.nn.utils`, the optimizers and schedulers of
`torch.optim` and `torch.utils.data`. A name counts as Ember's when its lowerCamelCase form (types: the same name) is a
public symbol in the place PyTorch users look for it, or is one of the renamings below.
"""
import collections
import inspect
import json
import sys

import torch
import torch.nn.functional
import torch.optim.lr_scheduler
import torch.utils.data

# Names of torch.linalg and torch.special whose plain spelling in Ember is another function (`Tensor.polar` is
# `torch.polar`, not the polar decomposition).
DIFFERENT_FUNCTIONS = {"torch.linalg.polar"}

# Names Ember spells differently from their lowerCamelCase form: PyTorch name -> (Ember path, shown spelling).
RENAMED = {
    "torch.tensor": ("Tensor/init", "Tensor([[1, 2], [3, 4]] as [[Float]])"),
    "torch.from_numpy": ("Tensor/init", "Tensor(array, shape:)"),
    "torch.as_tensor": ("Tensor/init", "Tensor(array, shape:)"),
    "torch.no_grad": ("noGrad", "noGrad { … }"),
    "torch.enable_grad": ("enableGrad", "enableGrad { … }"),
    "torch.manual_seed": ("Ember/manualSeed", "Ember.manualSeed(_:)"),
    "torch.get_rng_state": ("Ember/getRngState", "Ember.getRngState()"),
    "torch.set_rng_state": ("Ember/setRngState", "Ember.setRngState(_:)"),
    "torch.save": ("Ember/save", "Ember.save(_:to:)"),
    "torch.load": ("Ember/load", "Ember.load(_:)"),
    "torch.set_num_threads": ("Ember/setNumThreads", "Ember.setNumThreads(_:)"),
    "torch.get_num_threads": ("Ember/numThreads", "Ember.numThreads"),
    "torch.device": ("Device", "Device.cuda(0)"),
    "torch.Generator": ("Generator", "Generator(seed:)"),
    "torch.Tensor.tolist": ("Tensor/toArray", "x.toArray(as: Float.self)"),
    "torch.Tensor.numpy": ("Tensor/toArray", "x.toArray(as: Float.self)"),
    "torch.Tensor.ndimension": ("Tensor/dim", "x.dim"),
    "torch.Tensor.nelement": ("Tensor/numel", "x.numel"),
    "torch.Tensor.type_as": ("Tensor/to", "x.to(other.dtype)"),
    "torch.Tensor.size": ("Tensor/size", "x.size(0), x.shape"),
    "torch.nn.Parameter": ("Parameter", "@Parameter var weight: Tensor"),
    "torch.nn.Module.register_buffer": ("Buffer", "@Buffer var runningMean: Tensor?"),
    "torch.cuda.is_available": ("CUDARuntime/isAvailable", "Ember.cuda.isAvailable"),
    "torch.cuda.device_count": ("CUDARuntime/deviceCount", "Ember.cuda.deviceCount"),
    "torch.cuda.manual_seed_all": ("CUDARuntime/manualSeedAll", "Ember.cuda.manualSeedAll(_:)"),
    "torch.cuda.synchronize": ("CUDARuntime/synchronize", "Ember.cuda.synchronize()"),
    "torch.utils.tensorboard.SummaryWriter": ("SummaryWriter", "SummaryWriter(logDir:)"),
    "torch.nn.parallel.DistributedDataParallel": ("DistributedDataParallel", "DistributedDataParallel(model)"),
    "torch.distributed.init_process_group": ("Distributed/initProcessGroup", "Distributed.initProcessGroup(backend: .mpi)"),
    "torch.distributed.all_reduce": ("Distributed/allReduce", "Distributed.allReduce(_:op:)"),
    "torch.distributed.broadcast": ("Distributed/broadcast", "Distributed.broadcast(_:src:)"),
    "torch.distributed.all_gather": ("Distributed/allGather", "Distributed.allGather(_:)"),
    "torch.distributed.barrier": ("Distributed/barrier", "Distributed.barrier()"),
    "torch.utils.data.random_split": ("randomSplit", "randomSplit(_:lengths:)"),
    "torch.nn.utils.clip_grad_norm_": ("clipGradNorm_", "clipGradNorm_(_:maxNorm:)"),
    "torch.nn.utils.clip_grad_value_": ("clipGradValue_", "clipGradValue_(_:clipValue:)"),
}


def camel(name):
    trailing = "_" if name.endswith("_") and not name.endswith("__") else ""
    parts = name.rstrip("_").split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:]) + trailing


def load_symbols(path):
    """Ember's public symbols: {(parent path, base name): [(title, is static)]}, titles without the caller's
    `file:line:` that errors name."""
    symbols = collections.defaultdict(list)
    for entry in json.load(open(path)):
        if not entry["kind"]["isSymbol"]:
            continue
        relative = entry["referencePath"].split("documentation/Ember/", 1)[-1]
        parent = relative.rsplit("/", 1)[0] if "/" in relative else ""
        title = entry["title"].replace("file:line:", "")
        symbols[(parent, title.split("(")[0])].append((title, entry["kind"]["name"] != "Instance Method"))
    return symbols


def public_names(namespace, want_classes=False):
    names = []
    for name in sorted(dir(namespace)):
        if name.startswith("_"):
            continue
        value = getattr(namespace, name, None)
        if want_classes != inspect.isclass(value) or not callable(value):
            continue
        names.append(name)
    return names


class Table:
    def __init__(self, symbols):
        self.symbols = symbols
        self.sections = collections.OrderedDict()

    def spelled(self, parent, name, static=None):
        """Up to two signatures of `parent`'s `name`: static or instance members only when `static` says so."""
        titles = [title for title, is_static in self.symbols.get((parent, name), []) if static in (None, is_static)]
        return sorted(set(titles), key=lambda title: (len(title), title))[:2]

    def add(self, section, pytorch, cells):
        if cells:
            self.sections.setdefault(section, []).append((pytorch, cells))

    def renamed(self, pytorch):
        if pytorch not in RENAMED:
            return []
        path, spelling = RENAMED[pytorch]
        parent, _, name = path.rpartition("/")
        assert self.symbols.get((parent, name)), f"{pytorch}: Ember has no {path}"
        return [spelling]

    def function(self, section, pytorch, *names):
        """A torch function: Ember's global function, Tensor's static function or Tensor's method, under the first of
        `names` (in lowerCamelCase) that Ember has."""
        cells = self.renamed(pytorch)
        for swift in map(camel, names):
            cells = cells or self.spelled("", swift)
            cells = cells or [f"Tensor.{t}" for t in self.spelled("Tensor", swift, static=True)]
            cells = cells or [f"x.{t}" for t in self.spelled("Tensor", swift, static=False)]
        self.add(section, pytorch, cells)

    def member(self, section, pytorch, parent, name, prefix):
        static = None if prefix.endswith(".") and prefix[0].isupper() else False
        cells = self.renamed(pytorch) or [f"{prefix}{t}" for t in self.spelled(parent, camel(name), static)]
        self.add(section, pytorch, cells)

    def type(self, section, pytorch, name):
        cells = self.renamed(pytorch) or ([f"``{name}``"] if self.symbols.get(("", name)) else [])
        self.add(section, pytorch, cells)

    def markdown(self):
        lines = []
        for section, rows in self.sections.items():
            lines += ["", f"### {section}", "", "| PyTorch | Ember |", "|---|---|"]
            for pytorch, cells in rows:
                shown = ", ".join(c if c.startswith("``") else f"`{c}`" for c in cells)
                lines.append(f"| `{pytorch}` | {shown} |")
        return lines


def main():
    table = Table(load_symbols(sys.argv[1]))
    for name in public_names(torch):
        table.function("torch", f"torch.{name}", name)
    for module, prefix in ((torch.linalg, "linalg"), (torch.special, "special"), (torch.fft, "fft")):
        for name in public_names(module):
            pytorch = f"torch.{prefix}.{name}"
            if pytorch in DIFFERENT_FUNCTIONS:
                continue
            if prefix == "fft":
                table.member("torch.linalg, torch.special, torch.fft", pytorch, "FFT", name, "FFT.")
            else:   # Tensor's methods: x.specialI1(), or the plain name (x.inverse(), x.eigh())
                table.function("torch.linalg, torch.special, torch.fft", pytorch, f"{prefix}_{name}", name)
    for name in public_names(torch.Tensor):
        table.member("Tensor methods", f"torch.Tensor.{name}", "Tensor", name, "x.")
    for name in ("Parameter",) + tuple(n for n in public_names(torch.nn, True) if issubclass(getattr(torch.nn, n), torch.nn.Module)):
        table.type("torch.nn", f"torch.nn.{name}", name)
    table.add("torch.nn", "torch.nn.Module.register_buffer", table.renamed("torch.nn.Module.register_buffer"))
    for name in public_names(torch.nn.functional):
        table.member("torch.nn.functional (F)", f"F.{name}", "F", name, "F.")
    for name in public_names(torch.nn.init):
        table.member("torch.nn.init", f"torch.nn.init.{name}", "Init", name, "Init.")
    for name in ("clip_grad_norm_", "clip_grad_value_"):
        table.add("torch.nn.init", f"torch.nn.utils.{name}", table.renamed(f"torch.nn.utils.{name}"))
    for name in public_names(torch.optim, True):
        table.type("torch.optim", f"torch.optim.{name}", name)
    for name in public_names(torch.optim.lr_scheduler, True):
        table.type("torch.optim", f"torch.optim.lr_scheduler.{name}", name)
    for name in public_names(torch.utils.data, True):
        table.type("torch.utils.data", f"torch.utils.data.{name}", name)
    table.add("torch.utils.data", "torch.utils.data.random_split", table.renamed("torch.utils.data.random_split"))
    for pytorch in RENAMED:
        if pytorch.startswith(("torch.cuda", "torch.distributed", "torch.nn.parallel", "torch.utils.tensorboard")):
            table.add("Devices, processes and logs", pytorch, table.renamed(pytorch))
    count = sum(len(rows) for rows in table.sections.values())
    print("# Coming from PyTorch")
    print()
    print("PyTorch's names and their Ember spelling.")
    print()
    print("## Overview")
    print()
    print("Ember keeps PyTorch's names, in Swift's lowerCamelCase: `torch.index_select` is `Tensor.indexSelect`,")
    print("`x.masked_fill_` is `x.maskedFill_`, `nn.Conv2d` is ``Conv2d``, `F.cross_entropy` is `F.crossEntropy`.")
    print("A `torch.` function that takes a tensor is a method of ``Tensor`` as well (`torch.exp(x)` is `x.exp()`),")
    print("and most are also free functions (`exp(x)`). Keyword arguments keep their names (`dim:`, `keepdim:`),")
    print("and the positional spellings PyTorch code uses compile as written (`x.sum(1)`, `x.max(1)`).")
    print()
    print(f"The tables below list the {count} PyTorch names Ember has, generated from the installed PyTorch")
    print(f"({torch.__version__.split('+')[0]}) and Ember's public symbols by `scripts/coming_from_pytorch.py`.")
    print("Each shows up to two of Ember's signatures.")
    print()
    print("## Names")
    print("\n".join(table.markdown()))


if __name__ == "__main__":
    main()
