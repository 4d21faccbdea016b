"""Writes complex_cases.json: PyTorch's complex tensors (arithmetic, parts, modulus and argument, sums, type
promotion, printing) and the torch.fft transforms, with the gradients of a fixed real weighting of each output,
on the inputs ComplexTests builds. Run with PyTorch:

    python Tests/EmberTests/Fixtures/make_complex_cases.py
"""
import json
import math
import os

import torch

def signal(count, phase=0.0):
    return [math.sin(0.05 * i + phase) + 0.5 * math.sin(0.31 * i + 1) + 0.25 * (((i * 7919) % 101) / 50.5 - 1)
            for i in range(count)]

def complex_input(shape, phase, dtype=torch.complex128):
    """Complex values whose real and imaginary parts are the test signal's consecutive samples."""
    count = math.prod(shape)
    pairs = torch.tensor(signal(2 * count, phase), dtype=torch.float64).view(*shape, 2)
    return torch.view_as_complex(pairs).to(dtype)

def real_input(shape, phase, dtype=torch.float64):
    return torch.tensor(signal(math.prod(shape), phase), dtype=torch.float64).view(shape).to(dtype)

out = {}
def put(name, t):
    t = t.detach()
    if t.is_complex():
        t = torch.view_as_real(t.resolve_conj())
    # JSON has no NaN or infinities: they are written as the strings JSONDecoder is told to read.
    out[name] = [v if math.isfinite(v) else str(v) for v in t.double().flatten().tolist()]
    out[name + ".shape"] = list(t.shape)

def weighted(y):
    """A real number from every output value: the real pairs of a complex output weighted by -1 … 1."""
    pairs = torch.view_as_real(y.resolve_conj()) if y.is_complex() else y
    return (pairs * torch.linspace(-1, 1, pairs.numel(), dtype=pairs.dtype).view(pairs.shape)).sum()

def case(name, f, *inputs):
    inputs = [x.detach().clone().requires_grad_() for x in inputs]
    y = f(*inputs)
    put(name, y)
    weighted(y).backward()
    for i, x in enumerate(inputs):
        put(f"{name}.grad{i}", x.grad)

a = complex_input([3, 4], 0.0)
b = complex_input([4], 1.0)
r = real_input([3, 4], 2.0)
case("add", lambda x, y: x + y, a, b)
case("sub", lambda x, y: x - y, a, b)
case("mul", lambda x, y: x * y, a, b)
case("div", lambda x, y: x / y, a, b)
case("mul_real", lambda x, y: x * y, a, r)
case("real_div", lambda x, y: y / x, a, r)
case("add_scalar", lambda x: x + 2.5, a)
case("scale", lambda x: 0.5 * x - x / 4, a)
case("neg", lambda x: -x, a)
case("conj", lambda x: x.conj() * x, a)
case("abs", lambda x: x.abs(), a)
case("angle", lambda x: x.angle(), a)
case("real_imag", lambda x: x.real * 2 + x.imag * 3, a)
case("complex", lambda x, y: torch.complex(x, y), r, real_input([4], 3.0))
case("polar", lambda x, y: torch.polar(x, y), r.abs(), real_input([3, 4], 4.0))
case("sum", lambda x: x.sum(), a)
case("sum_dim", lambda x: x.sum(dim=0), a)
case("mean_dim", lambda x: x.mean(dim=-1, keepdim=True), a)
case("view_as_complex", lambda x: torch.view_as_complex(x) * 2, real_input([3, 2], 5.0))
case("complex64_mul", lambda x, y: x * y, a.to(torch.complex64), b.to(torch.complex64))
case("exp", lambda x: x.exp(), a)
case("log", lambda x: x.log(), a)
case("sqrt", lambda x: x.sqrt(), a)
case("reciprocal", lambda x: x.reciprocal(), a)
case("pow2", lambda x: x.pow(2), a)
case("pow_fraction", lambda x: x.pow(0.75), a)
case("pow_half", lambda x: x ** 0.5, a)
m1, m2, m3 = complex_input([3, 5], 8.0), complex_input([5, 2], 9.0), complex_input([2, 3, 5], 10.0)
case("matmul", lambda x, y: x @ y, m1, m2)
case("mm", lambda x, y: x.mm(y), m1, m2)
case("matmul_of_real", lambda x, y: x.to(torch.complex128) @ y, real_input([4, 3], 11.0), m1)
case("matmul_batched", lambda x, y: x @ y, m3, m2)
case("matmul_vector", lambda x, y: x @ y, m1, complex_input([5], 12.0))
put("sqrt_axes", torch.tensor([-4 + 0j, complex(-4, -0.0), 4j, 3 - 4j, 0j], dtype=torch.complex128).sqrt())
put("equal", (a == a.conj()).to(torch.float64))
put("to_real", a.to(torch.float64))
put("to_bool", torch.tensor([0j, 1j, 2 + 0j, 0j]).to(torch.bool).to(torch.float64))
put("abs_zero", torch.tensor([0j, 3 + 4j, -5j]).abs())
put("div_zero", torch.tensor([1 + 1j, 0j], dtype=torch.complex128) / torch.tensor([0j, 0j], dtype=torch.complex128))

