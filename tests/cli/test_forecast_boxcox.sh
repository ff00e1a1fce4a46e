#!/usr/bin/env bash
# regia forecast --transform against R's forecast 8.20 (tests/reference/ets_boxcox_reference.csv:
# forecast(ets(y, model, lambda = L), h, level = c(80, 95), biasadj = TRUE)): the same
# model, means and 80/95 % bounds at steps 1 and h within the tolerances of test_k_ets, on
# 2 ranks; --transform auto records R's BoxCox.lambda(y, "guerrero", lower = 0, upper = 1)
# and gives no bound below 0; --transform none records lambda 1.
source "$(dirname "$0")/lib.sh"
REF=$REGIA_ROOT/tests/reference/ets_boxcox_reference.csv
[[ -f $REF ]] || fail "missing $REF"
/usr/bin/python3 - "$REF" "$TMP" "$REGIA" <<'PY' || fail "regia forecast --transform against R"
import csv, datetime, os, subprocess, sys
import numpy as np, netCDF4
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc
ref, tmp, regia = sys.argv[1:4]
bad, rows = [], 0
for i, r in enumerate(csv.DictReader(open(ref))):
    y = [float(v) for v in r["series"].split()]
    m, h, lam = int(r["m"]), int(r["h"]), float(r["lambda"])
    inp = f"{tmp}/s{i}.csv"
    with open(inp, "w") as f:
        f.write("series_id,time,value\n")
        for t, v in enumerate(y):
            f.write(f"{r['case']},{datetime.date(2020, 1, 1) + datetime.timedelta(days=t)},{v!r}\n")
    out = f"{tmp}/s{i}.nc"
    tr = "log" if lam == 0 else f"boxcox:{lam:g}"
    cmd = ["mpirun", "-np", "2", "--oversubscribe", regia, "forecast", "-q", "--input", inp, "--output", out,
           "--season", str(m), "--horizon", str(h), "--levels", "80,95", "--transform", tr,
           "--model", r["model"]]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        bad.append(f"{r['case']} {r['model']} {lam}: exit {p.returncode}: {p.stderr[-400:]}")
        continue
    d = netCDF4.Dataset(out)
    code = forecast_nc.models(d)[0]
    lik = -2 * float(forecast_nc.param(d, "loglik")[0])
    if float(d["boxcox_lambda"][0]) != lam:
        bad.append(f"{r['case']}: lambda {float(d['boxcox_lambda'][0])} recorded, {lam} asked")
    if code != r["auto_model"][3:] or abs(lik - float(r["lik"])) >= 0.5:
        print(f"{r['case']} {r['model']} {lam}: regia {code} {lik:.3f}, R {r['auto_model']} {r['lik']}: not compared")
        if lik > float(r["lik"]) + 1:
            bad.append(f"{r['case']} {r['model']} {lam}: -2logL {lik:.3f} worse than R's {r['lik']}")
        continue
    _, fc, lo, up = forecast_nc.steps(d, 0)
    got = {"mean1": fc[0], "meanh": fc[h - 1], "lo80_1": lo[0, 0], "hi80_1": up[0, 0], "lo95_1": lo[1, 0],
           "hi95_1": up[1, 0], "lo95_h": lo[1, h - 1], "hi95_h": up[1, h - 1]}
    for k, g in got.items():
        tol = 0.01 if k == "mean1" else 0.02 if k in ("meanh",) or k.endswith("_1") else 0.03
        if not abs(g - float(r[k])) <= tol * abs(float(r[k])):
            bad.append(f"{r['case']} {r['model']} {lam}: {k} {g:.6f}, R {r[k]}")
    rows += 1
    if i % 4 == 0:  # auto on the same series: R's Guerrero lambda, nothing below 0; none: lambda 1
        for t in ("auto", "none"):
            cmd[cmd.index("--transform") + 1] = t
            cmd[cmd.index("--model") + 1] = "auto" if t == "auto" else "ZZZ"
            cmd[cmd.index("--output") + 1] = f"{tmp}/s{i}{t}.nc"
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode:
                bad.append(f"{r['case']} {t}: exit {p.returncode}: {p.stderr[-400:]}")
                continue
            a = netCDF4.Dataset(f"{tmp}/s{i}{t}.nc")
            la = float(a["boxcox_lambda"][0])
            want = float(r["guerrero01"]) if t == "auto" else 1.0
            if abs(la - want) > 1e-6 or a["boxcox_lambda"].getncattr("transform_rule") != t:
                bad.append(f"{r['case']} {t}: lambda {la}, want {want}")
            if t == "auto" and (np.ma.filled(a["lower"][:], 0) < 0).any():
                bad.append(f"{r['case']} auto: negative lower bounds")
print(f"{rows} fits compared with R")
if rows < 12:
    bad.append(f"only {rows} fits compared")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo "ok: regia forecast --transform gives R's means, bounds and Guerrero lambdas"
