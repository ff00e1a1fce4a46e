#!/usr/bin/env bash
# regia forecast end to end: a CSV of 12 series (daily with a weekly cycle, with and without
# trend, constant plus noise, missing values as empty / NaN / absent rows, hourly date-times,
# monthly, too short, crossing zero), rows shuffled.  Identical data at 1, 2 and 3 ranks; the
# ANN forecast of a constant series is its mean; intervals nest; forecast steps on the time
# axis; --model forces the model; xarray decodes the file, selects a series by name and plots
# its forecast against the date; cdo sinfo reads it; manifest and log summary.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 - >"$D/in.csv" <<'PY'
import math, random, datetime as dt
rows = []
def noise(i, k):  # deterministic pseudo-noise in [-1, 1)
    return math.sin(12.9898 * i + 78.233 * k) * 43758.5453 % 2 - 1
d0 = dt.date(2023, 1, 2)
day = lambda i: (d0 + dt.timedelta(days=i)).isoformat()
for k in range(1, 7):     # daily, weekly cycle; d04..d06 with a trend
    for i in range(140):
        v = 50 + 5 * k + (0.4 * i if k >= 4 else 0) + 8 * math.sin(2 * math.pi * i / 7 + k) + 2 * noise(i, k)
        rows.append((f"d{k:02d}", day(i), f"{v:.3f}"))
for i in range(120):      # constant plus noise
    rows.append(("const", day(i), f"{100 + 3 * noise(i, 9):.3f}"))
for i in range(100):      # missing values: empty, NaN, absent rows
    v = 30 + 4 * math.sin(2 * math.pi * i / 7) + noise(i, 11)
    if i % 17 == 5: rows.append(("gappy", day(i), ""))
    elif i % 19 == 7: rows.append(("gappy", day(i), "NaN"))
    elif i % 23 == 3: continue
    else: rows.append(("gappy", day(i), f"{v:.3f}"))