# The torch.fft transforms, each with the gradient of its weighted output.
z = complex_input([5, 12], 0.5)
x = real_input([5, 12], 1.5)
for norm in ["backward", "ortho", "forward"]:
    case(f"fft_{norm}", lambda t: torch.fft.fft(t, norm=norm), z)
    case(f"ifft_{norm}", lambda t: torch.fft.ifft(t, norm=norm), z)
    case(f"rfft_{norm}", lambda t: torch.fft.rfft(t, norm=norm), x)
    case(f"irfft_{norm}", lambda t: torch.fft.irfft(t, norm=norm), z)
case("fft_dim0_n8", lambda t: torch.fft.fft(t, n=8, dim=0), z)
case("fft_n7", lambda t: torch.fft.fft(t, n=7), z)
case("ifft_n16", lambda t: torch.fft.ifft(t, n=16), z)
case("fft_of_real", lambda t: torch.fft.fft(t, dim=0), x)
case("rfft_n9_dim0", lambda t: torch.fft.rfft(t, n=9, dim=0), x)
case("rfft_n20", lambda t: torch.fft.rfft(t, n=20), x)
case("irfft_n11", lambda t: torch.fft.irfft(t, n=11), z)
case("irfft_n30_dim0", lambda t: torch.fft.irfft(t, n=30, dim=0), z)
for norm in ["backward", "ortho", "forward"]:
    case(f"hfft_{norm}", lambda t: torch.fft.hfft(t, norm=norm), z)
    case(f"ihfft_{norm}", lambda t: torch.fft.ihfft(t, norm=norm), x)
case("hfft_n9_dim0", lambda t: torch.fft.hfft(t, n=9, dim=0), z)
case("ihfft_n7", lambda t: torch.fft.ihfft(t, n=7), x)
case("fft2", lambda t: torch.fft.fft2(t), z)
case("ifft2_s", lambda t: torch.fft.ifft2(t, s=(4, 10)), z)
case("rfft2", lambda t: torch.fft.rfft2(t), x)
case("irfft2", lambda t: torch.fft.irfft2(t), z)
case("irfft2_s", lambda t: torch.fft.irfft2(t, s=(6, 9), norm="ortho"), z)
z3 = complex_input([3, 4, 6], 2.5)
x3 = real_input([3, 4, 6], 3.5)
case("fftn", lambda t: torch.fft.fftn(t), z3)
case("fftn_dims", lambda t: torch.fft.fftn(t, dim=(0, 2), norm="forward"), z3)
case("ifftn_s", lambda t: torch.fft.ifftn(t, s=(5, 5)), z3)
case("rfftn", lambda t: torch.fft.rfftn(t), x3)
case("rfftn_dims_s", lambda t: torch.fft.rfftn(t, s=(6, 4), dim=(2, 0)), x3)
case("irfftn", lambda t: torch.fft.irfftn(t), z3)
case("fft_float32", lambda t: torch.fft.fft(t), z.to(torch.complex64))
case("rfft_float32", lambda t: torch.fft.rfft(t), x.float())
case("stft_complex", lambda t: torch.stft(t, 16, hop_length=4, window=torch.hann_window(16, dtype=torch.float64),
                                          return_complex=True), real_input([100], 6.0))
case("istft_complex", lambda t: torch.istft(t, 16, hop_length=4, window=torch.hann_window(16, dtype=torch.float64)),
     torch.stft(real_input([100], 7.0), 16, hop_length=4, window=torch.hann_window(16, dtype=torch.float64), return_complex=True))

# Type promotion of a complex type with every type, in DType's order (bool … float64, complex64, complex128).
dtypes = [torch.bool, torch.uint8, torch.int8, torch.int32, torch.int64, torch.float16, torch.bfloat16, torch.float32,
          torch.float64, torch.complex64, torch.complex128]
out["promote"] = [dtypes.index(torch.promote_types(p, q)) for p in dtypes[-2:] for q in dtypes]

# repr, without the `torch.` PyTorch writes before dtypes.
def text(t):
    return repr(t).replace("torch.", "")
strings = {
    "print_small": text(torch.tensor([1 + 2j, -3.5 - 0.25j, 0j])),
    "print_ints": text(torch.tensor([1 + 2j, 3 - 4j])),
    "print_double": text(torch.tensor([[1.5 + 1e-5j, 2j], [-1, 100 + 0.5j]], dtype=torch.complex128)),
    "print_scalar": text(torch.tensor(2 - 1j)),
    "print_negative_zero": text(torch.complex(torch.tensor([1.0, 2.0]), torch.tensor([-0.0, 0.0]))),
    "print_special": text(torch.tensor([complex(float("nan"), 1), complex(1, float("inf"))])),
    "print_grad": text(torch.tensor([1 + 1j], requires_grad=True) * 2),
    "print_long": text(torch.view_as_complex(torch.arange(2002.0).view(1001, 2) / 7)),
    "print_empty": text(torch.zeros(0, 3, dtype=torch.complex64)),
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "complex_cases.json")
with open(path, "w") as f:
    json.dump({"values": out, "strings": strings}, f)
print(f"wrote {len(out)} entries and {len(strings)} strings to {path}")
