#!/usr/bin/env bash
# regia forecast's CSV outputs: OUT_forecast.csv in statsforecast's long layout
# (unique_id,ds,model,forecast,lo-L,hi-L per level in the order of --levels) equals the
# NetCDF's forecast, lower, upper, their times and model; --fitted writes
# OUT_fitted.csv (unique_id,ds,y,fitted,residual) and the variable fitted: y is the input,
# fitted + residual = y, the ANN fits follow f[t+1] = f[t] + alpha (y[t] - f[t])
# (recomputed here from alpha), the CSV equals the variable; the files are byte-identical
# at 1, 2 and 3 ranks and listed in the manifest with their SHA-256; date-times for an
# hourly input; --csv names the file; a CSV name that is the output is refused.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 - "$D/in.csv" <<'PY'
import sys, math, datetime as dt
def noise(i, k):
    return math.sin(12.9898 * i + 78.233 * k) * 43758.5453 % 2 - 1
d0 = dt.date(2024, 1, 1)
with open(sys.argv[1], "w") as f:
    f.write("series_id,time,value\n")
    for k in range(7):  # daily, weekly cycle; some with a trend; one with gaps; "a,b" needs quoting
        sid = {5: '"a,b"', 6: "flat"}.get(k, f"s{k}")
        for i in range(84):
            v = 40 + 3 * k + (0.3 * i if k % 2 else 0) + 6 * math.sin(2 * math.pi * i / 7 + k) + 1.5 * noise(i, k)
            if k == 6: v = 20 + noise(i, k)
            if k == 3 and i % 11 == 4: f.write(f"{sid},{d0 + dt.timedelta(days=i)},\n"); continue
            f.write(f"{sid},{d0 + dt.timedelta(days=i)},{v:.3f}\n")
    f.write("tiny,2024-01-01,5\ntiny,2024-01-02,6\n")  # too short to fit: no CSV rows
PY
for np in 1 2 3; do
  run_np $np forecast --input "$D/in.csv" --season 7 --horizon 10 --levels 95,80 --fitted --output "$D/o$np.nc" \
    2>"$D/log$np" || { cat "$D/log$np"; fail "np=$np"; }
  for x in _forecast.csv _fitted.csv; do [[ -f $D/o$np$x && ! -e $D/o$np$x.tmp ]] || fail "np=$np: o$np$x missing"; done
done
for x in _forecast.csv _fitted.csv; do
  cmp "$D/o1$x" "$D/o2$x" && cmp "$D/o1$x" "$D/o3$x" || fail "o*$x differ between 1, 2, 3 ranks"
done
cmp -s <(ncdump "$D/o1.nc" | sed -n '/^data:/,$p') <(ncdump "$D/o3.nc" | sed -n '/^data:/,$p') || fail "NetCDF np 1 vs 3"
echo "ok: OUT_forecast.csv and OUT_fitted.csv byte-identical at 1, 2 and 3 ranks"
grep -Eq "wrote .*o1.nc, .*o1_forecast.csv, .*o1_fitted.csv(, .*o1.products/)? and .*o1.manifest.json" "$D/log1" || { cat "$D/log1"; fail "log line"; }

