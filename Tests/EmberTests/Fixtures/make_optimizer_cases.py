"""Writes optimizer_cases.json: trajectories of torch.optim optimizers Ember added after the golden set
(Adamax, NAdam, RAdam, Adadelta), on fixed parameters and gradients, with PyTorch's defaults and with
options. Run with the PyTorch the tests compare against."""
import json
import torch

torch.manual_seed(0)
params0 = [torch.randn(3, 4), torch.randn(5)]
steps = [[torch.randn(3, 4), torch.randn(5)] for _ in range(12)]

configs = [
    ("Adamax", {}), ("Adamax", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}), ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {}), ("RAdam", {"lr": 0.01, "betas": (0.5, 0.6), "weight_decay": 0.1}),
    ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adadelta", {}), ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}),
]
cases = []
for name, args in configs:
    params = [p.clone().requires_grad_() for p in params0]
    optimizer = getattr(torch.optim, name)(params, **args)
    trajectory = []
    for grads in steps:
        for p, g in zip(params, grads):
            p.grad = g.clone()
        optimizer.step()
        trajectory.append([p.detach().flatten().tolist() for p in params])
    cases.append({"optimizer": name, "args": {k: list(v) if isinstance(v, tuple) else v for k, v in args.items()},
                  "params": [p.flatten().tolist() for p in params0], "shapes": [list(p.shape) for p in params0],
                  "grads": [[g.flatten().tolist() for g in step] for step in steps], "trajectory": trajectory})
with open(__file__.replace("make_optimizer_cases.py", "optimizer_cases.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
