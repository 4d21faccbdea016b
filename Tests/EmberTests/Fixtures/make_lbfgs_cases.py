"""Writes lbfgs_cases.json: torch.optim.LBFGS on a small float64 network (tanh hidden layer, MSE), with and
without the strong-Wolfe line search, three steps each: the parameters after every step and the loss the
closure returned. Run with the PyTorch the tests compare against."""
import json
import torch

torch.manual_seed(0)
x = torch.randn(20, 3, dtype=torch.float64)
y = torch.sin(x.sum(1, keepdim=True))
w1 = torch.randn(5, 3, dtype=torch.float64) * 0.5
b1 = torch.randn(5, dtype=torch.float64) * 0.1
w2 = torch.randn(1, 5, dtype=torch.float64) * 0.5

cases = []
for args in [{"line_search_fn": "strong_wolfe"}, {"lr": 0.1}, {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 7}]:
    params = [w1.clone().requires_grad_(), b1.clone().requires_grad_(), w2.clone().requires_grad_()]
    optimizer = torch.optim.LBFGS(params, **args)

    def closure():
        optimizer.zero_grad()
        loss = ((torch.tanh(x @ params[0].T + params[1]) @ params[2].T - y) ** 2).mean()
        loss.backward()
        return loss

    losses, trajectory = [], []
    for _ in range(3):
        losses.append(optimizer.step(closure).item())
        trajectory.append([p.detach().flatten().tolist() for p in params])
    cases.append({"args": args, "losses": losses, "trajectory": trajectory,
                  "func_evals": optimizer.state[params[0]]["func_evals"]})
data = {"torch": torch.__version__, "x": x.flatten().tolist(), "y": y.flatten().tolist(),
        "params": [w1.flatten().tolist(), b1.flatten().tolist(), w2.flatten().tolist()], "cases": cases}
with open(__file__.replace("make_lbfgs_cases.py", "lbfgs_cases.json"), "w") as f:
    json.dump(data, f)
