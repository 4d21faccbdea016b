"""Writes trunc_normal_cases.json: torch.nn.init.trunc_normal_ after torch.manual_seed, for both of
PyTorch's branches (redrawing values outside [a, b] when more than 30% of the mass is inside; uniform
candidates accepted by the density ratio otherwise). Run with the PyTorch the tests compare against."""
import json
import torch

cases = []
for seed, shape, mean, std, a, b, dtype in [
    (0, [1000], 0.0, 1.0, -2.0, 2.0, torch.float32),       # redraws: about 4.6% fall outside
    (1, [7, 9], 0.5, 0.2, 0.0, 0.4, torch.float32),        # 30.2% inside: still the redraw branch
    (2, [500], 0.0, 1.0, -0.3, 0.3, torch.float32),        # 23.6% inside: uniform candidates
    (3, [300], 0.0, 1.0, 1.0, 3.0, torch.float64),         # a tail: uniform candidates, float64
    (4, [20, 30], 0.0, 0.02, -0.04, 0.04, torch.float32),  # timm's ViT initialisation
]:
    torch.manual_seed(seed)
    t = torch.empty(shape, dtype=dtype)
    torch.nn.init.trunc_normal_(t, mean=mean, std=std, a=a, b=b)
    cases.append({"seed": seed, "shape": shape, "mean": mean, "std": std, "a": a, "b": b,
                  "dtype": str(dtype).removeprefix("torch."), "output": t.flatten().tolist(),
                  "torch": torch.__version__})
with open(__file__.replace("make_trunc_normal_cases.py", "trunc_normal_cases.json"), "w") as f:
    json.dump(cases, f)
