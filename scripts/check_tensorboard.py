"""Reads an Ember TensorBoard log with TensorBoard's own reader and checks it against PyTorch.

    python scripts/check_tensorboard.py LOGDIR [--checkpoint mnist_cnn.pt]

Loads the event files of LOGDIR and of every run folder below it (`addScalars`' series, `addHParams`' runs) with
`EventAccumulator` (nothing sampled away) and prints, per run, kind and tag, how many events TensorBoard read;
TensorBoard drops a corrupt record and everything after it silently, so the counts are the check. The hparams
plugin's summaries are parsed with TensorBoard's own `HParamsPluginData`. With --checkpoint (the state dict `ember train mnist` wrote next to the log), each weight
histogram of the last step is compared with `torch.utils.tensorboard.summary.make_histogram` of that weight.
Needs the `tensorboard` and `torch` packages.
"""
import argparse
import os
import sys

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logdir")
    parser.add_argument("--checkpoint")
    args = parser.parse_args()

    total = 0
    accumulators = {}
    for folder, _, files in sorted(os.walk(args.logdir)):
        if not any(name.startswith("events.out.tfevents.") for name in files):
            continue
        accumulator = EventAccumulator(folder, size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
        accumulator.Reload()
        run = os.path.relpath(folder, args.logdir)
        accumulators[run] = accumulator
        tags = accumulator.Tags()
        for kind in ("scalars", "histograms", "images", "tensors"):
            for tag in tags.get(kind, []):
                events = getattr(accumulator, kind.capitalize())(tag)
                total += len(events)
                print(f"{run:10} {kind:10} {tag:24} {len(events):6} events, last step {events[-1].step}")
        try:
            hparams = accumulator.PluginTagToContent("hparams")
        except KeyError:  # no hparams summaries in this run
            hparams = {}
        for tag, content in hparams.items():
            total += 1
            data = HParamsPluginData.FromString(content)
            print(f"{run:10} hparams    {tag:32} {data.WhichOneof('data')}: "
                  + " ".join(str(data).split())[:160])
    print(f"{total} events read by TensorBoard")
    accumulator = accumulators["."]

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
