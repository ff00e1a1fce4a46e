#!/usr/bin/env bash
# regia env fits its models on Box-Cox transformed series: with the default transform
# (auto) no lower bound of a concentration is negative, <P>_boxcox_lambda holds each
# series' Guerrero lambda in [0, 1] with the rule and the bias-adjustment flag; transform
# = log gives lambda 0 everywhere and bounds exp(z) > 0; transform = none gives lambda 1 and
# the untransformed bounds (some below 0 on these data: the check can fail); bad values of
# transform and a multiplicative model with a transform are refused naming the key.
source "$(dirname "$0")/lib.sh"
D=$TMP/d; mkdir -p "$D"
run_np 1 gen env --stations 6 --years 2 --seed 2024 --end-date 2024-09-30 --output-dir "$D" >/dev/null
run_np 1 ingest env --registry "$D/sensors.csv" --data "$D/measurements.csv" --output "$D/in.nc" >/dev/null 2>&1 ||
  fail "ingest"
job() {  # job NAME TRANSFORM [MODEL]
  mkdir -p "$D/$1"
  cat >"$D/$1/job.ini" <<INI
[job]
output = out.nc
seed = 5
[input]
file = ../in.nc
as_of = 2024-09-30
[analysis]
pollutants = pm10, pm2p5, no2, o3
horizon = 14
levels = 80, 95
history_days = 600
paths = 200
transform = $2
model = ${3:-auto}
INI
}
for t in auto log none; do
  job "$t" "$t"
  run_np 2 env "$D/$t/job.ini" >"$D/$t.log" 2>&1 || { cat "$D/$t.log"; fail "env transform=$t"; }
done
grep -Eq 'PM10 +6/6 series fitted; limit 50 ug/m3 .*; transform auto: 6 series transformed' "$D/auto.log" ||
  { cat "$D/auto.log"; fail "summary line of transform auto"; }
/usr/bin/python3 - "$D" <<'PY' || fail "transformed outputs"
import sys, numpy as np, netCDF4
d = sys.argv[1]
bad = []
ds = {t: netCDF4.Dataset(f"{d}/{t}/out.nc") for t in ("auto", "log", "none")}
for p in ("pm10", "pm2p5", "no2", "o3"):
    a, g, n = (ds[t] for t in ("auto", "log", "none"))
    lam = a[p + "_boxcox_lambda"]
    if lam.getncattr("transform_rule") != "auto" or int(lam.getncattr("biasadj")) != 1 or lam.units != "1":
        bad.append(f"{p}: lambda attributes {lam.ncattrs()}")
    lv = lam[:].filled(np.nan)
    if not np.all((lv >= 0) & (lv <= 1)):
        bad.append(f"{p}: auto lambdas {lv}")
    for t, want in (("log", 0.0), ("none", 1.0)):
        v = ds[t][p + "_boxcox_lambda"][:].filled(np.nan)
        if not np.all(v == want):
            bad.append(f"{p}: transform {t}: lambdas {v}")
    for t in ("auto", "log"):
        lo, fc, up = (ds[t][p + s][:].filled(np.nan) for s in ("_lower", "_forecast", "_upper"))
        if np.isnan(lo).any() or (lo < 0).any():
            bad.append(f"{p}: transform {t}: {int((lo < 0).sum())} negative lower bounds")
        if not (np.all(lo[:, 0] <= lo[:, 0] * 0 + up[:, 0]) and np.all(lo[:, 1] <= lo[:, 0]) and np.all(up[:, 1] >= up[:, 0])):
            bad.append(f"{p}: transform {t}: intervals not nested")
        if not np.all((fc > lo[:, 1]) & (fc < up[:, 1])):
            bad.append(f"{p}: transform {t}: forecast outside the 95 % interval")
    print(f"{p}: auto lambdas {np.round(lv, 3)}; negative lower bounds untransformed: "
          f"{int((n[p + '_lower'][:] < 0).sum())}")
neg = sum(int((ds["none"][p + "_lower"][:] < 0).sum()) for p in ("pm10", "pm2p5", "no2", "o3"))
if neg == 0:
    bad.append("transform none: no negative lower bound on these data (the check above could not fail)")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo "ok: no negative bounds with auto and log, lambdas recorded"
job badt "boxcox:x"
run_np 1 env "$D/badt/job.ini" >"$D/badt.log" 2>&1 && fail "transform boxcox:x accepted"
grep -q "job.ini:[0-9]*: key 'transform': 'boxcox:x' is not a transform" "$D/badt.log" || { cat "$D/badt.log"; fail "message"; }
job badm log MNM
run_np 1 env "$D/badm/job.ini" >"$D/badm.log" 2>&1 && fail "model MNM with transform log accepted"
grep -q "model 'MNM' has a multiplicative component: with transform 'log'" "$D/badm.log" || { cat "$D/badm.log"; fail "message"; }
echo "ok: bad transform and multiplicative model with a transform refused"
