#!/usr/bin/env bash
# The env output's layout for readers (issue 12): forecast_day and interval are coordinate
# variables (dates, percent); the ETS internals are in the model file out.model.nc (an extra
# output of the run, named by the global attribute model_file; no group); station_name is
# an auxiliary coordinate on every per-station variable, so xarray selects a station by
# name; province is the input's; CDO opens the file and reads the per-station variables
# on an unstructured grid of the stations (the values equal the NetCDF's), the time-first
# (day|forecast_day, [interval,] station) arrays too, and prints no warning on either file.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import xarray, netCDF4' 2>/dev/null || skip "/usr/bin/python3 lacks xarray or netCDF4"
D=$TMP/d; mkdir -p "$D"
run_np 1 gen env --stations 5 --years 2 --seed 33 --end-date 2024-02-29 --output-dir "$D/raw" >/dev/null 2>&1 ||
  fail "gen env"
run_np 1 ingest env --synthetic --registry "$D/raw/sensors.csv" --data "$D/raw/measurements.csv" \
  --output "$D/in.nc" >/dev/null 2>&1 || fail "ingest env"
cat >"$D/job.ini" <<'INI'
[job]
name = test-env-layout
output = out.nc
[input]
file = in.nc
[analysis]
pollutants = pm10, no2
horizon = 7
levels = 80, 95
history_days = 300
paths = 200
INI
run_np 2 env "$D/job.ini" >"$D/log" 2>&1 || { cat "$D/log"; fail "regia env"; }

[[ -f $D/out.model.nc ]] || fail "no model file out.model.nc beside out.nc"
"$PY" - "$D/in.nc" "$D/out.nc" "$D/out.model.nc" <<'PY' || fail "layout checks (python)"
import sys, numpy as np, xarray as xr, netCDF4
src, path, mpath = sys.argv[1], sys.argv[2], sys.argv[3]
ds = xr.open_dataset(path)
inp = xr.open_dataset(src)
# forecast_day: a coordinate variable of dates, the day after the origin on
assert "forecast_day" in ds.indexes and ds.sizes["forecast_day"] == 7, ds.sizes
assert str(ds.forecast_day.values[0])[:10] == "2024-03-01", ds.forecast_day.values[0]
# time first, the station last (what CDO reads), one station per chunk
assert ds.pm10_forecast.dims == ("forecast_day", "station"), ds.pm10_forecast.dims
assert ds.pm10_daily.dims == ("day", "station") and ds.pm10_p_exceed.dims == ("forecast_day", "station")
# interval: a coordinate variable in percent
assert list(ds.interval.values) == [80, 95] and ds.interval.attrs["units"] == "percent"
assert ds.pm10_lower.dims == ("forecast_day", "interval", "station"), ds.pm10_lower.dims
assert "lead" not in ds.dims and "level" not in ds.dims and "level" not in ds.variables
# the ETS internals only in the model file, same names and dims; lambda in the output; no group
nc = netCDF4.Dataset(path)
g = netCDF4.Dataset(mpath)
assert not nc.groups and not g.groups, (list(nc.groups), list(g.groups))
assert nc.model_file == "out.model.nc" and g.forecast_file == "out.nc", (nc.model_file, g.forecast_file)
assert g.id == nc.id and g.date_created == nc.date_created, (g.id, nc.id)
np.testing.assert_array_equal(g["station_id"][:], nc["station_id"][:])
np.testing.assert_array_equal(g["lat"][:], nc["lat"][:])
for p in ("pm10", "no2"):
    for k in ("model", "alpha", "beta", "gamma", "phi", "sigma2", "aicc"):
        v = p + "_" + k
        assert v in g.variables and v not in nc.variables, v
        assert g.variables[v].dimensions[0] == "station", (v, g.variables[v].dimensions)
for v in ("pm10_daily", "pm10_forecast", "pm10_lower", "pm10_province_daily"):
    ch, dims = nc[v].chunking(), nc[v].dimensions
    assert ch[-1] == 1 and all(c == len(nc.dimensions[d]) for c, d in zip(ch[:-1], dims[:-1])), (v, ch)
    assert p + "_boxcox_lambda" in nc.variables
