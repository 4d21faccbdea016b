"""Writes small Kaldi archives with the `kaldi_io` package (what torchaudio's former `kaldi_io` wrapped), for
KaldiTests: matrices [r, c] of value 100·r + c + k/8 per entry k, float vectors [k, k + 0.5, …], int vectors.

    python Tests/EmberAudioTests/Fixtures/make_kaldi_cases.py
"""
import os

import kaldi_io
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
def matrix(k, rows, cols, dtype):
    return (100 * np.arange(rows)[:, None] + np.arange(cols)[None, :] + k / 8).astype(dtype)

with open(os.path.join(here, "feats_float.ark"), "wb") as f:
    for k, (rows, cols) in enumerate([(3, 4), (1, 5), (0, 2)]):
        kaldi_io.write_mat(f, matrix(k, rows, cols, np.float32), key=f"utt{k}")
with open(os.path.join(here, "feats_double.ark"), "wb") as f:
    kaldi_io.write_mat(f, matrix(5, 2, 3, np.float64), key="utt5")
with open(os.path.join(here, "vectors.ark"), "wb") as f:
    for k in range(3):
        kaldi_io.write_vec_flt(f, np.arange(k + 1, dtype=np.float32) * 0.5 + k, key=f"spk{k}")
with open(os.path.join(here, "alignments.ark"), "wb") as f:
    for k in range(3):
        kaldi_io.write_vec_int(f, np.arange(k * 3, dtype=np.int32) - 2, key=f"utt{k}")
with open(os.path.join(here, "feats_text.ark"), "w") as f:
    f.write("utt0  [\n  0 1.5 -2\n  3 4 5e-1 ]\nutt1  [\n  7 8 9 ]\n")
with open(os.path.join(here, "feats.scp"), "w") as f:
    # offsets of the objects in feats_float.ark: just after each key and its space
    data = open(os.path.join(here, "feats_float.ark"), "rb").read()
    for k in (2, 0):
        f.write(f"utt{k} Fixtures/feats_float.ark:{data.index(f'utt{k} '.encode()) + len(f'utt{k} ')}\n")
