"""The Welch benchmark's SciPy side and report (run in the peer venv, SciPy 1.14.1).

  welch_scipy.py gen DIR [--records R] [--channels C] [--seconds S] [--fs FS] [--nperseg N]
      R records (20) of C channels (3: a triaxial sensor) of S seconds (600) at FS Hz (200):
      three lightly damped modes (AR(2) resonators, 1.2 / 3.7 / 8.9 Hz) under white noise
      with channel-dependent shapes, plus sensor noise and an offset; writes DIR/meta.txt
      ("n_rec nch n fs nperseg") and DIR/x.f64 (float64, x[(r nch + c) n + t]).
  welch_scipy.py run DIR [--reps 3]
      times scipy.signal.welch(x, fs, nperseg=N) on the whole (R, C, n) array (one
      vectorised call, SciPy's fastest use) and scipy.signal.csd of every channel pair per
      record (x[:, :, None], x[:, None]); medians of reps; writes DIR/scipy_timing.json,
      DIR/scipy_psd.f64 and DIR/scipy_csd.f64.
  welch_scipy.py report DIR OUT
      checks regia's values (bench_welch: DIR/regia_*.f64) against SciPy's: relative 1e-10
      as tests/reference/welch_scipy.py; writes OUT.md and OUT.json; exit 1 when they
      disagree or a result is missing.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import scipy
import scipy.signal as sig

TOL = 1e-10


def gen(a):
    os.makedirs(a.dir, exist_ok=True)
    rng = np.random.default_rng(20261203)
    n = int(round(a.seconds * a.fs))
    modes = [(1.2, 0.015), (3.7, 0.02), (8.9, 0.01)]
    x = np.empty((a.records, a.channels, n))
    for r in range(a.records):
        q = []
        for fn, xi in modes:
            w = 2 * np.pi * fn * (1 + 0.01 * rng.standard_normal()); dt = 1 / a.fs
            a1 = 2 * np.exp(-xi * w * dt) * np.cos(w * np.sqrt(1 - xi * xi) * dt)
            a2 = -np.exp(-2 * xi * w * dt)
            q.append(sig.lfilter([1.0], [1.0, -a1, -a2], rng.standard_normal(n)) * 1e-3)
        for c in range(a.channels):
            shape = np.cos((c + 1) * np.arange(1, len(modes) + 1) * 0.7)
            x[r, c] = sum(s * qm for s, qm in zip(shape, q)) + 2.5e-4 * rng.standard_normal(n) + 0.01 * (c - 1)
    x.astype("<f8").tofile(os.path.join(a.dir, "x.f64"))
    with open(os.path.join(a.dir, "meta.txt"), "w") as f:
        f.write("%d %d %d %r %d\n" % (a.records, a.channels, n, float(a.fs), a.nperseg))


def meta(d):
    v = open(os.path.join(d, "meta.txt")).read().split()
    return int(v[0]), int(v[1]), int(v[2]), float(v[3]), int(v[4])


def run(a):
    R, C, n, fs, nperseg = meta(a.dir)
    x = np.fromfile(os.path.join(a.dir, "x.f64"), "<f8").reshape(R, C, n)
    tp, tc, cp, cc = [], [], [], []
    for _ in range(a.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        _, p = sig.welch(x, fs=fs, nperseg=nperseg)
        tp.append(time.perf_counter() - t0); cp.append(time.process_time() - c0)
    for _ in range(a.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        _, c = sig.csd(x[:, :, None, :], x[:, None, :, :], fs=fs, nperseg=nperseg)
        tc.append(time.perf_counter() - t0); cc.append(time.process_time() - c0)
    p.astype("<f8").tofile(os.path.join(a.dir, "scipy_psd.f64"))
    c = np.moveaxis(c, 3, 1)  # (R, nf, i, j)
    np.stack([c.real, c.imag], axis=-1).astype("<f8").tofile(os.path.join(a.dir, "scipy_csd.f64"))
    json.dump({"psd_wall_s": float(np.median(tp)), "csd_wall_s": float(np.median(tc)),
               "psd_cpu_s": float(np.median(cp)), "csd_cpu_s": float(np.median(cc)), "reps": a.reps,
               "scipy": scipy.__version__, "numpy": np.__version__, "python": platform.python_version()},
              open(os.path.join(a.dir, "scipy_timing.json"), "w"))


def worst_rel(got, ref, m):
    rel = np.abs(got - ref) / np.maximum(np.abs(ref), 1e-6 * m)
    return float(rel.max()) if np.all(np.isfinite(got)) else float("inf")


def report(a):
    d = a.dir
    R, C, n, fs, nperseg = meta(d)
    nf = nperseg // 2 + 1
    problems = []
    try:
        rt = json.load(open(os.path.join(d, "regia_timing.json")))
        st = json.load(open(os.path.join(d, "scipy_timing.json")))
        rp = np.fromfile(os.path.join(d, "regia_psd.f64"), "<f8").reshape(R, C, nf)
        sp = np.fromfile(os.path.join(d, "scipy_psd.f64"), "<f8").reshape(R, C, nf)
        rc = np.fromfile(os.path.join(d, "regia_csd.f64"), "<f8").reshape(R, nf, C, C, 2)
        sc = np.fromfile(os.path.join(d, "scipy_csd.f64"), "<f8").reshape(R, nf, C, C, 2)
    except (OSError, ValueError) as e:
        print("bench: welch: a result is missing or malformed: %s" % e, file=sys.stderr)
        return 1
    pmax = sp.max(axis=2)
    e_psd = worst_rel(rp, sp, pmax[:, :, None])
    m = np.sqrt(pmax[:, :, None] * pmax[:, None, :])[:, None, :, :]
    rcz, scz = rc[..., 0] + 1j * rc[..., 1], sc[..., 0] + 1j * sc[..., 1]
    e_csd = worst_rel(rcz, scz, m)
    if not e_psd <= TOL: problems.append("PSD differs from scipy.signal.welch: max rel %.3g > %g" % (e_psd, TOL))
    if not e_csd <= TOL: problems.append("CSD differs from scipy.signal.csd: max rel %.3g > %g" % (e_csd, TOL))
    S = R * C * n
    rows = []
    for clock in ("cpu", "wall"):
        rows.append(("PSD (Welch)", clock, S / rt["psd_%s_s" % clock], S / st["psd_%s_s" % clock]))
        rows.append(("CSD matrix %dx%d per record" % (C, C), clock, S / rt["csd_%s_s" % clock],
                     S / st["csd_%s_s" % clock]))
        if rt.get("qc"):
            rows.append(("QC + PSD (SciPy: PSD only, it has no QC)", clock,
                         S / (rt["qc_%s_s" % clock] + rt["psd_%s_s" % clock]), S / st["psd_%s_s" % clock]))
    res = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "records": R, "channels": C, "samples_per_channel": n,
           "fs": fs, "nperseg": nperseg, "samples": S, "regia": rt, "scipy": st, "max_rel_psd": e_psd,
           "max_rel_csd": e_csd, "tolerance": TOL, "qc_included": bool(rt.get("qc")), "valid": not problems,
           "problems": problems}
    L = ["# Welch PSD / CSD (and channel QC): regia vs scipy.signal, %s" % res["date"], "",
         "%d records x %d channels x %d samples (%.0f s at %g Hz: %d samples in all), scipy's defaults "
         "(Hann, nperseg %d, 50 %% overlap, constant detrend, density). One core, one thread each "
         "(taskset; OMP/OpenBLAS threads 1), medians of %d runs, the same arrays, one run of "
         "benchmarks/bench_welch.sh. Rates per core from the process's CPU time (the figure to use on a "
         "shared machine) and from the wall time (equal to it on an idle one; load average at the start of "
         "the report: %.1f)." % (R, C, n, n / fs, fs, S, nperseg, rt["reps"], os.getloadavg()[0]), "",
         "| stage | clock | regia samples/s/core | SciPy %s samples/s/core | regia / SciPy |" % st["scipy"],
         "|---|---|---:|---:|---:|"]
    for name, clock, r, s in rows:
        L.append("| %s | %s | %.3g | %s | %s |" % (name, clock, r, "%.3g" % s if s else "-",
                                                   "%.1fx" % (r / s) if s else "-"))
    L += ["", "Values: regia's PSD against scipy.signal.welch max relative difference %.2g, CSD against "
          "scipy.signal.csd %.2g (limit %g; relative to the value or to 1e-6 of the record's largest "
          "sqrt(P_ii P_jj))." % (e_psd, e_csd, TOL)]
    if rt.get("qc"):
        L += ["", "QC: regia_qc_channel (include/regia/sensor_qc.h) with its defaults at %g Hz, detection only "
              "(no spike replacement, so the PSD sees SciPy's samples): %.3g s of CPU for all channels; %d of %d channels "
              "flagged (channels per flag: %s). SciPy has no QC step: the QC + PSD row compares regia's QC + PSD with "
              "SciPy's PSD alone." % (fs, rt["qc_cpu_s"], rt["qc_flagged_channels"], R * C,
                                      ", ".join("%s %d" % kv for kv in rt.get("qc_flag_channels", {}).items()) or "none")]
    else:
        L += ["", "QC: not included - this build has no include/regia/sensor_qc.h, so the figures are PSD only."]
    L += ["", "SciPy side: one vectorised scipy.signal.welch call on the (records, channels, samples) array; the CSD "
          "as scipy.signal.csd(x[:, :, None], x[:, None]) (every pair). Python %s, NumPy %s." % (st["python"], st["numpy"])]
    if problems:
        L += ["", "**INVALID**: " + "; ".join(problems)]
    open(a.out + ".md", "w").write("\n".join(L) + "\n")
    json.dump(res, open(a.out + ".json", "w"), indent=1)
    print("\n".join(L))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen"); g.add_argument("dir")
    g.add_argument("--records", type=int, default=20); g.add_argument("--channels", type=int, default=3)
    g.add_argument("--seconds", type=float, default=600); g.add_argument("--fs", type=float, default=200)
    g.add_argument("--nperseg", type=int, default=256)
    r = sub.add_parser("run"); r.add_argument("dir"); r.add_argument("--reps", type=int, default=3)
    p = sub.add_parser("report"); p.add_argument("dir"); p.add_argument("out")
    a = ap.parse_args()
    return {"gen": gen, "run": run, "report": report}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