/usr/bin/python3 - "$D/o1.nc" "$D/o1_forecast.csv" "$D/o1_fitted.csv" "$D/in.csv" "$D/o1.manifest.json" <<'PY' || fail "CSV checks"
import os, sys, csv, json, hashlib, datetime as dt, numpy as np, netCDF4
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc
nc, fcsv, fitcsv, incsv, man = sys.argv[1:6]
d = netCDF4.Dataset(nc)
ids, models = forecast_nc.ids(d), forecast_nc.models(d)
ft, fc, lo, up = forecast_nc.all_steps(d, 10)   # (series, step), (series, interval, step)
levels = list(d["interval"][:])
assert levels == [95.0, 80.0], levels
rows = list(csv.reader(open(fcsv, encoding="utf-8", newline="")))
assert rows[0] == ["unique_id", "ds", "model", "forecast", "lo-95", "hi-95", "lo-80", "hi-80"], rows[0]
body = rows[1:]
fitted_ids = [s for s, m in zip(ids, models) if m]
assert "tiny" in ids and "tiny" not in fitted_ids
assert len(body) == 10 * len(fitted_ids), (len(body), len(fitted_ids))
assert [r[0] for r in body[::10]] == fitted_ids, [r[0] for r in body[::10]]
assert "a,b" in fitted_ids
name = lambda c: "ETS(%s,%s%s,%s)" % (c[0], c[1], "d" if len(c) == 4 else "", c[-1])
for j, r in enumerate(body):
    s, h = ids.index(r[0]), j % 10
    assert r[2] == name(models[s]), (r[2], models[s])
    t = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=float(ft[s, h]))
    assert r[1] == t.strftime("%Y-%m-%d"), (r[1], t)
    want = [fc[s, h], lo[s, 0, h], up[s, 0, h], lo[s, 1, h], up[s, 1, h]]
    got = [float(x) for x in r[3:]]
    assert np.allclose(got, want, rtol=1e-14, atol=0), (r, want)
    assert got[1] < got[3] < got[0] < got[4] < got[2], r   # lo-95 < lo-80 < mean < hi-80 < hi-95
# fitted values
y_in = {}
for r in csv.DictReader(open(incsv)):
    y_in[(r["series_id"], r["time"])] = float(r["value"]) if r["value"] else np.nan
rows = list(csv.reader(open(fitcsv, encoding="utf-8", newline="")))
assert rows[0] == ["unique_id", "ds", "y", "fitted", "residual"], rows[0]
fv = d["fitted"][:].filled(np.nan).T    # (series, time)
obs = d["observed"][:].filled(np.nan).T
time = d["time"][:]
day = lambda s: (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=float(s))).strftime("%Y-%m-%d")
tidx = {day(t): i for i, t in enumerate(time)}
per = {}
for r in rows[1:]:
    y = float(r[2]) if r[2] else np.nan
    f, e = float(r[3]), (float(r[4]) if r[4] else np.nan)
    assert (np.isnan(y) and np.isnan(y_in[(r[0], r[1])])) or y == y_in[(r[0], r[1])], r
    if not np.isnan(y):
        assert abs(f + e - y) <= 1e-9 * max(1, abs(y)), r
    else:
        assert r[4] == "", r
    s = ids.index(r[0])
    assert np.isclose(fv[s, tidx[r[1]]], f, rtol=1e-14, atol=0), (r, fv[s, tidx[r[1]]])
    per.setdefault(r[0], []).append((y, f))
assert sorted(per) == sorted(fitted_ids) and all(len(v) == 84 for v in per.values()), {k: len(v) for k, v in per.items()}
assert "tiny" not in per and np.isnan(fv[ids.index("tiny")]).all()
# every fitted series has a fit at each of its 84 grid times, missing values included
assert all(np.isfinite(fv[ids.index(s)]).sum() == 84 for s in fitted_ids)
assert np.isnan(obs[ids.index("s3")]).sum() > 0
# the residuals' mean square is the model's one-step mse scale: sigma2 ~ SSE / (n - k)
sig = forecast_nc.param(d, "sigma2")
for sid, v in per.items():
    a = np.array(v); ok = ~np.isnan(a[:, 0]); e = a[ok, 0] - a[ok, 1]
    s = ids.index(sid)
    if models[s][0] == "A":
        assert 0.5 < sig[s] / np.mean(e * e) < 2.0, (sid, sig[s], np.mean(e * e))
m = json.load(open(man))
outs = {o["role"]: o for o in m["outputs"]}
for role, path in (("forecast table", fcsv), ("fitted values", fitcsv)):
    assert role in outs, outs.keys()
    assert outs[role]["sha256"] == hashlib.sha256(open(path, "rb").read()).hexdigest(), role
