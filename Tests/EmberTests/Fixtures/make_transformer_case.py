"""Writes transformer_case.json: nn.Transformer(16, 2, 2, 2, 32, dropout=0) built right after
torch.manual_seed(0) (its whole state dict, so initialisation is checked too), its output for fixed source
and target sequences with a causal target mask, and the gradient of sum(output²) with respect to the source.
Run with the PyTorch the tests compare against."""
import json
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=32, dropout=0.0)
state = {k: {"shape": list(v.shape), "data": v.flatten().tolist()} for k, v in model.state_dict().items()}
src = torch.randn(5, 3, 16, requires_grad=True)
tgt = torch.randn(4, 3, 16)
mask = nn.Transformer.generate_square_subsequent_mask(4)
out = model(src, tgt, tgt_mask=mask)
(out ** 2).sum().backward()
case = {"torch": torch.__version__, "state": state, "src": src.detach().flatten().tolist(), "tgt": tgt.flatten().tolist(),
        "output": out.detach().flatten().tolist(), "src_grad": src.grad.flatten().tolist(), "repr": repr(model.decoder.layers[0])}
with open(__file__.replace("make_transformer_case.py", "transformer_case.json"), "w") as f:
    json.dump(case, f)
