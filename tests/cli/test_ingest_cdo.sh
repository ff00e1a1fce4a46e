#!/usr/bin/env bash
# The two ingest outputs as CDO, xarray and the CF checker read them (issue 12):
# - regia ingest env (lombardia.nc layout): `cdo sinfo` prints no warning and `cdo showname`
#   lists every pollutant and its _qc flag; the pollutants are time first ((time, station)
#   hourly, (day, station) daily); xarray selects a station by name
#   (set_xindex("station_name")); regia env gives the same output from this file and from
#   the same data in the layout before 2026-12 (station first), which it still reads;
# - regia ingest waitlist (bookings.nc layout): `cdo sinfo` prints no warning, `cdo showname`
#   lists the booking times and the table variables; time(time) is the run date; xarray
#   selects a service by name or code (set_xindex("service_name")); CF-1.10 clean and ACDD-1.3
#   complete up to the accepted findings of kind bookings (tests/reference/cf_report.py).
source "$(dirname "$0")/lib.sh"
command -v cdo >/dev/null || skip "cdo not installed (apt-get install cdo)"
PY=/usr/bin/python3
"$PY" -c 'import xarray, netCDF4, numpy' 2>/dev/null || skip "python3 xarray/netCDF4/numpy missing"
D=$TMP

# cdo_clean FILE NAME...: cdo sinfo prints no warning; cdo showname lists every NAME
cdo_clean() {
  local f=$1 b; b=$(basename "$1"); shift
  cdo sinfo "$f" >"$TMP/$b.sinfo" 2>&1 || { cat "$TMP/$b.sinfo"; fail "cdo sinfo $b: exit status $?"; }
  if grep -i warn "$TMP/$b.sinfo"; then fail "cdo sinfo $b prints warnings (above)"; fi
  local names; names=" $(cdo -s showname "$f" 2>&1) " || fail "cdo showname $b"
  for n in "$@"; do [[ $names == *" $n "* ]] || fail "cdo showname $b does not list $n:$names"; done
  echo "ok: cdo sinfo $b prints no warning; cdo showname lists $*"
}

# ---- regia ingest env ----------------------------------------------------------------------
run_np 1 gen env --stations 3 --years 1 --seed 5 --end-date 2023-09-30 --output-dir "$D/d" >/dev/null 2>&1 ||
  fail "gen env"
run_np 2 ingest env --registry "$D/d/sensors.csv" --data "$D/d/measurements.csv" --output "$D/in.nc" \
  >"$D/ingest.log" 2>&1 || { cat "$D/ingest.log"; fail "ingest env"; }
cdo_clean "$D/in.nc" pm10 pm10_qc pm2p5 pm2p5_qc no2 no2_qc o3 o3_qc
"$PY" - "$D/in.nc" "$D/old.nc" <<'PY' || fail "the ingest env layout"
import sys, numpy as np, netCDF4, xarray as xr
src, old = sys.argv[1], sys.argv[2]
d = xr.open_dataset(src)
for v in ("no2", "no2_qc", "o3", "o3_qc"):
    assert d[v].dims == ("time", "station"), (v, d[v].dims)
    assert d[v].encoding.get("coordinates", "").split() == ["lat", "lon", "province", "station_name"], d[v].encoding
for v in ("pm10", "pm10_qc", "pm2p5", "pm2p5_qc"):
    assert d[v].dims == ("day", "station"), (v, d[v].dims)
    assert "coordinates" not in d[v].encoding, (v, d[v].encoding)   # CDO would take day for a y axis
