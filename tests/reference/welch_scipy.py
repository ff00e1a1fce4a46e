"""regia's Welch spectra against scipy.signal.welch / scipy.signal.csd (SciPy 1.14.1).

  welch_scipy.py gen DIR
      writes DIR/cases.txt (one case per line: name kind n_rec nch n fs nperseg noverlap
      nfft window detrend scaling) and DIR/NAME.x.f64 (the samples, float64,
      x[(r nch + c) n + t]): noise, sinusoids, offsets and trends, deterministic.
  welch_scipy.py compare DIR
      reads DIR/NAME.out.f64 (test_k_welch --cases DIR) and compares each with scipy:
      psd[(r nch + c) nf + f] = welch(x_rc), csd[r, f, i, j] = csd(x_ri, x_rj) (complex);
      |regia - scipy| <= 1e-10 max(|scipy|, 1e-6 M) where M is the largest
      sqrt(P_ii P_jj) of that record and channel pair over the lines (the floor only
      matters at lines whose value is rounding noise, e.g. DC after detrending).
      Prints one line per case and 'N disagreements'; exit 1 on any.

Used by tests/cli/test_welch_scipy.sh.
"""
import os
import sys

import numpy as np
import scipy
import scipy.signal as sig

TOL = 1e-10
WINDOWS = ["hann", "boxcar", "hamming"]
DETRENDS = [False, "constant", "linear"]
SCALINGS = ["density", "spectrum"]

# name, kind (0 psd, 1 csd), n_rec, nch, n, fs, nperseg, noverlap, nfft, window, detrend, scaling
CASES = [
    ("defaults_psd", 0, 2, 3, 5000, 200.0, 256, 128, 256, 0, 1, 0),
    ("defaults_csd", 1, 2, 3, 5000, 200.0, 256, 128, 256, 0, 1, 0),
    ("pad_hamming_linear", 0, 2, 2, 7000, 100.0, 500, 100, 1024, 2, 2, 0),
    ("pad_hamming_linear_csd", 1, 1, 3, 7000, 100.0, 500, 100, 1024, 2, 2, 0),
    ("odd_boxcar_none_spectrum", 0, 3, 2, 4000, 50.0, 301, 150, 301, 1, 0, 1),
    ("odd_pad_spectrum_csd", 1, 2, 2, 4000, 50.0, 200, 0, 333, 0, 1, 1),
    ("tail_dropped", 0, 1, 2, 1000, 10.0, 256, 200, 256, 0, 1, 0),
    ("one_segment", 1, 2, 2, 512, 20.0, 512, 256, 512, 0, 2, 0),
    ("ten_minutes_200hz", 0, 2, 5, 120000, 200.0, 256, 128, 256, 0, 1, 0),
    ("ten_minutes_200hz_csd", 1, 2, 5, 120000, 200.0, 1024, 512, 2048, 0, 1, 0),
    ("many_short_records", 1, 40, 2, 600, 100.0, 128, 64, 128, 0, 1, 0),
    ("single_channel_csd", 1, 3, 1, 3000, 100.0, 256, 128, 256, 2, 2, 1),
]


def signal_of(case, rng):
    name, kind, n_rec, nch, n, fs = case[:6]
    t = np.arange(n) / fs
    x = np.empty((n_rec, nch, n))
    for r in range(n_rec):
        common = rng.standard_normal(n)
        for c in range(nch):
            f1 = fs * rng.uniform(0.05, 0.4)
            x[r, c] = (rng.standard_normal(n) + 0.5 * common
                       + 2.0 * np.sin(2 * np.pi * f1 * t + rng.uniform(0, 6.28))
                       + rng.uniform(-5, 5) + rng.uniform(-3, 3) * t / t[-1])
    return x


def gen(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(20261201)
    with open(os.path.join(d, "cases.txt"), "w") as f:
        for case in CASES:
            x = signal_of(case, rng)
            x.astype("<f8").tofile(os.path.join(d, case[0] + ".x.f64"))
            f.write(" ".join(str(v) for v in case) + "\n")


def scipy_of(case, x):
    name, kind, n_rec, nch, n, fs, nperseg, noverlap, nfft, win, det, scal = case
    kw = dict(fs=fs, window=WINDOWS[win], nperseg=nperseg, noverlap=noverlap, nfft=nfft,
              detrend=DETRENDS[det], scaling=SCALINGS[scal])
    if kind == 0:
        _, p = sig.welch(x, **kw)                       # (n_rec, nch, nf)
        return p, p, p
    _, p = sig.csd(x[:, :, None, :], x[:, None, :, :], **kw)   # (n_rec, i, j, nf)
    auto = np.real(np.einsum("riif->rif", p))
    return np.moveaxis(p, 3, 1), auto, None              # (n_rec, nf, i, j)


def compare(d):
    bad = 0
    for line in open(os.path.join(d, "cases.txt")):
        v = line.split()
        case = [v[0]] + [int(v[1]), int(v[2]), int(v[3]), int(v[4]), float(v[5])] + [int(s) for s in v[6:]]
        name, kind, n_rec, nch, n = case[:5]
        nf = case[8] // 2 + 1
        x = np.fromfile(os.path.join(d, name + ".x.f64"), "<f8").reshape(n_rec, nch, n)
        ref, auto, _ = scipy_of(case, x)
        out_path = os.path.join(d, name + ".out.f64")
        if not os.path.exists(out_path):
            print("DIFF %s: regia wrote no %s" % (name, out_path)); bad += 1; continue
        got = np.fromfile(out_path, "<f8")
        if kind == 0:
            if got.size != n_rec * nch * nf:
                print("DIFF %s: %d values, expected %d" % (name, got.size, n_rec * nch * nf)); bad += 1; continue
            got = got.reshape(n_rec, nch, nf)
            m = auto.max(axis=2)[:, :, None]
        else:
            if got.size != n_rec * nf * nch * nch * 2:
                print("DIFF %s: %d values, expected %d" % (name, got.size, n_rec * nf * nch * nch * 2)); bad += 1; continue
            got = got.reshape(n_rec, nf, nch, nch, 2)
            got = got[..., 0] + 1j * got[..., 1]
            amax = auto.max(axis=2)                        # (n_rec, nch)
            m = np.sqrt(amax[:, :, None] * amax[:, None, :])[:, None, :, :]
        err = np.abs(got - ref)
        scale = np.maximum(np.abs(ref), 1e-6 * m)
        rel = err / scale
        worst = np.unravel_index(np.argmax(rel), rel.shape)
        ok = bool(np.all(rel <= TOL)) and np.all(np.isfinite(got))
        print("%s %-28s max rel %.3g at %s (scipy %s, regia %s)" % ("ok  " if ok else "DIFF", name, rel.max(),
              tuple(int(i) for i in worst), ref[worst], got[worst]))
        bad += 0 if ok else 1
    print("scipy %s, numpy %s: %d disagreements" % (scipy.__version__, np.__version__, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2]))
    else:
        sys.exit(__doc__)