print("python: %d forecast rows equal the NetCDF, %d fitted rows: y = input, fitted + residual = y, = variable fitted" %
      (len(body), sum(len(v) for v in per.values())))
PY
echo "ok: CSV columns, values = NetCDF, fitted + residual = y, manifest SHA-256"

# ANN: the fitted values follow the simple exponential smoothing recursion with alpha
run_np 2 forecast --input "$D/in.csv" --season 7 --horizon 3 --model ANN --fitted --output "$D/ann.nc" \
  --csv "$D/ann_fc.csv" 2>"$D/ann.log" || { cat "$D/ann.log"; fail "ANN"; }
[[ -f $D/ann_fc.csv && ! -e $D/ann_forecast.csv ]] || fail "--csv did not name the forecast CSV"
/usr/bin/python3 - "$D/ann.nc" "$D/ann_fitted.csv" <<'PY' || fail "ANN recursion"
import os, sys, csv, numpy as np, netCDF4
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc
d = netCDF4.Dataset(sys.argv[1])
ids = forecast_nc.ids(d)
alpha = forecast_nc.param(d, "alpha")
rows = {}
for r in list(csv.reader(open(sys.argv[2])))[1:]:
    rows.setdefault(r[0], []).append((float(r[2]) if r[2] else np.nan, float(r[3])))
worst = 0
for sid, v in rows.items():
    a = alpha[ids.index(sid)]
    for t in range(len(v) - 1):
        y, f = v[t]
        nxt = f if np.isnan(y) else f + a * (y - f)
        worst = max(worst, abs(v[t + 1][1] - nxt) / max(1, abs(nxt)))
assert worst < 1e-12, worst
print("python: ANN fits follow f[t+1] = f[t] + alpha (y[t] - f[t]) to %.1e (%d series)" % (worst, len(rows)))
PY
echo "ok: ANN fitted values = SES recursion with the fitted alpha"

# hourly input: ds as date-times
/usr/bin/python3 -c "
import math
print('unique_id,ds,y')
for i in range(24 * 6): print('h,2024-03-01T%02d:00:00'.replace('01T', '%02dT' % (1 + i // 24)) % (i % 24) + ',%.3f' % (100 + 10 * math.sin(i / 3.8197)))
" >"$D/hourly.csv"
"$REGIA" forecast --input "$D/hourly.csv" --season 24 --horizon 3 --output "$D/h.nc" 2>"$D/h.log" || { cat "$D/h.log"; fail "hourly"; }
sed -n 2p "$D/h_forecast.csv" | grep -Eq '^h,2024-03-07T00:00:00,"ETS\([AM],[NAM]d?,[NAM]\)",' || { head -3 "$D/h_forecast.csv"; fail "hourly ds"; }
echo "ok: hourly ds $(sed -n 2p "$D/h_forecast.csv" | cut -d, -f2)"

expect_fail "--csv = the output" "csv.*is the output" "$REGIA" forecast --input "$D/in.csv" --season 7 --horizon 3 \
  --output "$D/x.nc" --csv "$D/x.nc"
cp "$D/in.csv" "$D/y_forecast.csv"
expect_fail "default CSV name = the input" "csv: '.*y_forecast.csv' \(the default name beside the output\) is the input" \
  "$REGIA" forecast --input "$D/y_forecast.csv" --season 7 --horizon 3 --output "$D/y.nc"
[[ ! -e $D/y.nc ]] || fail "y.nc written"
# the input named like the output (sales.csv -> sales.nc) is fine: the table is sales_forecast.csv
cp "$D/in.csv" "$D/sales.csv"
"$REGIA" forecast -q --input "$D/sales.csv" --season 7 --horizon 3 --output "$D/sales.nc" || fail "sales.csv -> sales.nc"
[[ -f $D/sales_forecast.csv ]] && cmp -s "$D/in.csv" "$D/sales.csv" || fail "sales_forecast.csv missing or the input changed"
echo "ok: sales.csv -> sales.nc + sales_forecast.csv"