assert {"lat", "lon", "station_name", "province"} <= set(d.coords), sorted(d.coords)
name = str(d.station_name.values[1])
s = d.set_xindex("station_name")
a = s.pm10.sel(station_name=name).values
b = netCDF4.Dataset(src)["pm10"][:, 1].filled(np.nan)
assert np.array_equal(a, b, equal_nan=True) and np.isfinite(a).sum() > 100, "pm10 by station name"
assert np.isfinite(s.no2.sel(station_name=name).values).sum() > 1000, "no2 by station name"
assert s.alt.attrs["standard_name"] == "height_above_mean_sea_level" and "axis" not in s.alt.attrs
print(f"ok: time first; xarray selects station '{name}' by name ({np.isfinite(a).sum()} PM10 days)")
# the same data in the layout before 2026-12: every 2-D pollutant variable station first
with netCDF4.Dataset(src) as s, netCDF4.Dataset(old, "w") as o:
    o.setncatts({k: s.getncattr(k) for k in s.ncattrs()})
    for k, n in s.dimensions.items():
        o.createDimension(k, len(n))
    for k, v in s.variables.items():
        v.set_auto_maskandscale(False); v.set_auto_chartostring(False)
        dims, x = v.dimensions, v[...]
        if len(dims) == 2 and dims[1] == "station":
            dims, x = dims[::-1], x.T
        atts = {a: v.getncattr(a) for a in v.ncattrs()}
        w = o.createVariable(k, v.dtype, dims, fill_value=atts.pop("_FillValue", None))
        w.setncatts(atts); w.set_auto_maskandscale(False); w.set_auto_chartostring(False)
        w[...] = x
PY
for f in in old; do
  cat >"$D/$f.ini" <<INI
[job]
name = cdo-$f
output = out_$f.nc
seed = 5
products = no
[input]
file = $f.nc
as_of = 2023-09-30
[analysis]
pollutants = pm10, no2, o3
horizon = 7
history_days = 200
paths = 200
INI
  run_np 2 env "$D/$f.ini" >"$D/env_$f.log" 2>&1 || { cat "$D/env_$f.log"; fail "regia env on $f.nc"; }
done
same=$(nc_same "$D/out_in.nc" "$D/out_old.nc") || fail "regia env: the time-first input and the old layout give different outputs: $same"
echo "ok: regia env reads both layouts to the same output ($same)"

# ---- regia ingest waitlist -----------------------------------------------------------------
run_np 1 gen waitlist --districts 2 --years 1 --bookings-per-year 3000 --seed 3 --end-date 2025-06-30 \
  --output-dir "$D/w" >/dev/null 2>&1 || fail "gen waitlist"
openssl rand -hex 32 >"$D/wl.key"; chmod 600 "$D/wl.key"
run_np 2 ingest waitlist --data "$D/w/bookings.csv" --districts "$D/w/districts.csv" --key-file "$D/wl.key" \
  --run-date 2025-07-01 --synthetic --output "$D/bookings.nc" >"$D/ingest_wl.log" 2>&1 ||
  { cat "$D/ingest_wl.log"; fail "ingest waitlist"; }
cdo_clean "$D/bookings.nc" prescription_time contact_time first_available_time booked_time outcome_time \
  outcome priority service residence_district service_first service_count district_population asl_districts
"$PY" - "$D/bookings.nc" <<'PY' || fail "the bookings layout"
import sys, numpy as np, xarray as xr
d = xr.open_dataset(sys.argv[1])
assert d.sizes["time"] == 1 and str(d.time.values[0])[:10] == "2025-07-01", d.time.values
for c in ("service_code", "service_name", "district_code", "district_name", "asl_code", "asl_name", "agenda_code"):
    assert c in d.coords, (c, sorted(d.coords))
# service_name is unique; service_code repeats for the visits (89.7 for every discipline)
name = str(d.service_name.values[0])
n = int(d.set_xindex("service_name").service_count.sel(service_name=name))
assert n == int((d.service.values == 0).sum()) and n > 0, (name, n)
code = str(d.service_code.values[0])
same = [i for i, c in enumerate(d.service_code.values) if c == code]
m = d.set_xindex("service_code").service_count.sel(service_code=code)
assert int(m.sum()) == int(d.service_count.values[same].sum()), (code, m.values)
assert int(d.asl_districts.sum()) == d.sizes["district"]
assert d.booked_time.dtype.kind == "M", d.booked_time.dtype
print(f"ok: time = run date; xarray selects service '{name}' by name ({n} bookings), code {code} ({len(same)} services)")
PY
if (cf_checker_find >/dev/null 2>&1); then
  cf_checker_find
  cf_check "$D/bookings.nc" bookings || fail "bookings.nc: CF-1.10 errors or ACDD-1.3 high-priority findings (above)"
  echo "ok: bookings.nc is CF-1.10 clean and ACDD-1.3 complete up to the accepted findings"
else
  echo "note: no IOOS compliance-checker (scripts/install-cf-checker.sh): the CF check of bookings.nc is not run"
fi
echo "PASS"
