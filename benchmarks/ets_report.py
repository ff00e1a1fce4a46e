#!/usr/bin/env python3
"""Score and compare the ETS benchmark's forecasts; write the results file.

Reads the series CSV and, from WORK, {regia,r,statsmodels}_fc.csv and *_timing.json
(written by bench_ets, ets_r.R and ets_statsmodels.py).  For every tool: series per
second, mean MASE (scale: in-sample mean |y_t - y_{t-m}|) and sMAPE on the held-back
days, empirical coverage of the 80/95 % intervals; the same over the first K series,
which every tool forecast.  Writes OUT.md and OUT.json and judges the target:

  regia series/s >= RATIO x R's series/s, and regia's mean MASE over the common series
  <= R's x (1 + TOL)

Exit status: 0 valid and target met; 1 a tool's results missing or wrong (regia's
validated more strictly); 3 valid but the target missed.

Usage: ets_report.py --series CSV --work DIR --out PREFIX [--horizon 14] [--period 7]
                     [--ratio 30] [--tol 0.01] [--regia-rc N]
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

import numpy as np

TOOLS = [("regia", "regia (CPU, 1 thread)"), ("r", "R forecast::ets"),
         ("statsmodels", "statsmodels ETSModel")]
VALID_R_CODES = {e + t + s for e in "AM" for t in ("N", "A", "Ad") for s in "NAM"
                 if not (e == "A" and s == "M")}


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception:
        return ""


def read_fc(path, h):
    ids, models, vals = [], [], []
    with open(path) as f:
        f.readline()
        for line in f:
            p = line.rstrip("\n").split(",")
            if len(p) != 2 + 5 * h:
                raise ValueError(f"{path}: a row has {len(p)} fields, expected {2 + 5 * h}")
            ids.append(p[0])
            models.append(p[1])
            vals.append([float(x) for x in p[2:]])
    v = np.array(vals, dtype=float).reshape(len(ids), 5, h)
    return ids, models, v  # v[:, 0] mean, 1 lo80, 2 hi80, 3 lo95, 4 hi95


def scores(y_train, y_test, v, m):
    scale = np.mean(np.abs(y_train[:, m:] - y_train[:, :-m]), axis=1)
    mu = v[:, 0]
    mase = np.mean(np.abs(y_test - mu), axis=1) / scale
    smape = np.mean(200 * np.abs(y_test - mu) / (np.abs(y_test) + np.abs(mu)), axis=1)
    cov80 = np.mean((y_test >= v[:, 1]) & (y_test <= v[:, 2]))
    cov95 = np.mean((y_test >= v[:, 3]) & (y_test <= v[:, 4]))
    return mase, smape, cov80, cov95


def problems_of(v, models, strict):
    """List of (index, problem) for forecasts that are not usable."""
    out = []
    for i in range(v.shape[0]):
        x = v[i]
        if not np.all(np.isfinite(x)):
            out.append((i, "non-finite forecast or interval"))
        elif not (np.all(x[3] <= x[1]) and np.all(x[1] <= x[0]) and np.all(x[0] <= x[2])
                  and np.all(x[2] <= x[4]) and np.all(x[3] < x[4])):
            out.append((i, "intervals do not bracket the forecast"))
        elif strict and models[i] not in VALID_R_CODES:
            out.append((i, f"model code {models[i]!r} not in R's default candidate set"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True, help="output path without .md/.json")
    ap.add_argument("--horizon", type=int, default=14)
    ap.add_argument("--period", type=int, default=7)
    ap.add_argument("--ratio", type=float, default=30.0)
    ap.add_argument("--tol", type=float, default=0.01)
    ap.add_argument("--regia-rc", type=int, default=0)
    a = ap.parse_args()
    h, m = a.horizon, a.period

    ids_all = np.genfromtxt(a.series, delimiter=",", skip_header=1, usecols=0, dtype=str)
    y_all = np.genfromtxt(a.series, delimiter=",", skip_header=1)[:, 1:]
    n_train = y_all.shape[1] - h

    wrong = []     # reasons the run is invalid
    res = {}
    for key, label in TOOLS:
        fc, tm = os.path.join(a.work, f"{key}_fc.csv"), os.path.join(a.work, f"{key}_timing.json")
        if not (os.path.exists(fc) and os.path.exists(tm)):
            wrong.append(f"{label}: no results ({fc} or {tm} missing)")
            continue
        timing = json.load(open(tm))
        ids, models, v = read_fc(fc, h)
        n = len(ids)
        if n != timing["n_series"] or n == 0:
            wrong.append(f"{label}: {n} series forecast, {timing['n_series']} asked")
            continue
        if list(ids) != list(ids_all[:n]):
            wrong.append(f"{label}: series ids do not match the first {n} of {a.series}")
            continue
        probs = problems_of(v, models, strict=(key == "regia"))
        if key == "regia" and probs:
            wrong.append(f"{label}: {len(probs)} wrong forecasts, e.g. {ids[probs[0][0]]}: {probs[0][1]}")
        ok = np.ones(n, dtype=bool)
        for i, _ in probs:
            ok[i] = False
        mase, smape, c80, c95 = scores(y_all[:n, :n_train], y_all[:n, n_train:], v, m)
        res[key] = dict(label=label, timing=timing, ids=ids, models=models, n=n, mase=mase, smape=smape,
                        cov80=c80, cov95=c95, ok=ok, v=v, problems=[(ids[i], p) for i, p in probs])
    if a.regia_rc != 0:
        wrong.append(f"bench_ets exited {a.regia_rc} (see its messages above)")

    k = min((r["n"] for r in res.values()), default=0)
    rows = []
    for key, label in TOOLS:
        if key not in res:
            continue
        r = res[key]
        secs = r["timing"]["seconds"]
        row = dict(tool=label, n_series=r["n"], seconds=round(secs, 6), series_per_s=r["n"] / secs,
                   mase=float(np.mean(r["mase"])), smape=float(np.mean(r["smape"])),
                   cov80=float(r["cov80"]), cov95=float(r["cov95"]),
                   mase_common=float(np.mean(r["mase"][:k])), median_mase_common=float(np.median(r["mase"][:k])),
                   smape_common=float(np.mean(r["smape"][:k])), unusable=len(r["problems"]))
        models = {}
        for c in r["models"]:
            models[c] = models.get(c, 0) + 1
        row["models"] = dict(sorted(models.items(), key=lambda kv: -kv[1]))
        rows.append(row)
        r["row"] = row

    verdict, why = "FAIL", []
    speed_ratio = mase_ratio = None
    agree_r = agree_sm = close_r = None
    if "regia" in res and "r" in res:
        speed_ratio = res["regia"]["row"]["series_per_s"] / res["r"]["row"]["series_per_s"]
        mase_ratio = res["regia"]["row"]["mase_common"] / res["r"]["row"]["mase_common"]
        agree_r = float(np.mean([x == y for x, y in zip(res["regia"]["models"][:k], res["r"]["models"][:k])]))
        # point forecasts within 0.1 % of R's at every step
        mu_g, mu_r = res["regia"]["v"][:k, 0], res["r"]["v"][:k, 0]
        close_r = float(np.mean(np.max(np.abs(mu_g - mu_r) / np.abs(mu_r), axis=1) < 1e-3))
        if "statsmodels" in res:
            agree_sm = float(np.mean([x == y for x, y in zip(res["regia"]["models"][:k],
                                                            res["statsmodels"]["models"][:k])]))
        speed_ok = speed_ratio >= a.ratio
        mase_ok = mase_ratio <= 1 + a.tol
        if not speed_ok:
            why.append(f"speed {speed_ratio:.1f}x R < {a.ratio:g}x")
        if not mase_ok:
            why.append(f"MASE {mase_ratio:.4f}x R's > {1 + a.tol:g}")
        if speed_ok and mase_ok and not wrong:
            verdict = "PASS"
    if wrong:
        why = ["INVALID: " + w for w in wrong] + why

    now = datetime.datetime.now(datetime.timezone.utc)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rev = sh(f"git -C {root} rev-parse --short HEAD")
    dirty = sh(f"git -C {root} status --porcelain --untracked-files=no -- kernels include")
    machine = dict(cpu=sh("lscpu | sed -n 's/^Model name: *//p' | head -1"),
                   cores=os.cpu_count(), os=sh(". /etc/os-release && echo $PRETTY_NAME"),
                   kernel=platform.release(), hypervisor=sh("lscpu | sed -n 's/^Hypervisor vendor: *//p'"))
    versions = dict(regia_git_rev=rev + ("+dirty(kernels)" if dirty else ""),
                    regia_bench_rev=res.get("regia", {}).get("timing", {}).get("git_rev"),
                    gcc=sh("gcc -dumpfullversion"),
                    R=res.get("r", {}).get("timing", {}).get("r_version"),
                    forecast=res.get("r", {}).get("timing", {}).get("forecast_version"),
                    statsmodels=res.get("statsmodels", {}).get("timing", {}).get("statsmodels_version"),
                    python=platform.python_version(), numpy=np.__version__)
    setup = dict(series_file=os.path.relpath(a.series, root), n_train=n_train, horizon=h, period=m,
                 levels=[80, 95], common_series=k,
                 regia=("regia_ets_default_spec(%d) (auto: R's candidate set, AICc), CPU backend "
                        "threads=1, OMP_NUM_THREADS=1; time = median of %s runs over the whole batch"
                        % (m, res.get("regia", {}).get("timing", {}).get("reps", "?"))),
                 r="ets(ts(y, frequency=%d)) + forecast(fit, h=%d, level=c(80,95)); loop timed inside R" % (m, h),
                 statsmodels=("ETSModel, all 15 models of R's default candidate set fitted (defaults), "
                              "smallest AICc kept, get_prediction 80/95 %; loop timed inside Python"),
                 pinning="each tool runs alone, pinned to one core (taskset) where available")
    target = dict(speed_ratio_min=a.ratio, mase_tolerance=a.tol,
                  text=f"regia series/s >= {a.ratio:g}x R's, and mean MASE over the common {k} series "
                       f"<= R's x {1 + a.tol:g}")
    doc = dict(date_utc=now.strftime("%Y-%m-%dT%H:%M:%SZ"), machine=machine, versions=versions, setup=setup,
               target=target, verdict=verdict, reasons=why, speed_ratio_vs_r=speed_ratio,
               mase_ratio_vs_r=mase_ratio, model_agreement_regia_r=agree_r, forecasts_within_0p1pct_of_r=close_r,
               model_agreement_regia_statsmodels=agree_sm, results=rows,
               problems={key: res[key]["problems"][:20] for key in res if res[key]["problems"]})
    with open(a.out + ".json.tmp", "w") as f:
        json.dump(doc, f, indent=2)
    os.replace(a.out + ".json.tmp", a.out + ".json")

    L = []
    L.append(f"# ETS on CPU: regia vs R forecast::ets vs statsmodels ({now:%Y-%m-%d})\n")
    L.append(f"**Verdict: {verdict}**" + (f" ({'; '.join(why)})" if why else "") + "\n")
    L.append(f"Target: {target['text']}.\n")
    if speed_ratio is not None:
        L.append(f"Measured: regia is **{speed_ratio:.1f}x** R's series/s; regia's mean MASE is "
                 f"**{mase_ratio:.4f}x** R's over the common {k} series. Same model as R for "
                 f"{100 * agree_r:.0f} % of them" +
                 (f" (as statsmodels: {100 * agree_sm:.0f} %)" if agree_sm is not None else "") +
                 f"; point forecasts within 0.1 % of R's at every step for {100 * close_r:.0f} %.\n")
    L.append("## Results\n")
    L.append(f"Scores on the {h} held-back days. MASE scale: in-sample mean |y_t - y_(t-{m})|. "
             f"Coverage: share of held-back days inside the interval. \"Common\": the first {k} series, "
             "forecast by every tool.\n")
    L.append("| tool | series | seconds | series/s | mean MASE | mean sMAPE % | cov 80 % | cov 95 % "
             f"| MASE (common {k}) | median MASE (common) | sMAPE % (common) |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        L.append(f"| {r['tool']} | {r['n_series']} | {r['seconds']:.3f} | {r['series_per_s']:.2f} | "
                 f"{r['mase']:.4f} | {r['smape']:.3f} | {100 * r['cov80']:.1f} | {100 * r['cov95']:.1f} | "
                 f"{r['mase_common']:.4f} | {r['median_mase_common']:.4f} | {r['smape_common']:.3f} |")
    L.append("")
    L.append("Models chosen: " + "; ".join(
        f"{r['tool']}: " + ", ".join(f"{c} {n}" for c, n in r["models"].items()) for r in rows) + "\n")
    for key in res:
        if res[key]["problems"]:
            L.append(f"Unusable forecasts from {res[key]['label']}: {len(res[key]['problems'])}, e.g. "
                     + "; ".join(f"{i}: {p}" for i, p in res[key]["problems"][:5]) + "\n")
    L.append("## Setup\n")
    L.append(f"- Series: `{setup['series_file']}` from `benchmarks/gen_series.py` (deterministic): daily, "
             f"air-quality-like (level, yearly and weekly cycles, AR(1) noise, half with a trend, all > 0), "
             f"{n_train} training days + {h} held back, season m = {m}.")
    for key in ("regia", "r", "statsmodels"):
        L.append(f"- {dict(TOOLS)[key]}: {setup[key]}.")
    L.append(f"- Single core: {setup['pinning']}; OMP/OpenBLAS threads = 1.")
    L.append("- Reproduce: `make DEPS=0 bench` (environment: ETS_N, ETS_K, ETS_REPS).\n")
    L.append("## Machine and versions\n")
    L.append(f"- CPU: {machine['cpu']}, {machine['cores']} cores"
             + (f" ({machine['hypervisor']} guest)" if machine["hypervisor"] else "")
             + f"; {machine['os']}, Linux {machine['kernel']}")
    L.append(f"- regia {versions['regia_git_rev']} (gcc {versions['gcc']}), R {versions['R']}, "
             f"forecast {versions['forecast']}, statsmodels {versions['statsmodels']}, "
             f"Python {versions['python']}, NumPy {versions['numpy']}")
    with open(a.out + ".md.tmp", "w") as f:
        f.write("\n".join(L) + "\n")
    os.replace(a.out + ".md.tmp", a.out + ".md")

    print("\n".join(L[:4]))
    for r in rows:
        print(f"  {r['tool']:<24} {r['n_series']:4d} series {r['seconds']:9.3f} s {r['series_per_s']:10.2f} series/s"
              f"  MASE {r['mase']:.4f} (common {r['mase_common']:.4f})  sMAPE {r['smape']:.3f}")
    print(f"ets_report: wrote {a.out}.md and {a.out}.json")
    if wrong:
        for w in wrong:
            print("ets_report: INVALID: " + w, file=sys.stderr)
        return 1
    return 0 if verdict == "PASS" else 3


if __name__ == "__main__":
    sys.exit(main())
