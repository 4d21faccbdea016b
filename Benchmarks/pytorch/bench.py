"""The ember-bench workloads in PyTorch, timed the same way (median of batches).

Prints `name<TAB>value<TAB>unit` lines with the names ember-bench uses.
"""
import sys
import time

import torch


def measure(body, batch_seconds=0.1, batches=7):
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            body()
        elapsed = time.perf_counter() - start
        if elapsed > batch_seconds / 4 or calls > 1 << 24:
            calls = max(1, int(calls * batch_seconds / max(elapsed, 1e-9)))
            break
        calls *= 4
    samples = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(calls):
            body()
        samples.append((time.perf_counter() - start) / calls)
    return sorted(samples)[batches // 2]


def report(name, value, unit):
    print(f"{name}\t{value}\t{unit}", flush=True)


def main():
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    wanted = lambda group: group.startswith(only)

    if wanted("overhead"):
        a, b = torch.tensor([1.0]), torch.tensor([2.0])
        report("overhead add 1-element", measure(lambda: a + b) * 1e6, "us")
        w = torch.tensor([1.0], requires_grad=True)

        def step():
            y = w + b
            y.backward()

        report("overhead add+backward 1-element", measure(step) * 1e6, "us")

    if wanted("matmul"):
        for n in [256, 512, 1024, 2048]:
            torch.manual_seed(0)
            a, b = torch.randn(n, n), torch.randn(n, n)
            seconds = min(measure(lambda: torch.matmul(a, b), batch_seconds=0.2, batches=5) for _ in range(3))
            report(f"matmul {n} ember", 2.0 * n ** 3 / seconds / 1e9, "GFLOP/s")

    if wanted("elementwise"):
        for label, n in [("16M", 16 << 20), ("1M", 1 << 20)]:
            a, b = torch.ones(n), torch.full((n,), 2.0)
            for name, fn, bytes_moved in [("add", lambda: a + b, 12 * n), ("mul", lambda: a * b, 12 * n),
                                          ("sum", lambda: a.sum(), 4 * n)]:
                seconds = measure(fn, batch_seconds=0.3, batches=5)
                if label == "16M":
                    report(f"{name} {label}", bytes_moved / seconds / 1e9, "GB/s")
                else:
                    report(f"{name} {label}", seconds * 1e6, "us")


if __name__ == "__main__":
    with torch.no_grad() if "--no-grad" in sys.argv else torch.enable_grad():
        main()