t0 = dt.datetime(2023, 3, 1)
for i in range(24 * 10):  # hourly, ISO date-times
    v = 200 + 30 * math.sin(2 * math.pi * i / 24) + 5 * noise(i, 13)
    rows.append(("hourly", (t0 + dt.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%S"), f"{v:.3f}"))
for i in range(3):        # too short to fit
    rows.append(("short", day(i), f"{10 + i}"))
for i in range(48):       # monthly, first of the month
    v = 500 + 3 * i + 40 * math.sin(2 * math.pi * i / 12) + 5 * noise(i, 17)
    rows.append(("monthly", f"{2019 + i // 12:04d}-{i % 12 + 1:02d}-01", f"{v:.3f}"))
for i in range(80):       # crosses zero: no multiplicative model
    rows.append(("neg", day(i), f"{5 * math.sin(i / 5) + noise(i, 19):.3f}"))
random.Random(4).shuffle(rows)
print("series_id,time,value")
for r in rows: print(",".join(r))
PY
[[ $(wc -l <"$D/in.csv") == 1428 ]] || fail "test CSV: $(wc -l <"$D/in.csv") lines"

# --help documents every option
help=$("$REGIA" forecast --help) || fail "--help exit status"
for o in --input --season --horizon --output --levels --model --backend --threads --help; do
  grep -q -- "$o" <<<"$help" || fail "--help does not document $o"
done
echo "ok: --help documents every option"

# 1, 2, 3 ranks: identical data
vars=forecast,lower,upper,series_id
for np in 1 2 3; do
  run_np $np forecast --input "$D/in.csv" --season 7 --horizon 14 --levels 80,95 --output "$D/out$np.nc" \
    2>"$D/log$np" || { cat "$D/log$np"; fail "forecast np=$np"; }
  [[ -f $D/out$np.nc && ! -e $D/out$np.nc.tmp && -f $D/out$np.manifest.json && -f $D/out$np.model.nc ]] \
    || fail "np=$np: output, .tmp, manifest or model file"
  { ncdump -v $vars "$D/out$np.nc"; ncdump -v model,alpha "$D/out$np.model.nc"; } | sed -n '/^data:/,/^}/p' >"$D/data$np.txt"
  { ncdump "$D/out$np.nc"; ncdump "$D/out$np.model.nc"; } | sed -n '/^data:/,/^}/p' >"$D/all$np.txt"
done
grep -q '"MNM"\|"A' "$D/data1.txt" || fail "no models in the output"
cmp -s "$D/data1.txt" "$D/data2.txt" || fail "np=1 and np=2 data differ"
cmp -s "$D/data1.txt" "$D/data3.txt" || fail "np=1 and np=3 data differ"
cmp -s "$D/all1.txt" "$D/all2.txt" && cmp -s "$D/all1.txt" "$D/all3.txt" || fail "np=1/2/3: other variables differ"
echo "ok: identical $vars, the model file's model and alpha (and every other variable of both files) at 1, 2, 3 ranks"

# log: info line, warning for the series that cannot be fitted, summary with model counts
grep -Eq 'input .*in\.csv: 12 series, 1427 rows .*3 ranks, backend cpu' "$D/log3" || { cat "$D/log3"; fail "info line"; }
grep -Eq "warning: 1 of 12 series could not be fitted.*'short' \(3 observations\)" "$D/log1" || { cat "$D/log1"; fail "warning"; }
grep -Eq 'summary: 12 series, 11 fitted, 1 not fitted; models: [A-Z][A-Zd]* [0-9]+(, [A-Z][A-Zd]* [0-9]+)*; .* series/s' "$D/log2" \
  || { cat "$D/log2"; fail "summary line"; }
grep -Eq 'stage forecast: done' "$D/log2" || fail "progress lines"
echo "ok: log $(grep -o 'summary: .*' "$D/log1")"

# header: dimensions, attributes
ncdump -h "$D/out1.nc" >"$D/h.txt"
for a in 'series = 12 ;' 'time = 454 ;' 'interval = 2 ;' 'series_strlen = 8 ;' ':model_file = "out1.model.nc"' \
         'Conventions = "CF-1.10, ACDD-1.3"' 'featureType = "timeSeries"' ':title = ' ':summary = ' ':id = "out1"' \
         ':history = ' ':date_created = ' ':product_version = ' ':regia_version = ' ':regia_git_rev = ' \
         ':input_file = ' ':input_sha256 = "'"$(sha256sum <"$D/in.csv" | cut -c1-64)"'"' ':ranks = 1' ':backend = "cpu' ':blas = "' \
         ':command_line = "regia forecast --input ' 'series_id:cf_role = "timeseries_id"' 'interval:units = "percent"' \
         'time:units = "seconds since 1970-01-01 00:00:00"' 'time:standard_name = "time"' \
         'forecast:_FillValue = NaN' 'forecast:coordinates = "series_id"' 'step:units = "s"' \
         'double forecast(time, series)' 'double lower(time, interval, series)' \
         'double upper(time, interval, series)' 'int n_obs(series)' \
         'double observed(time, series)' 'double time(time)'; do
  grep -qF -- "$a" "$D/h.txt" || fail "header lacks $a"
done
! grep -qE 'group:|model_strlen|sigma2' "$D/h.txt" || fail "the output holds a group or the model internals"
# the model internals: the model file beside the output, committed with it
ncdump -h "$D/out1.model.nc" >"$D/hm.txt" || fail "no model file out1.model.nc"
for a in 'series = 12 ;' 'model_strlen = 8 ;' 'char series_id(series, series_strlen)' 'char model(series, model_strlen)' \
         'double alpha(series)' 'double sigma2(series)' 'double loglik(series)' 'double aicc(series)' 'double phi(series)' \
         'alpha:coordinates = "series_id model"' ':forecast_file = "out1.nc"' 'Conventions = "CF-1.10, ACDD-1.3"' \
         ':title = "ETS model parameters of the forecasts"' ':regia_version = ' ':input_sha256 = ' ':ranks = 1' \
         ':history = ' ':date_created = ' ':command_line = "regia forecast --input '; do
  grep -qF -- "$a" "$D/hm.txt" || fail "model file header lacks $a"
done
! grep -q 'group:' "$D/hm.txt" || fail "the model file holds a group"
/usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); r={o['role']: o for o in m['outputs']}; assert r['model']['path'].endswith('out1.model.nc') and len(r['model']['sha256']) == 64, r" \
  "$D/out1.manifest.json" || fail "manifest does not list the model file with role model"
ls "$D"/out1.model.nc.*tmp* 2>/dev/null && fail "a temporary model file is left"

/usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); assert 'inputs' in m and 'outputs' in m, m" \
  "$D/out1.manifest.json" || fail "manifest is not JSON with inputs and outputs"
echo "ok: header and manifest"

# values: xarray with time decoding; a series by name; its forecast against the date
/usr/bin/python3 -W ignore - "$D/out1.nc" "$D/plot.png" <<'PY' || fail "xarray checks"
import sys, numpy as np
try:
    import xarray as xr
except ImportError:
    print("xarray missing; value checks with netCDF4 only"); sys.exit(0)
d = xr.open_dataset(sys.argv[1])
m = xr.open_dataset(sys.argv[1][:-3] + ".model.nc")
assert dict(d.sizes) == {"series": 12, "interval": 2, "time": 454}, dict(d.sizes)  # 418 grid times + 36 forecast steps
assert d.forecast.dims == ("time", "series") and d.lower.dims == ("time", "interval", "series")
assert d.observed.dims == ("time", "series") and "level" not in d.variables and "model" not in d.variables
assert list(d.interval.values) == [80.0, 95.0] and d.interval.attrs["units"] == "percent"
assert np.issubdtype(d.time.dtype, np.datetime64), d.time.dtype
ids = [str(s) for s in d.series_id.values]
assert ids == sorted(ids) and len(ids) == 12, ids
i = {s: k for k, s in enumerate(ids)}
models = [str(x) for x in m.model.values]
s = d.set_xindex("series_id")
assert models[i["short"]] == "" and s.sel(series_id="short").forecast.isnull().all() and np.isnan(m.alpha.values[i["short"]])
assert all(models[k] for k in range(12) if k != i["short"]), models
def fc(name):
    f = s.sel(series_id=name).forecast.dropna("time")
    assert f.sizes["time"] == 14, (name, f.sizes)
    return f
hr = fc("hourly").time.values
steps = np.diff(hr).astype("timedelta64[s]").astype(int)
assert (steps == 3600).all(), steps
assert str(hr[0])[:19] == "2023-03-11T00:00:00", hr[0]          # last time 2023-03-10T23:00 + 1 h
assert float(d.step.values[i["hourly"]]) == 3600 and float(d.step.values[i["d01"]]) == 86400
mo = fc("monthly").time.values
assert [str(t)[:10] for t in mo[:3]] == ["2023-01-01", "2023-02-01", "2023-03-01"], mo[:3]
assert int(d.step_months.values[i["monthly"]]) == 1 and np.isnan(d.step.values[i["monthly"]])
g = i["gappy"]
assert int(d.n_obs.values[g]) == 85, int(d.n_obs.values[g])  # 100 days - 4 absent - 11 empty/NaN
ob = s.sel(series_id="gappy").observed
assert int(ob.notnull().sum()) == 85
assert str(fc("gappy").time.values[0])[:10] == "2023-04-12"  # last day 2023-04-11
assert ob.dropna("time").time.values[-1] < fc("gappy").time.values[0]
lo, up, f = d.lower.values, d.upper.values, d.forecast.values
ok = ~np.isnan(f)
assert ok.sum() == 11 * 14, ok.sum()
assert (lo[:, 1][ok] < lo[:, 0][ok]).all() and (lo[:, 0][ok] < f[ok]).all() and (f[ok] < up[:, 0][ok]).all() \
    and (up[:, 0][ok] < up[:, 1][ok]).all(), "intervals do not nest"
assert (np.isnan(lo[:, 0]) == ~ok).all() and (np.isnan(up[:, 1]) == ~ok).all(), "bounds where there is no forecast"
try:
    import matplotlib
    matplotlib.use("Agg")
    ax = s.sel(series_id="d01").forecast.dropna("time").plot()[0].axes
    assert "time" in ax.get_xlabel(), ax.get_xlabel()
    ax.figure.savefig(sys.argv[2])
    print("python: forecast of d01 plotted against the date (x axis: %s)" % ax.get_xlabel())
except ImportError:
    print("matplotlib missing: plot not drawn")
print("python: dims, shapes, series by name, times, steps, missing values, nested intervals ok")
PY
echo "ok: xarray decodes time (hourly steps 3600 s, monthly steps), selects series by name, shapes, intervals"

# cdo reads the output and the model file without any warning (no groups: CDO 2.1 reads none)
if command -v cdo >/dev/null; then
  cdo sinfo "$D/out1.nc" >"$D/cdo.txt" 2>&1 || { cat "$D/cdo.txt"; fail "cdo sinfo"; }
  if grep -i 'warning' "$D/cdo.txt"; then
    fail "cdo sinfo warns on the output"
  fi
  cdo sinfo "$D/out1.model.nc" >"$D/cdom.txt" 2>&1 || { cat "$D/cdom.txt"; fail "cdo sinfo on the model file"; }
  if grep -i 'warning' "$D/cdom.txt"; then
    fail "cdo sinfo warns on the model file"
  fi
  nm=$(grep -Ec '^ +[0-9]+ : unknown' "$D/cdom.txt") || true
  ((nm == 7)) || { cat "$D/cdom.txt"; fail "cdo sees $nm variables in the model file, expected 7 (the parameters)"; }
  grep -q 'Time coordinate' "$D/cdo.txt" || { cat "$D/cdo.txt"; fail "cdo sees no time axis"; }
  nv=$(grep -Ec '^ +[0-9]+ : unknown' "$D/cdo.txt") || true
  ((nv >= 8)) || { cat "$D/cdo.txt"; fail "cdo sees $nv variables, expected at least 8"; }
  echo "ok: cdo sinfo reads the time axis and $nv variables, and the model file's $nm parameters, no warning"
else
  echo "note: no cdo; cdo check not run"
fi

# a known case: constant plus noise with ANN forecasts its mean
run_np 2 forecast --input "$D/in.csv" --season 7 --horizon 5 --model ANN --output "$D/ann.nc" 2>"$D/ann.log" \
  || { cat "$D/ann.log"; fail "--model ANN"; }
/usr/bin/python3 - "$D/ann.nc" "$D/in.csv" <<'PY' || fail "ANN check"
import os, sys, csv, numpy as np, netCDF4
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc
d = netCDF4.Dataset(sys.argv[1])
ids, models = forecast_nc.ids(d), forecast_nc.models(d)
k = ids.index("const")
vals = [float(r["value"]) for r in csv.DictReader(open(sys.argv[2])) if r["series_id"] == "const"]
mean = sum(vals) / len(vals)
_, fc, lo, up = forecast_nc.steps(d, k)
assert len(fc) == 5, fc
assert models[k] == "ANN", models[k]
assert np.all(np.abs(fc - mean) / mean < 0.03), (fc, mean)
assert np.allclose(fc, fc[0]), fc                        # no trend, no season: flat
assert np.all(lo[0] < fc) and np.all(fc < up[0]), (lo, fc, up)
assert np.all(up[1] - lo[1] > up[0] - lo[0]), "95 % interval not wider than 80 %"
assert all(m in ("ANN", "") for m in models), models
print(f"python: const ANN forecast {fc[0]:.3f} vs mean {mean:.3f}; 80 % [{lo[0][0]:.2f}, {up[0][0]:.2f}], 95 % [{lo[1][0]:.2f}, {up[1][0]:.2f}]")
PY
echo "ok: ANN forecast of a constant-plus-noise series is its mean, 95 % interval wider than 80 %"

# --model MNM is forced where it can be fitted (positive series), empty elsewhere
run_np 3 forecast --input "$D/in.csv" --season 7 --horizon 7 --model MNM --output "$D/mnm.nc" 2>"$D/mnm.log" \
  || { cat "$D/mnm.log"; fail "--model MNM"; }
/usr/bin/python3 -c 'import sys, os, netCDF4; sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference"); import forecast_nc as f; d = netCDF4.Dataset(sys.argv[1]); print(",".join(f.ids(d)) + ";" + ",".join(f.models(d)))' "$D/mnm.nc" >"$D/mnm.txt"
want='const,d01,d02,d03,d04,d05,d06,gappy,hourly,monthly,neg,short;MNM,MNM,MNM,MNM,MNM,MNM,MNM,MNM,MNM,MNM,,'
[[ $(cat "$D/mnm.txt") == "$want" ]] || fail "--model MNM: $(cat "$D/mnm.txt")"
grep -Eq "2 of 12 series could not be fitted.*'neg' \(80 observations, some <= 0\)" "$D/mnm.log" || { cat "$D/mnm.log"; fail "MNM warning"; }
grep -q 'models: MNM 10;' "$D/mnm.log" || fail "MNM summary"
echo "ok: --model MNM forced on the 10 positive series that can be fitted"

# CF-1.10: no ERROR-level finding from the IOOS checker, where it is installed
# (scripts/install-cf-checker.sh; tests/cli/test_cf_compliance.sh checks the other products)
cc=
for c in "${REGIA_CF_CHECKER:-}" "${BUILD:-$REGIA_ROOT/build}/cf-venv/bin/compliance-checker" \
         "$REGIA_ROOT/build/cf-venv/bin/compliance-checker"; do
  [[ -n $c && -x $c ]] && { cc=$c; break; }
done
if [[ -n $cc ]]; then
  for cf_f in out1 out1.model; do
  "$cc" -t cf:1.10 -f json_new -o "$D/cf.json" "$D/$cf_f.nc" >/dev/null 2>&1 || true
  "$(dirname "$cc")/python" - "$D/cf.json" <<'PY' || fail "CF-1.10 errors in $cf_f.nc"
import json, sys
doc = json.load(open(sys.argv[1]))
r = [r for ds in doc.values() for suite, r in ds.items() if suite == "cf:1.10"][0]
errs = [f"{c['name']}: {m}" for c in r.get("high_priorities", []) for m in c.get("msgs", [])]
for e in errs: print("ERROR " + e)
print(f"cf:1.10 score {r['scored_points']}/{r['possible_points']}, {r['high_count']} error groups")
sys.exit(1 if errs else 0)
PY
  done
  echo "ok: no CF-1.10 errors in the output and the model file"
else
  echo "note: no CF checker in build/cf-venv (scripts/install-cf-checker.sh); CF check not run"
fi

# the example in examples/ runs
if [[ -f $REGIA_ROOT/examples/forecast_demo.csv ]]; then
  run_np 2 forecast --input "$REGIA_ROOT/examples/forecast_demo.csv" --season 7 --horizon 14 --output "$D/demo.nc" \
    2>"$D/demo.log" || { cat "$D/demo.log"; fail "examples/forecast_demo.csv"; }
  grep -q 'summary: ' "$D/demo.log" || fail "demo summary"
  echo "ok: examples/forecast_demo.csv"
fi
echo "ok: regia forecast"
