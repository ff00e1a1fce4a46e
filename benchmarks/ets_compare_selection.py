#!/usr/bin/env python3
"""Why does regia choose other ETS models than R?  Per-candidate comparison on the
benchmark series.

Runs bench_ets once with automatic selection and once per model of R's default
candidate set (fixed spec, --model CODE), reads R's fit of every candidate
(ets_r_candidates.R, run here unless --r-csv is given), and prints per series: R's
choice and AICc, regia's choice and AICc, regia's AICc for R's model, R's AICc for
regia's model, and the MASE of each choice; then, per model, how much lower regia's
-2 log L is than R's (both on R's scale: n log SSE + 2 sum log|f|, k = length(par) + 1).

Usage: ets_compare_selection.py --series SERIES.csv --bench build/benchmarks/bench_ets
           [--k 50] [--r-csv R_CANDIDATES.csv] [--work DIR] [--rscript Rscript]
"""
import argparse
import csv
import math
import os
import statistics
import subprocess
import sys

MODELS = ["ANN", "AAN", "AAdN", "ANA", "AAA", "AAdA", "MNN", "MAN", "MAdN",
          "MNA", "MAA", "MAdA", "MNM", "MAM", "MAdM"]
H, M = 14, 7


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def read_series(path, k):
    with open(path) as f:
        rows = list(csv.reader(f))[1:k + 1]
    return {r[0]: [float(v) for v in r[1:]] for r in rows}


def mase(y, fc):
    train, held = y[:-H], y[-H:]
    scale = sum(abs(train[t] - train[t - M]) for t in range(M, len(train))) / (len(train) - M)
    return sum(abs(a - b) for a, b in zip(held, fc)) / H / scale


def run_regia(bench, series, k, model, work, ys):
    fits, out = os.path.join(work, f"cmp_fits_{model}.csv"), os.path.join(work, f"cmp_fc_{model}.csv")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run([bench, "--csv", series, "--n", str(k), "--threads", "1", "--reps", "1", "--model", model,
                    "--fits", fits, "--out", out], check=True, stdout=subprocess.DEVNULL, env=env)
    with open(out) as f:
        fc = {r["id"]: [float(r[f"mean_{i + 1}"]) for i in range(H)] for r in csv.DictReader(f)}
    with open(fits) as f:
        res = {}
        for r in csv.DictReader(f):
            r["mase"] = mase(ys[r["id"]], fc[r["id"]])
            res[r["id"]] = r
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--r-csv")
    ap.add_argument("--work", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work"))
    ap.add_argument("--rscript", default="Rscript")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    ys = read_series(a.series, a.k)
    r_csv = a.r_csv or os.path.join(a.work, "r_candidates.csv")
    if not a.r_csv:
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run([a.rscript, os.path.join(here, "ets_r_candidates.R"), a.series, str(a.k), str(H), r_csv],
                       check=True)
    R = {}
    with open(r_csv) as f:
        for r in csv.DictReader(f):
            R.setdefault(r["id"], {})[r["model"]] = r
    G = {m: run_regia(a.bench, a.series, a.k, m, a.work, ys) for m in MODELS}
    auto = run_regia(a.bench, a.series, a.k, "auto", a.work, ys)
    ids = [i for i in ys if i in R]

    def best(d):
        ok = {m: num(r["aicc"]) for m, r in d.items() if math.isfinite(num(r["aicc"]))}
        return min(ok, key=ok.get)

    print("| series | R's model | its AICc (R) | its AICc (regia) | regia's model | its AICc (regia) "
          "| its AICc (R) | MASE R | MASE regia |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|")
    agree = 0
    for i in ids:
        rm, gm = best(R[i]), auto[i]["model"]
        agree += rm == gm
        mark = "" if rm == gm else " *"
        print(f"| {i}{mark} | {rm} | {num(R[i][rm]['aicc']):.2f} | {num(G[rm][i]['aicc']):.2f} | {gm} "
              f"| {num(auto[i]['aicc']):.2f} | {num(R[i][gm]['aicc']):.2f} | {num(R[i][rm]['mase']):.3f} "
              f"| {auto[i]['mase']:.3f} |")
    n = len(ids)
    own = {i: best({m: G[m][i] for m in MODELS}) for i in ids}
    print(f"\nsame model: {agree}/{n}.  Mean MASE: R {statistics.mean(num(R[i][best(R[i])]['mase']) for i in ids):.4f}, "
          f"regia auto {statistics.mean(auto[i]['mase'] for i in ids):.4f}, regia's fit of R's model "
          f"{statistics.mean(G[best(R[i])][i]['mase'] for i in ids):.4f}, regia's lowest AICc of all 15 fixed fits "
          f"{statistics.mean(G[own[i]][i]['mase'] for i in ids):.4f}")
    print(f"auto choices that are not regia's lowest AICc among the 15 fixed fits: "
          f"{sum(own[i] != auto[i]['model'] for i in ids)}/{n}")
    print("\n| model | k (R) | k (regia) | median -2logL regia - R | min | max | regia lower by > 1 | higher by > 1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for m in MODELS:
        d = [num(G[m][i]["neg2loglik"]) - num(R[i][m]["neg2loglik"]) for i in ids]
        d = [x for x in d if math.isfinite(x)]
        kr = {R[i][m]["k"] for i in ids} - {"NA"}
        kg = {G[m][i]["k"] for i in ids}
        print(f"| {m} | {','.join(sorted(kr))} | {','.join(sorted(kg))} | {statistics.median(d):.2f} | {min(d):.2f} "
              f"| {max(d):.2f} | {sum(x < -1 for x in d)} | {sum(x > 1 for x in d)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
