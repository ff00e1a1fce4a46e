#!/usr/bin/env bash
# The env and forecast outputs open in the readers regional offices use: ncdump, h5dump
# (the files are plain HDF5 underneath), Python netCDF4 and h5py, xarray with CF decoding,
# NCO (ncks) and CDO; values read back agree between readers.
source "$(dirname "$0")/lib.sh"
D=$TMP
run_np 1 gen env --stations 3 --years 1 --seed 12 --end-date 2023-10-31 --output-dir "$D/raw" >/dev/null 2>&1
run_np 2 ingest env --registry "$D/raw/sensors.csv" --data "$D/raw/measurements.csv" --output "$D/in.nc" >/dev/null 2>&1 ||
  fail "ingest"
printf '[job]\noutput = env.nc\n[input]\nfile = in.nc\n[analysis]\nhistory_days = 200\npaths = 100\n' >"$D/job.ini"
run_np 2 env "$D/job.ini" >/dev/null 2>&1 || fail "env"
run_np 2 forecast --input "$REGIA_ROOT/examples/forecast_demo.csv" --season 7 --horizon 10 --output "$D/fc.nc" \
  >/dev/null 2>&1 || fail "forecast"
for f in in.nc env.nc fc.nc; do
  ncdump -h "$D/$f" >/dev/null || fail "ncdump -h $f"
  h5dump -H "$D/$f" >"$D/$f.h5" 2>&1 || fail "h5dump -H $f"
  grep -q 'DATASET "station_id"\|DATASET "series_id"' "$D/$f.h5" || fail "h5dump: no id dataset in $f"
done
echo "ok: ncdump and h5dump read in.nc, env.nc, fc.nc"
if command -v ncks >/dev/null; then
  for f in in.nc env.nc fc.nc; do ncks -m "$D/$f" >/dev/null || fail "ncks -m $f"; done
  ncks -H -C -v pm10_p_breach "$D/env.nc" >"$D/ncks.txt" || fail "ncks -v pm10_p_breach"
  grep -q "pm10_p_breach = " "$D/ncks.txt" || fail "ncks: no pm10_p_breach values"
  echo "ok: NCO ncks reads all three"
else
  echo "note: NCO (ncks) not installed; skipped"
fi
cdo -s sinfon "$D/env.nc" >/dev/null 2>&1 || fail "cdo sinfon env.nc"
echo "ok: CDO opens env.nc"
/usr/bin/python3 - "$D" <<'PY' || fail "python readers"
import sys, numpy as np, h5py, netCDF4, xarray as xr
d = sys.argv[1]
with h5py.File(f"{d}/env.nc", "r") as h:
    a = h["pm10_forecast"][...]
    assert a.shape[-1] == 3 and np.isfinite(a).all(), a.shape   # (forecast_day, station): 3 stations
with netCDF4.Dataset(f"{d}/env.nc") as n:
    b = n["pm10_forecast"][...]
    assert n.getncattr("Conventions").startswith("CF-1.10")
x = xr.open_dataset(f"{d}/env.nc")
c = x.pm10_forecast.values
assert np.array_equal(a, np.asarray(b)) and np.array_equal(a, c)
assert np.issubdtype(x.forecast_day.dtype, np.datetime64)
f = xr.open_dataset(f"{d}/fc.nc")
with h5py.File(f"{d}/fc.nc", "r") as h:
    assert np.array_equal(h["forecast"][...], f.forecast.values, equal_nan=True) and np.isfinite(f.forecast.values).any()
print("ok: h5py, netCDF4 and xarray read identical values; times decode")
PY
