"""Writes spectral_cases.json: torch.stft (as torch.view_as_real), its input gradient, the window functions and
the torch.fft frequency helpers, on the test signal SpectralTests builds. Run with PyTorch:

    python Tests/EmberTests/Fixtures/make_spectral_cases.py
"""
import json
import math
import os

import torch

def signal(count, phase=0.0):
    return [math.sin(0.05 * i + phase) + 0.5 * math.sin(0.31 * i + 1) + 0.25 * (((i * 7919) % 101) / 50.5 - 1)
            for i in range(count)]

out = {}
def put(name, t):
    out[name] = t.detach().double().flatten().tolist(); out[name + ".shape"] = list(t.shape)

def stft_case(name, x, weights_seed, **kwargs):
    x = x.detach().requires_grad_()
    y = torch.view_as_real(torch.stft(x, return_complex=True, **kwargs))
    weights = torch.linspace(-1, 1, y.numel(), dtype=y.dtype).view(y.shape)
    (y * weights).sum().backward()
    put(name, y); put(name + ".grad", x.grad)

x32 = torch.tensor(signal(2 * 300), dtype=torch.float64).float().view(2, 300)
stft_case("stft_hann", x32, 0, n_fft=64, hop_length=16, window=torch.hann_window(64))
stft_case("stft_short_window", x32[0], 0, n_fft=50, hop_length=12, win_length=30, window=torch.hamming_window(30))
stft_case("stft_no_window_twosided", x32, 0, n_fft=45, onesided=False, normalized=True)
stft_case("stft_no_centre", x32.double(), 0, n_fft=400 // 4, hop_length=25, center=False, window=torch.hann_window(100, dtype=torch.float64))
stft_case("stft_constant_pad", x32, 0, n_fft=32, pad_mode="constant", window=torch.blackman_window(32))
stft_case("stft_400", torch.tensor(signal(4000), dtype=torch.float64).float(), 0, n_fft=400, hop_length=200, window=torch.hann_window(400))

for n in [0, 1, 2, 7, 64, 400]:
    for periodic in [True, False]:
        suffix = f"{n}_{'periodic' if periodic else 'symmetric'}"
        put("hann_" + suffix, torch.hann_window(n, periodic=periodic))
        put("hamming_" + suffix, torch.hamming_window(n, periodic=periodic))
        put("blackman_" + suffix, torch.blackman_window(n, periodic=periodic))
        put("bartlett_" + suffix, torch.bartlett_window(n, periodic=periodic))
        put("kaiser_" + suffix, torch.kaiser_window(n, periodic=periodic, beta=8.6, dtype=torch.float64))
for n in [1, 8, 9]:
    put(f"fftfreq_{n}", torch.fft.fftfreq(n, d=0.1))
    put(f"rfftfreq_{n}", torch.fft.rfftfreq(n, d=0.1))
grid = torch.arange(30.0).view(5, 6)
put("fftshift", torch.fft.fftshift(grid)); put("ifftshift", torch.fft.ifftshift(grid))
put("fftshift_dim1", torch.fft.fftshift(grid, dim=[1]))
i0_input = torch.tensor([-30.0, -2.5, 0.0, 0.5, 1.0, 3.0, 12.0, 50.0], dtype=torch.float64)
put("i0", torch.i0(i0_input)); put("i1", torch.special.i1(i0_input))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "spectral_cases.json"), "w") as f:
    json.dump(out, f)