m = xr.open_dataset(mpath)
assert m.pm10_alpha.dims == ("station",) and np.isfinite(m.pm10_alpha.values).any()
assert [str(x) for x in m.station_name.values] == [str(x) for x in ds.station_name.values]
# station_name in every per-station variable's coordinates; selection by name
names = [str(x) for x in ds.station_name.values]
for v in nc.variables.values():
    if "station" in v.dimensions and v.name not in ("station_id", "station_name", "lat", "lon", "alt", "province"):
        assert "station_name" in v.coordinates.split(), (v.name, v.coordinates)
        assert "alt" not in v.coordinates.split(), (v.name, v.coordinates)   # CDO 2.1 cannot assign it
s = 3
one = ds.set_xindex("station_name").sel(station_name=names[s])
np.testing.assert_array_equal(one.pm10_forecast.values, ds.pm10_forecast.values[:, s])
np.testing.assert_array_equal(one.pm10_lower.values, ds.pm10_lower.values[:, :, s])
assert float(one.pm10_p_breach) == float(ds.pm10_p_breach.values[s]) or np.isnan(ds.pm10_p_breach.values[s])
# province: the input's, per station
dec = lambda a: [x.decode() if isinstance(x, bytes) else str(x) for x in a]
assert dec(ds.province.values) == dec(inp.province.values), (ds.province.values, inp.province.values)
assert all(str(x) for x in ds.province.values)
print("ok: forecast_day and interval coordinates, model file, selection of", repr(names[s]), "by name, provinces",
      sorted(set(str(x) for x in ds.province.values)))
PY

command -v cdo >/dev/null || skip "cdo not installed (scripts/install-deps.sh test)"
for f in out out.model; do
  rc=0; cdo sinfo "$D/$f.nc" >"$D/cdo.$f.txt" 2>&1 || rc=$?
  ((rc == 0)) || { cat "$D/cdo.$f.txt"; fail "cdo sinfo cannot open $f.nc (exit $rc)"; }
  grep -Eq 'unstructured +: points=5' "$D/cdo.$f.txt" || { cat "$D/cdo.$f.txt"; fail "cdo: no unstructured grid of 5 stations in $f.nc"; }
  # no warning at all (CDO 2.1 warns on any NetCDF-4 group: there is none)
  warn=$(grep -i 'warn' "$D/cdo.$f.txt" || true)
  [[ -z $warn ]] || { cat "$D/cdo.$f.txt"; fail "cdo sinfo $f.nc: warnings (above)"; }
done
cp "$D/cdo.out.txt" "$D/cdo.txt"
mnames=$(cdo -s showname "$D/out.model.nc" 2>/dev/null)
for v in pm10_alpha pm10_aicc no2_sigma2; do
  [[ " $mnames " == *" $v "* ]] || fail "cdo does not read $v in the model file (reads:$mnames)"
done
names=$(cdo -s showname "$D/out.nc" 2>/dev/null)
for v in pm10_p_breach pm10_exceed_days_observed no2_p_breach pm10_boxcox_lambda pm10_daily pm10_forecast pm10_lower \
         pm10_upper pm10_p_exceed pm10_consecutive_days_forecast pm10_province_daily pm10_province_forecast; do
  [[ " $names " == *" $v "* ]] || fail "cdo does not read $v (reads:$names)"
done
got=$(cdo -s output -selname,pm10_p_breach "$D/out.nc" 2>/dev/null | tr -s ' \n' ' ')
"$PY" - "$D/out.nc" "$got" <<'PY' || fail "cdo's pm10_p_breach differs from the NetCDF's"
import sys, numpy as np, netCDF4
want = netCDF4.Dataset(sys.argv[1])["pm10_p_breach"][:].filled(np.nan)
got = np.array([float(x) for x in sys.argv[2].split()])
np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
PY
# a time-first array: CDO 2.1 reads one time axis (day), so pm10_forecast(forecast_day,
# station) is one record of 7 levels (forecast_day) on the stations' grid
grep -Eq 'generic +: levels=7' "$D/cdo.txt" || { cat "$D/cdo.txt"; fail "cdo: no forecast_day axis of 7 levels"; }
got=$(cdo -s output -seltimestep,1 -selname,pm10_forecast "$D/out.nc" 2>/dev/null | tr -s ' \n' ' ')
"$PY" - "$D/out.nc" "$got" <<'PY' || fail "cdo's pm10_forecast differs from the NetCDF's"
import sys, numpy as np, netCDF4
want = netCDF4.Dataset(sys.argv[1])["pm10_forecast"][:].filled(np.nan).ravel()
got = np.array([float(x) for x in sys.argv[2].split()])
assert got.size == want.size, (got, want)
np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
PY
echo "ok: cdo sinfo opens the env output and reads the per-station variables ($names )"
