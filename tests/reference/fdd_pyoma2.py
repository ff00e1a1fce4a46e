"""regia's FDD against pyOMA2 1.4.3 on pyOMA2's example frame (run in the peer venv).

  fdd_pyoma2.py gen DIR
      DIR/x.f64: pyoma2.functions.gen.example_data()'s noisy accelerations (5 storeys,
      100 Hz, 30001 samples), channel-major x[c n + t]; DIR/meta.txt "nch n fs nperseg";
      DIR/truth.txt: the frame's natural frequencies (Hz) and damping.
  fdd_pyoma2.py compare DIR
      reads test_k_fdd --pyoma2 DIR's DIR/sv.f64 (singular values per line) and
      DIR/modes.txt, and runs pyOMA2's own chain on the same samples: SD_est (method
      'per', nxseg 1024, pov 0.5: scipy.signal.csd with Hann and 50 % overlap),
      SD_svalsvec, FDD_mpe and EFDD_mpe.  Checks: regia's singular values equal the
      squares of pyOMA2's Sval (relative 1e-9, floor 1e-9 of the line's s_1); regia's shape
      at each peak equals pyOMA2's Svec[0, :, line] normalised by its largest component
      (|difference| <= 1e-8); each of the 5 true modes has a regia peak within one line;
      pyOMA2's FDD_mpe at the true frequencies picks a line within one line of regia's.
      EFDD damping of both is printed beside the truth.  Exit 1 on any failure.

Used by tests/cli/test_fdd_pyoma2.sh.
"""
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def gen(d):
    from pyoma2.functions.gen import example_data
    os.makedirs(d, exist_ok=True)
    np.random.seed(20261201)
    Y, _, (fn, xi, _) = example_data()
    Y = np.ascontiguousarray(Y.T)  # (nch, n)
    Y.astype("<f8").tofile(os.path.join(d, "x.f64"))
    open(os.path.join(d, "meta.txt"), "w").write("%d %d %r %d\n" % (Y.shape[0], Y.shape[1], 100.0, 1024))
    open(os.path.join(d, "truth.txt"), "w").write(" ".join("%.9g" % f for f in fn) + "\n%.9g\n" % xi)


def compare(d):
    import logging
    logging.disable(logging.CRITICAL)
    from pyoma2.functions import fdd as pf
    nch, n, fs, nxseg = open(os.path.join(d, "meta.txt")).read().split()
    nch, n, fs, nxseg = int(nch), int(n), float(fs), int(nxseg)
    lines = open(os.path.join(d, "truth.txt")).read().split("\n")
    fn_true = np.array([float(v) for v in lines[0].split()])
    xi_true = float(lines[1])
    Y = np.fromfile(os.path.join(d, "x.f64"), "<f8").reshape(nch, n)
    dt = 1 / fs
    freq, Sy = pf.SD_est(Y, Y, dt, nxseg, method="per", pov=0.5)
    Sval, Svec = pf.SD_svalsvec(Sy)
    nf = freq.size
    bad = 0
    sv = np.fromfile(os.path.join(d, "sv.f64"), "<f8").reshape(nf, nch)
    ref = np.array([np.diag(Sval[:, :, k]) ** 2 for k in range(nf)])
    rel = np.abs(sv - ref) / np.maximum(np.abs(ref), 1e-9 * ref[:, :1])
    print("singular values: max rel difference to pyOMA2's Sval^2 %.3g" % rel.max())
    if not rel.max() <= 1e-9:
        print("DIFF singular values"); bad += 1
    modes = []
    with open(os.path.join(d, "modes.txt")) as f:
        for row in f:
            v = row.split()
            line, fr, st, ef, ex = int(v[0]), float(v[1]), int(v[2]), float(v[3]), float(v[4])
            shape = np.array([float(v[5 + 2 * i]) + 1j * float(v[6 + 2 * i]) for i in range(nch)])
            modes.append((line, fr, st, ef, ex, shape))
    print("regia peaks: %s Hz" % ", ".join("%.4f" % m[1] for m in modes))
    for line, fr, st, ef, ex, shape in modes:
        p = Svec[0, :, line]
        p = p / p[np.argmax(np.abs(p))]
        e = np.abs(shape - p).max()
        if not e <= 1e-8:
            print("DIFF shape at line %d (%.4f Hz): max |regia - pyOMA2| %.3g" % (line, fr, e)); bad += 1
    df = freq[1] - freq[0]
    lines_r = np.array([m[0] for m in modes])
    Fn_p, _ = pf.FDD_mpe(Sval, Svec, freq, fn_true, DF=0.1)
    Fe, Xe = [], []
    for f in fn_true:  # one mode per call: pyOMA2 raises when a correlation has too few peaks
        try:
            a, b, _, _ = pf.EFDD_mpe(Sy, freq, dt, [modes[int(np.argmin(np.abs(lines_r * df - f)))][1]],
                                     methodSy="per", method="EFDD")
            Fe.append(float(a[0])); Xe.append(float(np.ravel(b)[0]))
        except ValueError as exc:
            Fe.append(float("nan")); Xe.append(float("nan"))
            print("pyOMA2 EFDD_mpe at %.4f Hz: %s" % (f, " ".join(str(exc).split())))
    for k, f in enumerate(fn_true):
        j = int(np.argmin(np.abs(lines_r * df - f)))
        line, fr, st, ef, ex, _ = modes[j]
        # regia's EFDD: done (status 0) or refused as too coarse (2, NARROW_BELL) - never
        # another failure on this frame
        ok_efdd = st in (0, 2)
        ok = abs(fr - f) <= df * 1.0001 and abs(fr - Fn_p[k]) <= df * 1.0001 and ok_efdd
        print("%s mode %d: true %.4f Hz xi %.3f | regia FDD %.4f, EFDD status %d f %.4f xi %.4f | pyOMA2 FDD %.4f, "
              "EFDD f %.4f xi %.4f" % ("ok  " if ok else "DIFF", k + 1, f, xi_true, fr, st, ef, ex, Fn_p[k], Fe[k],
                                        Xe[k]))
        bad += 0 if ok else 1
    print("%d disagreements" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2]))
    else:
        sys.exit(__doc__)
