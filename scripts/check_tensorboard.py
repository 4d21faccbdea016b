"""Reads an Ember TensorBoard log with TensorBoard's own reader and checks it against PyTorch.

    python scripts/check_tensorboard.py LOGDIR [--checkpoint mnist_cnn.pt]

Loads every event file under LOGDIR with `EventAccumulator` (nothing sampled away) and prints, per kind and tag,
how many events TensorBoard read; TensorBoard drops a corrupt record and everything after it silently, so the
counts are the check. With --checkpoint (the state dict `ember train mnist` wrote next to the log), each weight
histogram of the last step is compared with `torch.utils.tensorboard.summary.make_histogram` of that weight.
Needs the `tensorboard` and `torch` packages.
"""
import argparse
import sys

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logdir")
    parser.add_argument("--checkpoint")
    args = parser.parse_args()

    accumulator = EventAccumulator(args.logdir, size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    total = 0
    for kind in ("scalars", "histograms", "images", "tensors"):
        for tag in tags.get(kind, []):
            events = getattr(accumulator, {"scalars": "Scalars", "histograms": "Histograms", "images": "Images",
                                           "tensors": "Tensors"}[kind])(tag)
            total += len(events)
            print(f"{kind:10} {tag:24} {len(events):6} events, last step {events[-1].step}")
    print(f"{total} events read by TensorBoard")

    if args.checkpoint:
        import torch
        from torch.utils.tensorboard.summary import make_histogram

        # SummaryWriter's default_bins, built as its constructor builds them.
        v, edges = 1e-12, []
        while v < 1e20:
            edges.append(v)
            v *= 1.1
        default_bins = [-e for e in reversed(edges)] + [0] + edges
        state = torch.load(args.checkpoint, weights_only=True)
        worst = 0.0
        for name, weight in state.items():
            reference = make_histogram(weight.double().numpy().reshape(-1), default_bins)
            ember = accumulator.Histograms(name)[-1].histogram_value
            if list(ember.bucket_limit) != list(reference.bucket_limit) or list(ember.bucket) != list(reference.bucket):
                print(f"{name}: buckets differ from PyTorch's")
                sys.exit(1)
            for field in ("min", "max", "num", "sum", "sum_squares"):
                a, b = getattr(ember, field), getattr(reference, field)
                worst = max(worst, abs(a - b) / max(abs(b), 1e-30))
        print(f"{len(state)} weight histograms: buckets equal to PyTorch's, statistics within {worst:.1e} (relative)")


if __name__ == "__main__":
    main()
