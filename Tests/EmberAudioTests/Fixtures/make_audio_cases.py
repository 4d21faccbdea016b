"""Writes torchaudio_cases.json: torchaudio 2.11's transforms and functional forms (with their input gradients
where they are differentiable) on the synthetic waveforms AudioTransformTests builds. Run with PyTorch and
torchaudio:

    python Tests/EmberAudioTests/Fixtures/make_audio_cases.py
"""
import json
import math
import os

import torch
torch.version.cuda = None  # the CPU transforms only; skips torchaudio's CUDA build check
import torchaudio.functional as AF
import torchaudio.transforms as T

def waveform(channels, count, rate=16000):
    """A chirp with a harmonic and structured noise per channel, in [-1, 1]."""
    rows = []
    for c in range(channels):
        row = []
        for i in range(count):
            t = i / rate
            row.append(0.6 * math.sin(2 * math.pi * (200 + 150 * c) * t * (1 + 2 * t))
                       + 0.25 * math.sin(2 * math.pi * 1800 * t + c) + 0.1 * (((i * 7919 + c * 104729) % 211) / 105.5 - 1))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float64).float()

out = {}
def put(name, t):
    values = t.detach().double().flatten().tolist()
    if t.dtype != torch.float64:  # float32 values need 9 significant digits
        values = [float(f"{v:.9g}") for v in values]
    out[name] = values; out[name + ".shape"] = list(t.shape)

def case(name, transform, x):
    """The transform's output and the gradient of a fixed weighting of it."""
    x = x.detach().clone().requires_grad_(x.is_floating_point())
    y = transform(x)
    put(name, y)
    if x.requires_grad and y.requires_grad:
        weights = torch.linspace(-1, 1, y.numel(), dtype=y.dtype).view(y.shape)
        (y * weights).sum().backward()
        put(name + ".grad", x.grad)

x = waveform(2, 2000)
case("spectrogram", T.Spectrogram(), x)
case("spectrogram_power1_hamming", T.Spectrogram(n_fft=256, hop_length=64, power=1.0, window_fn=torch.hamming_window), x)
case("spectrogram_complex", lambda w: torch.view_as_real(T.Spectrogram(n_fft=128, power=None)(w)), x[0])
case("spectrogram_window_norm", T.Spectrogram(n_fft=200, win_length=160, normalized=True, pad=7), x)
case("spectrogram_frame_norm", T.Spectrogram(n_fft=100, normalized="frame_length", center=False, power=0.5), x)
case("spectrogram_4d", T.Spectrogram(n_fft=64, hop_length=20), x.view(1, 2, 1, 2000)[..., :500])
put("fbanks_htk", AF.melscale_fbanks(201, 0.0, 8000.0, 40, 16000))
put("fbanks_slaney", AF.melscale_fbanks(257, 20.0, 7600.0, 64, 16000, norm="slaney", mel_scale="slaney"))
put("fbanks_slaney_scale_only", AF.melscale_fbanks(129, 300.0, 3000.0, 10, 8000, mel_scale="slaney"))
put("linear_fbanks", AF.linear_fbanks(65, 100.0, 4000.0, 12, 8000))
case("melspectrogram", T.MelSpectrogram(), x)
case("melspectrogram_custom", T.MelSpectrogram(sample_rate=22050, n_fft=512, hop_length=128, n_mels=40, f_min=20.0, f_max=7600.0,
                                               norm="slaney", mel_scale="slaney", power=1.0), x)
case("mfcc", T.MFCC(), x)
case("mfcc_melkwargs", T.MFCC(n_mfcc=13, melkwargs={"n_fft": 400, "hop_length": 160, "n_mels": 23, "center": False}), x)
case("mfcc_log_nonorm", T.MFCC(n_mfcc=20, log_mels=True, norm=None, melkwargs={"n_mels": 32}), x)
put("dct_ortho", AF.create_dct(13, 40, "ortho")); put("dct_none", AF.create_dct(5, 8, None))
spec = T.Spectrogram(n_fft=64)(x).detach()
case("db_power", T.AmplitudeToDB(), spec)
case("db_magnitude_top", T.AmplitudeToDB(stype="magnitude", top_db=40.0), spec.sqrt())
case("db_top_2d", T.AmplitudeToDB(top_db=30.0), spec[0])
case("db_top_4d", T.AmplitudeToDB(top_db=20.0), torch.stack([spec, spec * 3]).view(2, 2, 33, -1))
put("db_to_amplitude", AF.DB_to_amplitude(T.AmplitudeToDB()(spec), 2.0, 0.5))
put("mulaw_encode", T.MuLawEncoding()(x)); put("mulaw_encode_512", T.MuLawEncoding(512)(x))
put("mulaw_decode", T.MuLawDecoding()(T.MuLawEncoding()(x))); put("mulaw_decode_512", T.MuLawDecoding(512)(torch.arange(512)))
case("resample_down", T.Resample(16000, 8000), x)
case("resample_up", T.Resample(8000, 16000), x[:, :1000])
case("resample_44100_16000", T.Resample(44100, 16000), x[:, :2205])
case("resample_kaiser", T.Resample(16000, 12000, resampling_method="sinc_interp_kaiser"), x)
case("resample_kaiser_beta", T.Resample(48000, 32000, resampling_method="sinc_interp_kaiser", beta=8.0, lowpass_filter_width=10,
                                        rolloff=0.9), x[0])
