#!/usr/bin/env bash
# regia env at 1, 2 and 3 ranks writes identical data variables; the daily statistics
# match an independent computation from the hourly input (75 % rule, UTC+1 days, 8-hour
# O3 means); forecasts, intervals and probabilities are consistent; manifest checksums;
# the model file out.model.nc (ETS internals) identical too, and in the manifest.
source "$(dirname "$0")/lib.sh"
D=$TMP/d; mkdir -p "$D"
run_np 1 gen env --stations 7 --years 2 --seed 21 --end-date 2024-03-31 --output-dir "$D" >/dev/null
# uneven stations (cost balancing): drop the PM2.5 and O3 sensors of two stations
ids=$(awk -F, 'NR > 1 && ($4 == 507 || $4 == 528) && ($2 ~ /PM2.5|Ozono/) {print $1}' "$D/sensors.csv" | paste -sd'|')
[[ -n $ids ]] || fail "test set-up: no sensors to drop"
grep -Ev "^($ids)," "$D/sensors.csv" >"$D/sensors2.csv"
grep -Ev "^($ids)," "$D/measurements.csv" >"$D/meas2.csv"
run_np 2 ingest env --registry "$D/sensors2.csv" --data "$D/meas2.csv" --output "$D/in.nc" >/dev/null 2>&1 ||
  fail "ingest"
for np in 1 2 3; do
  mkdir -p "$D/r$np"
  cat >"$D/r$np/job.ini" <<INI
[job]
name = test-env-$np
output = out.nc
seed = 77
[input]
file = ../in.nc
as_of = 2024-03-31
[analysis]
pollutants = pm10, pm2p5, no2, o3
rules = eu2008
horizon = 10
levels = 50, 90, 99
history_days = 400
paths = 500
INI
  run_np $np env "$D/r$np/job.ini" >"$D/log$np" 2>&1 || { cat "$D/log$np"; fail "env np=$np"; }
  [[ -f $D/r$np/out.nc && ! -e $D/r$np/out.nc.tmp ]] || fail "np=$np: output missing or .tmp left"
  [[ -f $D/r$np/out.model.nc && ! -e $D/r$np/out.model.nc.tmp ]] || fail "np=$np: model file missing or .tmp left"
  ncdump "$D/r$np/out.nc" | sed -n '/^data:/,$p' >"$D/data$np.txt"
  ncdump "$D/r$np/out.model.nc" | sed -n '/^data:/,$p' >"$D/mdata$np.txt"
done
for f in data mdata; do
  cmp -s "$D/${f}1.txt" "$D/${f}2.txt" || { diff "$D/${f}1.txt" "$D/${f}2.txt" | head; fail "$f: np=1 and np=2 differ"; }
  cmp -s "$D/${f}1.txt" "$D/${f}3.txt" || { diff "$D/${f}1.txt" "$D/${f}3.txt" | head; fail "$f: np=1 and np=3 differ"; }
done
grep -q 'pm10_alpha = ' "$D/mdata1.txt" || fail "model file lacks pm10_alpha"
echo "ok: identical data variables at 1, 2, 3 ranks (output and model file)"
grep -q 'cost-balanced blocks' "$D/log3" || fail "log lacks the cost-balanced partition"
grep -Eq 'stage forecast and risk: done, 28 series' "$D/log2" || { cat "$D/log2"; fail "progress line"; }
grep -Eq 'PM10 +7/7 series fitted; limit 50 ug/m3 on 35 days' "$D/log1" || { cat "$D/log1"; fail "summary line"; }
grep -Eq 'PM2.5 +5/7 series fitted \(2 without data, 0 too short to fit\)' "$D/log1" || { cat "$D/log1"; fail "PM2.5 summary (two stations lack it)"; }
# manifest lists the output with its SHA-256
m=$D/r2/out.manifest.json
[[ -f $m ]] || fail "no manifest"
grep -q "$(sha256sum "$D/r2/out.nc" | cut -c1-64)" "$m" || { cat "$m"; fail "manifest sha256 of the output"; }
grep -q "$(sha256sum "$D/r2/out.model.nc" | cut -c1-64)" "$m" || { cat "$m"; fail "manifest sha256 of the model file"; }
grep -q "$(sha256sum "$D/in.nc" | cut -c1-64)" "$m" || fail "manifest sha256 of the input"
ncdump -h "$D/r2/out.nc" >"$D/h.txt"
grep -q ':ranks = 2' "$D/h.txt" || fail "ranks attribute"
grep -q "job_sha256 = \"$(sha256sum "$D/r2/job.ini" | cut -c1-64)\"" "$D/h.txt" || fail "job_sha256"
echo "ok: manifest and provenance"

