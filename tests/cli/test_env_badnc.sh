#!/usr/bin/env bash
# regia env checks its NetCDF input before using it: a corpus of bad station files, each
# made from a good `regia ingest env` output by changing one thing (a 3-D or char
# pollutant, lat on a longer dimension, a 2-D station_id, another string length, a
# missing coordinate, NaN / 1e12 / decreasing / fractional values in day and time, a time
# axis of 10,000 years, ...), must make regia env exit 1 at 2 ranks with a message naming
# the file and the variable, and leave no output, .tmp or manifest.  Inputs that cannot
# give an answer are errors too: an as_of after the end of the data or before its start,
# a pollutant the job names without any valid day, no series with data or none fitted;
# a pollutant without data that the job does not name is a warning.
source "$(dirname "$0")/lib.sh"
# the checks live in drivers/env_input.c; until regia env calls them this test cannot pass
grep -l env_check_input "$REGIA_ROOT"/drivers/*.c 2>/dev/null | grep -vq '/env_input\.c$' ||
  skip "regia env does not call env_check_input yet"
PY=/usr/bin/python3
"$PY" -c 'import netCDF4, numpy' 2>/dev/null || skip "python3 netCDF4/numpy missing (apt-get install python3-netcdf4)"

D=$TMP; mkdir -p "$D/d"
run_np 1 gen env --stations 2 --years 1 --seed 5 --end-date 2023-06-30 --output-dir "$D/d" >/dev/null 2>&1 ||
  fail "gen env"
run_np 1 ingest env --registry "$D/d/sensors.csv" --data "$D/d/measurements.csv" --output "$D/good.nc" \
  >/dev/null 2>&1 || fail "ingest env"

# ---- the corpus: bad_<case>.nc, each a copy of good.nc with one change ----------------------
cat >"$D/corpus.py" <<'PY'
import sys
import numpy as np
import netCDF4 as nc

src, out = sys.argv[1], sys.argv[2]
with nc.Dataset(src) as s:
    NS, NT = len(s.dimensions["station"]), len(s.dimensions["time"])
    hourly = [k for k in ("no2", "o3", "so2") if k in s.variables]

def copy(case, dims=None, vars=None):
    """Write out/bad_<case>.nc: good.nc with dimensions `dims` ({name: length}, added or
    changed) and variables `vars` ({name: None to drop, or (dtype, dims, data, attrs,
    chunks)} to replace or add; data None = not written)."""
    dims, vars = dims or {}, vars or {}
    with nc.Dataset(src) as s, nc.Dataset(f"{out}/bad_{case}.nc", "w") as d:
        d.setncatts({k: s.getncattr(k) for k in s.ncattrs()})
        lens = {k: len(v) for k, v in s.dimensions.items()}
        lens.update(dims)
        for k, n in lens.items():
            d.createDimension(k, n)
        for k, v in s.variables.items():
            if k in vars:
                continue
            v.set_auto_maskandscale(False)
            v.set_auto_chartostring(False)   # names have _Encoding: copy them as char arrays
            atts = {a: v.getncattr(a) for a in v.ncattrs()}
            w = d.createVariable(k, v.dtype, v.dimensions, fill_value=atts.pop("_FillValue", None))
            w.setncatts(atts)
            w.set_auto_maskandscale(False)
            w.set_auto_chartostring(False)
            w[...] = v[...]
        for k, spec in vars.items():
            if spec is None:
                continue
            dtype, vdims, data, atts, chunks = spec
            w = d.createVariable(k, dtype, vdims, chunksizes=chunks)
            w.setncatts(atts or {})
            if data is not None:
                w.set_auto_maskandscale(False)
                w[...] = data

def like(name, fn):
    """The variable `name` of good.nc with its values changed by fn (same type, dims, attributes)."""
    with nc.Dataset(src) as s:
        v = s.variables[name]
        v.set_auto_maskandscale(False)
        atts = {a: v.getncattr(a) for a in v.ncattrs() if a != "_FillValue"}
        return (v.dtype, v.dimensions, fn(np.array(v[...])), atts, None)

def data(name):
    with nc.Dataset(src) as s:
        v = s.variables[name]
        v.set_auto_maskandscale(False)
        v.set_auto_chartostring(False)
        return np.array(v[...])

def put(a, i, x):
    a = a.astype("f8")
    a[i] = x
    return a

pm = data("pm10")
copy("poll3d", dims={"level": 2}, vars={"pm10": ("f4", ("day", "station", "level"), np.stack([pm, pm], -1), {}, None)})
copy("pollchar", vars={"no2": ("S1", ("time", "station"), np.full((NT, NS), b"x"), {}, None)})
copy("latlonger", dims={"station2": NS + 3},
     vars={"lat": ("f8", ("station2",), np.concatenate([data("lat"), [45.0] * 3]), {"units": "degrees_north"}, None)})
copy("sid2d", vars={"station_id": ("i4", ("station", "name_strlen"), np.zeros((NS, 64), "i4"), {}, None)})
copy("strlen32", dims={"name_strlen": 32},
     vars={"station_name": ("S1", ("station", "name_strlen"), data("station_name")[:, :32], {}, None),
           "province": ("S1", ("station", "name_strlen"), data("province")[:, :32], {}, None)})
copy("nosid", vars={"station_id": None})
copy("nolat", vars={"lat": None})
copy("notime", vars={"time": None})
copy("daynan", vars={"day": like("day", lambda a: put(a, 1, np.nan))})
copy("daybig", vars={"day": like("day", lambda a: put(a, 1, 1e12))})
copy("daydec", vars={"day": like("day", lambda a: a[::-1].copy())})
copy("dayfrac", vars={"day": like("day", lambda a: put(a, 1, a[1] + 0.5))})
copy("timenan", vars={"time": like("time", lambda a: put(a, 5, np.nan))})
copy("timebig", vars={"time": like("time", lambda a: put(a, 5, 1e12))})
copy("timedec", vars={"time": like("time", lambda a: a[::-1].copy())})
copy("timegap", vars={"time": like("time", lambda a: put(a, 5, a[5] + 1))})
# a time axis whose last hour is 10,000 years after the first
copy("time10ky", vars={"time": like("time", lambda a: put(a, -1, a[0] + 10000 * 8766.0))})
# a time dimension of 10,000 years of hours (nothing written: chunked, so the file stays small)
H = 10000 * 8766
big = {"time": ("f8", ("time",), None, {"units": "hours since 1970-01-01 00:00:00"}, (1 << 20,))}
for k in hourly:
    big[k] = ("f4", ("time", "station"), None, {}, (1 << 20, 1))
    big[k + "_qc"] = ("i1", ("time", "station"), None, {}, (1 << 20, 1))
copy("timedim10ky", dims={"time": H}, vars=big)
copy("timeunits", vars={"time": like("time", lambda a: a)[:3] + ({"units": "seconds since 1970-01-01"}, None)})
# inputs that cannot give an answer: a pollutant without any valid value, every pollutant
# without one, and series too short to fit (valid values only in the last 3 days); the
# pollutants are (time|day, station)
def nan_except_last(name, keep):
    return like(name, lambda a: np.concatenate([np.full(a[:-keep].shape, np.nan, a.dtype), a[-keep:]], 0)
                if keep else np.full(a.shape, np.nan, a.dtype))
copy("no2nan", vars={"no2": nan_except_last("no2", 0)})
with nc.Dataset(src) as s:
    polls = [k for k in ("pm10", "pm2p5", "no2", "o3", "so2") if k in s.variables]
copy("allnan", vars={k: nan_except_last(k, 0) for k in polls})
copy("short", vars={"pm10": nan_except_last("pm10", 3), "no2": nan_except_last("no2", 80)})
copy("qcdims", vars={"pm10_qc": ("i1", ("time", "station"), np.zeros((NT, NS), "i1"), {}, None)})
PY
"$PY" "$D/corpus.py" "$D/good.nc" "$D" || fail "making the bad-input corpus"

job() {  # job FILE [as_of] [pollutants]
  cat <<INI
[job]
output = out.nc
seed = 3
[input]
file = $1
${2:+as_of = $2}
[analysis]
${3-pollutants = pm10, no2}
horizon = 7
history_days = 120
paths = 100
INI
}
# refuse NAME REGEX [AS_OF]: regia env on bad_NAME.nc (good.nc with AS_OF) exits 1 at 2
# ranks, prints REGEX, and leaves nothing under the output's names
refuse() {
  local name=$1 re=$2 as_of=${3:-} file out rc=0
  if [[ -n $as_of ]]; then file=good.nc; else file=bad_$name.nc; fi
  job "$file" "$as_of" >"$D/job.ini"
  rm -rf "$D"/out.*
  out=$(run_np 2 env "$D/job.ini" 2>&1) || rc=$?
  ((rc == 1)) || fail "$name: exit status $rc, expected 1: $out"
  grep -Eq -- "$re" <<<"$out" || fail "$name: message does not match /$re/: $out"
  local f
  for f in out.nc out.nc.tmp out.manifest.json; do [[ ! -e $D/$f ]] || fail "$name: $f left behind"; done
  echo "ok: $name -> $(grep -Em1 -- "$re" <<<"$out")"
}

# the good file runs (so each failure below is the change's doing)
job good.nc >"$D/job.ini"
run_np 2 env "$D/job.ini" >"$D/good.log" 2>&1 || { cat "$D/good.log"; fail "the good input"; }
[[ -f $D/out.nc ]] || fail "the good input: no output"
echo "ok: the unchanged input runs"

refuse poll3d "bad_poll3d\.nc: variable 'pm10' has dimensions \(day, station, level\); expected \(time, station\), \(day, station\), \(station, time\) or \(station, day\)"
refuse pollchar "bad_pollchar\.nc: variable 'no2' has type char; expected float or double"
refuse latlonger "bad_latlonger\.nc: variable 'lat' has dimensions \(station2\); expected \(station\)"
refuse sid2d "bad_sid2d\.nc: variable 'station_id' has dimensions \(station, name_strlen\); expected \(station\)"
refuse strlen32 "bad_strlen32\.nc: variable 'station_name' has strings of 32 characters .*expected 64"
refuse nosid "bad_nosid\.nc: no variable 'station_id'"
refuse nolat "bad_nolat\.nc: no variable 'lat'"
refuse notime "bad_notime\.nc: no variable 'time'"
refuse daynan "bad_daynan\.nc: variable 'day' has a missing \(NaN\) value at index 1"
refuse daybig "bad_daybig\.nc: variable 'day' value 1000000000000 at index 1 is outside"
refuse daydec "bad_daydec\.nc: variable 'day' is not strictly increasing"
refuse dayfrac "bad_dayfrac\.nc: variable 'day' value [0-9.]+ at index 1 is not a whole number"
refuse timenan "bad_timenan\.nc: variable 'time' has a missing \(NaN\) value at index 5"
refuse timebig "bad_timebig\.nc: variable 'time' value 1000000000000 at index 5 is outside"
refuse timedec "bad_timedec\.nc: variable 'time' is not strictly increasing"
refuse timegap "bad_timegap\.nc: variable 'time' is not a regular axis of step 1"
refuse time10ky "bad_time10ky\.nc: variable 'time' (value [0-9]+ .*is outside|spans)"
refuse timedim10ky "bad_timedim10ky\.nc: dimension 'time' has 87660000 entries; regia env reads at most 878400"
refuse timeunits "bad_timeunits\.nc: variable 'time' attribute 'units' is 'seconds since 1970-01-01'"
refuse qcdims "bad_qcdims\.nc: variable 'pm10_qc' has dimensions \(time, station\); expected \(day, station\)"
# as_of outside the data (2023-01-01 .. 2023-06-30)
refuse as_of_after "as_of 2023-07-01 is after the last day with data in .*good\.nc \(2023-06-30\)" 2023-07-01
refuse as_of_before "as_of 2022-12-31 is before the first day with data in .*good\.nc \(2023-01-01\)" 2022-12-31
# pollutants without any valid day: an error for a pollutant the job names, a warning for
# one it does not (the others are still forecast), an error when no series has data or
# none can be fitted
refuse no2nan "pollutant 'no2': no station has a valid day from .* in .*bad_no2nan\.nc"
refuse allnan "(pollutant 'pm10': no station has a valid day|no pollutant has a valid day).* in .*bad_allnan\.nc"
refuse short "no series could be fitted .* in .*bad_short\.nc"
job bad_no2nan.nc "" "" >"$D/job.ini"
rm -rf "$D"/out.*
out=$(run_np 2 env "$D/job.ini" 2>&1) || fail "no2 without data, default pollutants: exit status $?: $out"
grep -Eq "warn.*no valid day .*bad_no2nan\.nc: .*no2" <<<"$out" || fail "no2 without data, default pollutants: no warning: $out"
[[ -f $D/out.nc ]] || fail "no2 without data, default pollutants: no output"
echo "ok: no2 without data, default pollutants -> $(grep -Em1 "no valid day" <<<"$out")"
echo "ok: every bad input refused"
