#!/usr/bin/env python3
"""Report of benchmarks/bench_gev.sh: GEV fits per CPU second of regia and of evd::fgev on
the same series, and the agreement of the estimates.

Usage: gev_report.py WORK OUT   (WORK holds regia.csv/json, evd.csv/json, evd_tight.csv/json;
                                 writes OUT.md and OUT.json; exit 1 when a result is missing
                                 or the estimates disagree, 3 when valid but the 10x target
                                 is missed)

Checks:
  - estimates (location, scale, shape) equal to the converged fgev's to 1e-4 (absolute, or
    relative where |value| > 1) on every series both fitted;
  - standard errors equal to the converged fgev's (optimHess) to 1e-4 the same way on every
    series with shape > -0.5, where the maximum-likelihood estimator is regular (Smith
    1985, Biometrika 72(1), 67-90) and the observed information is what the standard errors
    mean; the others are counted and shown;
  - regia's negative log-likelihood is never above fgev-as-shipped's by more than 1e-9 (the
    estimates of fgev as shipped differ from regia's because its optimiser stops short).
"""
import csv, datetime, json, math, os, platform, sys

work, out = sys.argv[1], sys.argv[2]


def load(name):
    with open(os.path.join(work, name + ".csv")) as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    with open(os.path.join(work, name + ".json")) as f:
        return rows, json.load(f)


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


try:
    rg, tg = load("regia")
    ev, te = load("evd")
    et, tt = load("evd_tight")
except (OSError, ValueError) as e:
    print(f"gev_report: missing or unreadable result: {e}")
    sys.exit(1)

P = ("loc", "scale", "shape")
S = ("loc_se", "scale_se", "shape_se")
n, n_both, bad, worst, irregular, nll_bad, nll_gain = len(rg), 0, [], {}, [], [], []
for k, r in rg.items():
    t = et.get(k)
    if r["status"] != "ok" or t is None or math.isnan(num(t["loc"])):
        continue
    n_both += 1
    regular = num(t["shape"]) > -0.5
    for q in P + S:
        a, b = num(r[q]), num(t[q])
        d = abs(a - b) / max(1.0, abs(b))
        if q in S and not regular:
            if d > 1e-4:
                irregular.append((k, q, a, b, d))
            continue
        worst[q] = max(worst.get(q, 0.0), d)
        if not d <= 1e-4:
            bad.append((k, q, a, b, d))
    e = ev.get(k)
    if e is not None and not math.isnan(num(e["nll"])):
        g = num(e["nll"]) - num(r["nll"])
        nll_gain.append(g)
        if g < -1e-9:
            nll_bad.append((k, num(r["nll"]), num(e["nll"])))

rate_r = tg["series"] / tg["cpu_seconds"]
rate_e = te["series"] / te["cpu_seconds"]
rate_t = tt["series"] / tt["cpu_seconds"]
speedup = rate_r / rate_e
ok = not bad and not nll_bad and n_both >= 0.99 * n
res = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": platform.node(), "cpu": platform.processor() or platform.machine(),
    "series": n, "fitted_by_both": n_both,
    "regia": tg, "evd": te, "evd_converged": tt,
    "fits_per_cpu_second": {"regia": rate_r, "evd_fgev": rate_e, "evd_fgev_converged": rate_t},
    "speedup_vs_fgev": speedup, "target": 10.0, "target_met": speedup >= 10.0,
    "max_relative_difference_vs_converged_fgev": worst,
    "disagreements": len(bad), "irregular_se_differences": len(irregular),
    "nll_above_fgev": len(nll_bad),
    "median_nll_gain_vs_fgev": sorted(nll_gain)[len(nll_gain) // 2] if nll_gain else None,
    "valid": ok,
}
with open(out + ".json", "w") as f:
    json.dump(res, f, indent=1)
L = []
L.append(f"# GEV fits: regia vs evd::fgev ({res['date'][:10]})\n")
L.append(f"Machine: {res['machine']} ({res['cpu']}); one thread, one core each (taskset when available); "
         "times are process CPU seconds (median of the passes), since the machine is shared.\n")
L.append(f"Series: {n} GEV samples (benchmarks/gev_evd.R gen: 20-100 maxima each, location 10, scale 2, "
         "shape uniform in [-0.3, 0.4]); fitted by both: {n_both}.\n".replace("{n_both}", str(n_both)))
L.append("| tool | CPU s per pass | wall s per pass | fits per CPU second |")
L.append("|---|---|---|---|")
L.append(f"| regia (regia_gev_fit_batch, Newton + analytic Hessian, return levels included) | "
         f"{tg['cpu_seconds']:.4f} | {tg['wall_seconds']:.4f} | {rate_r:,.0f} |")
L.append(f"| {te['tool']}, fgev(x) as shipped | {te['cpu_seconds']:.3f} | {te['wall_seconds']:.3f} | {rate_e:,.0f} |")
L.append(f"| {tt['tool']} (reference for the check) | {tt['cpu_seconds']:.3f} | {tt['wall_seconds']:.3f} | "
         f"{rate_t:,.0f} |\n")
L.append(f"**Speed-up per core over fgev as shipped: {speedup:.1f}x** (target >= 10x: "
         f"{'met' if speedup >= 10 else 'MISSED'}).\n")
L.append("Agreement with the converged fgev (relative where |value| > 1, else absolute; tolerance 1e-4):")
for q in P + S:
    L.append(f"- {q}: largest difference {worst.get(q, float('nan')):.2e}")
L.append(f"- disagreements: {len(bad)}" + (" " + "; ".join(f"{k} {q}: {a:.8g} vs {b:.8g}" for k, q, a, b, _ in bad[:5]) if bad else ""))
L.append(f"- standard errors of series with shape <= -0.5 (non-regular: not checked) differing by more "
         f"than 1e-4: {len(irregular)}" + (" (" + "; ".join(f"{k} {q}: {a:.6g} vs {b:.6g}" for k, q, a, b, _ in irregular[:3]) + ")" if irregular else ""))
L.append(f"- regia's negative log-likelihood above fgev-as-shipped's (by > 1e-9): {len(nll_bad)} series; "
         f"median improvement over fgev as shipped {res['median_nll_gain_vs_fgev']:.2e} "
         "(fgev's BFGS stops about 1e-4 short of the maximum on series of this scale, so its shipped estimates "
         "differ from the maximum by up to a few 1e-4)\n")
L.append(f"Result: {'VALID' if ok else 'INVALID'}.")
with open(out + ".md", "w") as f:
    f.write("\n".join(L) + "\n")
print("\n".join(L))
sys.exit(1 if not ok else 0 if speedup >= 10.0 else 3)
