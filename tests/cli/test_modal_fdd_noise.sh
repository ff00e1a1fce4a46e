#!/usr/bin/env bash
# regia modal's FDD peaks stand out of the Welch estimate's own scatter: on a short two-mode
# record (2 and 7 Hz, 2 %, two channels, 50 Hz, 120 s: nperseg 1024, 10 segments, 1.45 dB
# sd per line) the fixed 6 dB prominence of 10 log10 s1 alone also picks two bumps of the
# noise floor (17.0 and 22.1 Hz, 6.5 and 6.3 dB; scipy.signal.find_peaks on the output's
# s1 finds them too, so this checks the rule, not the picking); with the noise rule
# (prominence >= max(6 dB, 6.5 sd), sd from the average's equivalent degrees of freedom)
# only the two modes are left, and they are exactly find_peaks' peaks at that threshold,
# computed here independently (Welch 1967's nu of the Hann window at half overlap).
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import numpy, h5py, scipy.signal' 2>/dev/null || skip "Debian python3 without numpy/h5py/scipy"
D=$TMP
/usr/bin/python3 - "$D" <<'PY' || fail "fixture"
import os, sys, numpy as np
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
from modal_fixture import modal_record
rng = np.random.default_rng(1)
fs = 50.0
y = modal_record(rng, fs, int(fs * 120), ((2.0, 0.02, (1.0, 0.5)), (7.0, 0.02, (0.6, -1.0))))
np.save(f"{sys.argv[1]}/short.npy", y)
PY
run_np 1 modal --input "$D/short.npy" --fs 50 --output "$D/short.h5" -q || fail "modal on the short record"
/usr/bin/python3 - "$D/short.h5" <<'PY' || fail "FDD peaks of the short record"
import sys, h5py, numpy as np, scipy.signal as ss
from scipy.special import polygamma
f = h5py.File(sys.argv[1], "r")
fr, s1, pk = f["fdd_frequency"][()], f["fdd_singular_value"][:, 0], f["fdd_peak_frequency"][()]
nper, n = int(f.attrs["fdd_nperseg"][0]), 6000
assert nper == 1024, nper
z = 10 * np.log10(s1[1:])  # DC is never a peak
old = ss.find_peaks(z, prominence=6, distance=2)[0] + 1
assert len(old) == 4 and abs(fr[old[3]] - 22.07) < 0.01, fr[old]  # the fixture shows the noise peaks
S = nper // 2; K = (n - nper) // S + 1
w = ss.get_window("hann", nper)
rho = [(w[: nper - m * S] * w[m * S:]).sum() / (w * w).sum() for m in range(1, K) if m * S < nper]
nu = 2 * K / (1 + 2 * sum((1 - (m + 1) / K) * r * r for m, r in enumerate(rho)))
sd = 10 / np.log(10) * np.sqrt(polygamma(1, nu / 2))
assert abs(sd - 1.445) < 0.005, sd
thr, asd = float(f.attrs["fdd_min_prominence_db"][0]), float(f.attrs["fdd_noise_sd_db"][0])
assert abs(asd - sd) < 1e-3 and abs(thr - max(6, 6.5 * sd)) < 1e-2, (thr, asd, sd)  # the threshold applied is stated
new = ss.find_peaks(z, prominence=max(6, 6.5 * sd), distance=2)[0] + 1
assert np.array_equal(pk, fr[new]), (pk, fr[new])
assert len(pk) == 2 and abs(pk[0] - 2) < 0.1 and abs(pk[1] - 7) < 0.2, pk
PY
echo "PASS test_modal_fdd_noise"
