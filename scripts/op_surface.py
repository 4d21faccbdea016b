#!/usr/bin/env python3
"""How much of the PyTorch op surface that real programs call Ember has.

usage: scripts/op_surface.py <Ember's Sources folder> <folder of Python programs>...

Reads every `.py` file under the program folders (torchvision's models and transforms, PyTorch's examples)
and counts the calls of `torch.<function>`, `torch.linalg/special/fft.<function>`, `F.<function>` (however
`torch.nn.functional` is imported), `nn.<Module>` and tensor methods (a `.name(...)` call whose name is a
method of `torch.Tensor` and not of Python's built-in containers). Each op counts as covered when Ember's
sources declare its Swift spelling: the name in lowerCamelCase for functions and methods (`index_select`
→ `indexSelect`, in-place `add_` → `add_`), the class name for modules, or an entry of SWIFT_NAMES.
Prints the coverage by distinct ops and by calls, then the ops not covered, most called first.
"""
import ast
import collections
import os
import re
import sys

import torch

# PyTorch names whose Swift spelling is not their lowerCamelCase form.
SWIFT_NAMES = {"tolist": "toArray", "numpy": "toArray", "from_numpy": "init", "tensor": "init", "Tensor": "init",
               "ndimension": "dim", "nelement": "numel", "abs_": "abs_", "type_as": "to", "as_tensor": "init"}
# Namespaces that are not ops (devices, processes, tooling): their calls are not counted.
NOT_OPS = {"cuda", "distributed", "backends", "multiprocessing", "utils", "jit", "onnx", "hub", "profiler", "fx",
           "compile", "autograd", "optim", "testing", "cpu", "mps", "xpu", "accelerator", "export", "library", "amp"}
CONTAINER_METHODS = set(dir(list)) | set(dir(dict)) | set(dir(str)) | set(dir(set)) | set(dir(object))
TENSOR_METHODS = {name for name in dir(torch.Tensor) if not name.startswith("_")} - CONTAINER_METHODS
FUNCTIONAL_MODULES = {"torch.nn.functional"}


def camel(name):
    trailing = "_" if name.endswith("_") and not name.endswith("__") else ""
    parts = name.rstrip("_").split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:]) + trailing


def dotted(node):
    """`a.b.c` of an attribute chain of names, or None."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
        return ".".join(reversed(names))
    return None


def calls(path):
    """(kind, name) of each counted call in one file."""
    try:
        tree = ast.parse(open(path, encoding="utf-8").read())
    except (SyntaxError, UnicodeDecodeError):
        return
    aliases = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")   # relative imports name the program's own modules
            for a in node.names:
                aliases[a.asname or a.name] = f"{module}.{a.name}"
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        base = dotted(node.func.value)
        full = aliases.get(base.split(".")[0], base.split(".")[0]) + base[len(base.split(".")[0]):] if base else None
        if full == "torch.nn":
            if name[:1].isupper() and hasattr(torch.nn, name):
                yield "module", name
        elif full in FUNCTIONAL_MODULES:
            yield "function", name
        elif full in ("torch.linalg", "torch.special", "torch.fft"):
            yield "function", f"{full.split('.')[1]}.{name}"
        elif full == "torch":
            if name not in NOT_OPS and callable(getattr(torch, name, None)) and not name[:1].isupper() and not name.startswith("_"):
                yield "function", name
        elif full is None or not full.startswith(("torch", "np", "numpy", "os", "sys", "math")):
            if name in TENSOR_METHODS:
                yield "method", name


def ember_names(sources):
    declared = {"init"}   # Tensor's initialisers: `Tensor([...])` is `torch.tensor([...])`
    pattern = re.compile(r"\b(?:func|class|struct|enum|var|let|case|typealias)\s+`?([A-Za-z_][A-Za-z0-9_]*)")
    for root, _, files in os.walk(sources):
        for f in files:
            if f.endswith(".swift"):
                declared.update(pattern.findall(open(os.path.join(root, f), encoding="utf-8").read()))
    return declared


def swift_name(kind, name):
    short = name.split(".")[-1]
    if short in SWIFT_NAMES:
        return SWIFT_NAMES[short]
    return short if kind == "module" else camel(short)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    declared = ember_names(sys.argv[1])
    counts = collections.Counter()
    for folder in sys.argv[2:]:
        for root, _, files in os.walk(folder):
            for f in files:
                if f.endswith(".py"):
                    counts.update(calls(os.path.join(root, f)))
    covered = {op for op in counts if swift_name(*op) in declared}
    total_calls = sum(counts.values())
    covered_calls = sum(counts[op] for op in covered)
    print(f"{len(covered)} of {len(counts)} ops covered ({100 * len(covered) / len(counts):.1f}%), "
          f"{covered_calls} of {total_calls} calls ({100 * covered_calls / total_calls:.1f}%)")
    for (kind, name), n in sorted(counts.items(), key=lambda item: -item[1]):
        if (kind, name) not in covered:
            print(f"  missing {kind} {name} ({swift_name(kind, name)}): {n} calls")


if __name__ == "__main__":
    main()