/usr/bin/python3 - "$D/in.nc" "$D/r2/out.nc" "$D/r2/out.model.nc" <<'PY' || fail "python checks"
import sys, numpy as np, xarray as xr
src = xr.open_dataset(sys.argv[1], decode_times=False).transpose("station", ...)  # the input is time first
out = xr.open_dataset(sys.argv[2])
assert str(out.forecast_day.values[0])[:10] == "2024-04-01", out.forecast_day.values[0]
assert str(out.day.values[-1])[:10] == "2024-03-31" and out.sizes["day"] == 400
assert list(out.interval.values) == [50, 90, 99] and out.interval.attrs["units"] == "percent"
assert out.pm10_lower.dims == ("forecast_day", "interval", "station"), out.pm10_lower.dims
assert out.pm10_daily.dims == ("day", "station") and out.pm10_forecast.dims == ("forecast_day", "station")
out = out.transpose("station", "province_index", "interval", ...)   # station first in the checks below
mdl = xr.open_dataset(sys.argv[3])
days = out.day.values.astype("datetime64[D]").astype(np.int64)
t = src.time.values.astype(np.int64)          # hours since 1970 UTC
def hourly(var, s):
    v = src[var].values[s].astype(float); q = src[var + "_qc"].values[s]
    v[q != 0] = np.nan
    return dict(zip(t, v))
def check(var, s, stat):
    h = hourly(var, s); got = out[var + "_daily"].values[s]
    for i in (0, 57, 199, 399):
        D = days[i]
        hrs = [h.get(24 * D - 1 + k, np.nan) for k in range(24)]   # local day = UTC+1
        if stat == "max8":
            vals = []
            for k in range(24):
                w = [h.get(24 * D - 1 + k - j, np.nan) for j in range(8)]
                w = [x for x in w if np.isfinite(x)]
                if len(w) >= 6: vals.append(np.mean(w))
            exp = max(vals) if len(vals) >= 18 else np.nan
        else:
            ok = [x for x in hrs if np.isfinite(x)]
            exp = max(ok) if len(ok) >= 18 else np.nan
        assert (np.isnan(exp) and np.isnan(got[i])) or abs(exp - got[i]) < 1e-3 * max(1, abs(exp)), (var, s, i, exp, got[i])
for s in range(out.sizes["station"]):
    check("no2", s, "max"); check("o3", s, "max8") if np.isfinite(src.o3.values[s]).any() else None
# pm10 is daily in the input: passed through (qc 1 excluded)
pm = src.pm10.values.astype(float); pm[src.pm10_qc.values != 0] = np.nan
d0 = int(src.day.values[0])
np.testing.assert_allclose(out.pm10_daily.values, pm[:, days - d0].astype(np.float32), rtol=0, atol=0)
for p in ("pm10", "pm2p5", "no2", "o3"):
    f, lo, up = out[p + "_forecast"].values, out[p + "_lower"].values, out[p + "_upper"].values
    ok = np.isfinite(f).all(axis=1)
    assert ok.sum() >= 5, p
    assert (lo[ok, 0] <= f[ok] + 1e-4).all() and (f[ok] <= up[ok, 0] + 1e-4).all(), p
    assert (lo[ok, 2] <= lo[ok, 1] + 1e-4).all() and (lo[ok, 1] <= lo[ok, 0] + 1e-4).all(), p + " nesting"
    models = [m.decode() if isinstance(m, bytes) else str(m) for m in mdl[p + "_model"].values]
    assert all((m != "") == o for m, o in zip(models, ok)), (p, models)
    if p == "pm2p5": continue
    pe = out[p + "_p_exceed"].values[ok]
    assert ((pe >= 0) & (pe <= 1)).all(), p
    pb, seen = out[p + "_p_breach"].values[ok], out[p + "_exceed_days_observed"].values[ok]
    assert np.isnan(out[p + "_p_breach"].values[~ok]).all(), p
    allowed = out[p + "_p_breach"].attrs["allowed_exceedance_days"]
    assert ((pb >= 0) & (pb <= 1)).all(), p
    assert (pb[seen > allowed] == 1).all(), (p, pb, seen)
    exp = out[p + "_exceed_days_expected"].values[ok]
    assert (exp >= seen - 1e-9).all() and (exp <= seen + 275 + 1e-9).all(), p
    # observed count = valid days above the limit since 1 January
    lim = out[p + "_p_exceed"].attrs["limit_value"]
    jan = days >= np.datetime64("2024-01-01").astype(np.int64)
    dv = out[p + "_daily"].values[ok][:, jan]
    assert (np.nansum(dv > lim, axis=1) == seen).all(), (p, seen)
print("ok: daily statistics, intervals, probabilities and counts")
PY
