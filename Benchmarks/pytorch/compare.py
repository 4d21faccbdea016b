"""Runs ember-bench and the same workloads in PyTorch, and prints them side by side.

Usage: python Benchmarks/pytorch/compare.py [--only GROUP]
(PyTorch must be importable: `python -m venv .venv && .venv/bin/pip install torch`.)
The ratio is how many times better Ember is: higher throughput (units per second, or "x"), or lower time.
"""
import os
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
extra = sys.argv[1:]


def run(command):
    output = subprocess.run(command, cwd=root, check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            rows[parts[0]] = (float(parts[1]), parts[2])
    return rows


subprocess.run(["swift", "build", "-c", "release", "--product", "ember-bench"], cwd=root, check=True,
               capture_output=True)
ember = run([os.path.join(root, ".build", "release", "ember-bench"), "--tsv"] + extra)
torch = run([sys.executable, os.path.join(root, "Benchmarks", "pytorch", "bench.py")] + extra)

print(f"| {'workload':34} | {'Ember':>12} | {'PyTorch':>12} | {'unit':8} | {'Ember / PyTorch':>15} |")
print(f"|{'-' * 36}|{'-' * 14}|{'-' * 14}|{'-' * 10}|{'-' * 17}|")
for name, (value, unit) in ember.items():
    if name in torch:
        other = torch[name][0]
        higher_is_better = unit.endswith("/s") or unit == "x"
        better = value / other if higher_is_better else other / value
        print(f"| {name:34} | {value:12.3f} | {other:12.3f} | {unit:8} | {better:14.2f}x |")
    else:
        print(f"| {name:34} | {value:12.3f} | {'':>12} | {unit:8} | {'':>15} |")
