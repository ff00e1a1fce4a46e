#!/usr/bin/env bash
# CF-1.10 and ACDD-1.3 compliance of the regia evt outputs (--block none with --units; yearly
# and monthly blocks without units), checked by cf_check (tests/cli/lib.sh) as
# tests/cli/test_cf_compliance.sh: the IOOS compliance-checker (suites cf:1.10 and
# acdd:1.3, -c strict) from build/cf-venv, the accepted findings (kind evt) in
# tests/reference/cf_report.py.  Then ncdump -h reads the files, the block outputs are
# timeSeries with a time axis and the --block none output is no discrete sampling
# geometry, xarray selects return levels by series and return period, and `cdo sinfo`
# reads every output without a warning (`cdo showname` lists the main variables).
source "$(dirname "$0")/lib.sh"
cf_checker_find
command -v ncdump >/dev/null || fail "ncdump not found: install the test packages (scripts/install-deps.sh test)"
REF=$REGIA_ROOT/tests/reference/gev_series.csv
"$REGIA" evt --input "$REF" --output "$TMP/none.nc" --block none --units m -q || fail "regia evt --block none"
/usr/bin/python3 - "$TMP/daily.csv" <<'PY'
import datetime, random, sys
r = random.Random(3)
with open(sys.argv[1], "w") as f:
    f.write("series_id,time,value\n")
    for sid in ("a", "b"):
        d = datetime.datetime(2001, 1, 1)
        while d.year < 2016:
            f.write(f"{sid},{d.isoformat()}Z,{r.gauss(0, 1):.4f}\n")
            d += datetime.timedelta(hours=7)
PY
"$REGIA" evt --input "$TMP/daily.csv" --output "$TMP/year.nc" -q || fail "regia evt --block year"
"$REGIA" evt --input "$TMP/daily.csv" --output "$TMP/month.nc" --block month --return-periods 12,120 --units 'm s-2' -q ||
  fail "regia evt --block month"
failed=()
for f in "$TMP/none.nc" "$TMP/year.nc" "$TMP/month.nc"; do
  b=$(basename "$f")
  echo "--- cf:1.10 + acdd:1.3: $b (regia evt)"
  if cf_check "$f" evt; then echo "ok: no CF-1.10 errors and no unaccepted ACDD-1.3 high-priority findings in $b"
  else failed+=("$b: CF-1.10 errors or ACDD-1.3 high-priority findings (ERROR/FATAL lines above)"); fi
  ncdump -h "$f" >"$TMP/$b.cdl" || fail "ncdump -h $b"
  for a in ':Conventions = "CF-1.10, ACDD-1.3" ;' ':standard_name_vocabulary = "CF Standard Name Table v93" ;' \
           ':time_coverage_start = ' ':license = ' 'series_id:cf_role = "timeseries_id" ;' 'fit_status:flag_meanings'; do
    grep -qF -- "$a" "$TMP/$b.cdl" || failed+=("$b: no attribute $a")
  done
done
# CDO 2.1 reads every output without a warning, with the main variables
command -v cdo >/dev/null || fail "cdo not found: install the test packages (scripts/install-deps.sh test)"
for f in "$TMP/none.nc" "$TMP/year.nc" "$TMP/month.nc"; do
  b=$(basename "$f")
  cdo sinfo "$f" >"$TMP/$b.cdo" 2>&1 || failed+=("$b: cdo sinfo cannot read it: $(tail -3 "$TMP/$b.cdo")")
  if grep -i warn "$TMP/$b.cdo"; then failed+=("$b: cdo sinfo warns (above)"); fi
  names=$(cdo -s showname "$f" 2>&1)
  for v in location scale shape return_level return_level_upper block_start fit_status; do
    grep -qw "$v" <<<"$names" || failed+=("$b: cdo showname does not list $v: $names")
  done
  [[ $b == none.nc ]] || grep -qw block_maximum <<<"$names" || failed+=("$b: cdo showname does not list block_maximum")
done
grep -qF ':featureType = "timeSeries" ;' "$TMP/year.nc.cdl" || failed+=("year.nc: not a timeSeries")
grep -qF 'time = 15 ;' "$TMP/year.nc.cdl" || failed+=("year.nc: no time axis of 15 years")
grep -qF 'time = 180 ;' "$TMP/month.nc.cdl" || failed+=("month.nc: no time axis of 180 months")
grep -qF ':featureType' "$TMP/none.nc.cdl" && failed+=("none.nc: has a featureType, but no block axis")
grep -qF 'return_level:units = "m s-2" ;' "$TMP/month.nc.cdl" || failed+=("month.nc: --units not on return_level")
/usr/bin/python3 - "$TMP/none.nc" <<'PY' || failed+=("none.nc: xarray cannot select by series and return period")
import sys, xarray as xr
ds = xr.open_dataset(sys.argv[1])
ids = [s.decode() if isinstance(s, bytes) else str(s) for s in ds["series_id"].values]
ds = ds.assign_coords(series_id=("series", ids)).swap_dims({"series": "series_id"})
z = float(ds["return_level"].sel(series_id="portpirie", return_period=100.0))
assert abs(z - 4.6884) < 1e-3 and ds["return_level"].attrs["units"] == "m", z
print(f"ok: xarray: 100-year return level at Port Pirie {z:.4f} m")
PY
if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  fail "${#failed[@]} problem(s): ${failed[*]}"
fi
echo "ok: regia evt outputs are CF-1.10 clean and ACDD-1.3 complete (accepted findings above)"