put("resample_kernel", T.Resample(16000, 12000).kernel)
case("resample_functional_f64", lambda w: AF.resample(w, 16000, 11025), x.double()[:, :800])
case("resample_functional_f32", lambda w: AF.resample(w, 3, 2, lowpass_filter_width=4), x[:, :300])

grid = torch.arange(2 * 33 * 63, dtype=torch.float32).view(2, 33, 63) + 1  # exact values: masks compare exactly
grid4 = torch.stack([grid, grid * 2]).view(2, 2, 33, 63)
torch.manual_seed(3); put("freq_mask", T.FrequencyMasking(20)(grid))
torch.manual_seed(4); put("time_mask_iid", T.TimeMasking(15, iid_masks=True)(grid4))
torch.manual_seed(5); put("time_mask_p", T.TimeMasking(40, p=0.2)(grid, 5.0))
torch.manual_seed(6); put("freq_mask_iid", T.FrequencyMasking(10, iid_masks=True)(grid4, -1.0))
case("vol_amplitude", T.Vol(0.5), x * 3)
case("vol_db", T.Vol(-3.0, "db"), x)
case("vol_power", T.Vol(2.0, "power"), x)
for shape in ["linear", "exponential", "logarithmic", "quarter_sine", "half_sine"]:
    case("fade_" + shape, T.Fade(300, 500, shape), x)
torch.manual_seed(7); put("specaugment_iid", T.SpecAugment(2, 10, 2, 5)(grid4))
torch.manual_seed(8); put("specaugment_zero", T.SpecAugment(1, 20, 3, 4, iid_masks=False, zero_masking=True, p=0.5)(grid))
case("deltas", T.ComputeDeltas(), spec)
case("deltas_reflect", T.ComputeDeltas(win_length=7, mode="reflect"), spec[0])
case("preemphasis", lambda w: AF.preemphasis(w, 0.9), x)
case("lfcc", T.LFCC(), x)
case("lfcc_custom", T.LFCC(n_filter=64, n_lfcc=20, log_lf=True, speckwargs={"n_fft": 256, "hop_length": 128}), x)
mel40 = T.MelScale(n_mels=40)(T.Spectrogram()(x)).detach()
put("inverse_mel", T.InverseMelScale(n_stft=201, n_mels=40)(mel40))
put("inverse_mel_gelsd", T.InverseMelScale(n_stft=201, n_mels=40, driver="gelsd")(mel40))

pairs = lambda spectrum: torch.view_as_real(spectrum).detach().contiguous()
complex_in = lambda f: lambda s: f(torch.view_as_complex(s))
hann = torch.hann_window
case("istft", complex_in(lambda s: torch.istft(s, 128, hop_length=32, window=hann(128))),
     pairs(T.Spectrogram(n_fft=128, hop_length=32, power=None)(x)))
case("istft_length_window", complex_in(lambda s: torch.istft(s, 128, hop_length=40, win_length=100, window=torch.hamming_window(100),
                                                             normalized=True, length=1990)),
     pairs(T.Spectrogram(n_fft=128, hop_length=40, win_length=100, window_fn=torch.hamming_window, power=None,
                         normalized="frame_length")(x)))
case("istft_not_centered_padded", complex_in(lambda s: torch.istft(s, 64, hop_length=16, window=torch.hamming_window(64), center=False,
                                                                   length=2100)),
     pairs(T.Spectrogram(n_fft=64, hop_length=16, window_fn=torch.hamming_window, power=None, center=False)(x)))
case("istft_twosided", complex_in(lambda s: torch.istft(s, 64, hop_length=16, window=hann(64), onesided=False)),
     pairs(torch.stft(x[0], 64, hop_length=16, window=hann(64), onesided=False, return_complex=True)))
case("inverse_spectrogram", complex_in(T.InverseSpectrogram(n_fft=128)), pairs(T.Spectrogram(n_fft=128, power=None)(x)))
case("inverse_spectrogram_pad_norm", complex_in(lambda s: T.InverseSpectrogram(n_fft=200, win_length=160, pad=7, normalized=True)(s, 2000)),
     pairs(T.Spectrogram(n_fft=200, win_length=160, pad=7, normalized=True, power=None)(x)))
stretch_input = pairs(T.Spectrogram(n_fft=128, hop_length=32, power=None)(x))
put("time_stretch.input", stretch_input)  # the phases of small bins are sensitive: the cases start from torchaudio's spectra
case("time_stretch", complex_in(lambda s: torch.view_as_real(T.TimeStretch(hop_length=32, n_freq=65, fixed_rate=1.3)(s))), stretch_input)
case("time_stretch_slower", complex_in(lambda s: torch.view_as_real(T.TimeStretch(n_freq=65)(s, 0.8))), stretch_input)
case("time_stretch_f64", complex_in(lambda s: torch.view_as_real(T.TimeStretch(n_freq=65).double()(s, 0.7))), stretch_input.double())
torch.manual_seed(9); put("griffinlim", T.GriffinLim(n_fft=128, n_iter=4)(T.Spectrogram(n_fft=128)(x[:, :800])))
torch.manual_seed(10); put("griffinlim_magnitude_plain", T.GriffinLim(n_fft=64, n_iter=3, hop_length=16, power=1.0, momentum=0,
                                                                      rand_init=False, length=700)(
    T.Spectrogram(n_fft=64, hop_length=16, power=1.0)(x.view(1, 2, 2000)[..., :700])))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchaudio_cases.json"), "w") as f:
    json.dump(out, f)
