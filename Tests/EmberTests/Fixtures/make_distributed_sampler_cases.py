"""Writes distributed_sampler_cases.json: torch.utils.data.DistributedSampler's index lists over a grid of data
set sizes, replica counts, ranks, shuffling, seeds, epochs and drop_last (sizes smaller than the replica count
included, where drop_last gives every rank nothing). Run with the PyTorch the tests compare against."""
import json
import torch
from torch.utils.data import DistributedSampler

cases = []
for count in [0, 1, 3, 4, 5, 10, 17, 64]:
    for replicas in [1, 2, 3, 4, 7]:
        for shuffle in [False, True]:
            for drop_last in [False, True]:
                for seed, epoch in ([(0, 0)] if not shuffle else [(0, 0), (0, 3), (42, 1)]):
                    for rank in range(replicas):
                        sampler = DistributedSampler(range(count), num_replicas=replicas, rank=rank, shuffle=shuffle,
                                                     seed=seed, drop_last=drop_last)
                        sampler.set_epoch(epoch)
                        cases.append({"count": count, "replicas": replicas, "rank": rank, "shuffle": shuffle,
                                      "seed": seed, "epoch": epoch, "dropLast": drop_last, "length": len(sampler),
                                      "indices": list(sampler)})
with open(__file__.replace("make_distributed_sampler_cases.py", "distributed_sampler_cases.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
