#!/usr/bin/env bash
# CF-1.10 and ACDD-1.3 compliance of every NetCDF product (regia ingest env, regia env,
# regia forecast), checked by a real checker: the IOOS compliance-checker (suites cf:1.10
# and acdd:1.3), installed by scripts/install-cf-checker.sh into build/cf-venv.
#
# Runs with -c strict so that the ACDD "Suggested" tier is reported too.
# Fails on: any CF ERROR (the checker's "high priority": a CF "shall"), any ACDD "Highly
# Recommended" finding not in the ACCEPT list of tests/reference/cf_report.py, or a check
# that crashed (FATAL).
# Prints: every other finding (WARN = medium / ACDD "Recommended", NOTE = low /
# "Suggested") and the accepted ones (ACCEPT, with the reason).  The ACCEPT list holds the
# only HR findings that honest metadata cannot remove: variables for which the CF standard
# name table has no name (probabilities, day counts, ETS parameters, bookkeeping), and the
# units of values whose unit the input does not state.  Any other variable missing
# standard_name, units, long_name or coverage_content_type fails the test.
#
# The checker runs offline: the files name the bundled standard-name table
# (standard_name_vocabulary "CF Standard Name Table v93") and cf-units bundles UDUNITS-2.
# Then CDO must open the env output and ncdump -h must read all three files, and the site
# settings (REGIA_CREATOR_*, REGIA_PUBLISHER_*, REGIA_INSTITUTION, REGIA_LICENSE) must
# reach the attributes.
source "$(dirname "$0")/lib.sh"

# --- the checker (cf_checker_find, cf_check: tests/cli/lib.sh) -----------------------
cf_checker_find
command -v cdo >/dev/null || fail "cdo not found: install the test packages (scripts/install-deps.sh test)"
command -v ncdump >/dev/null || fail "ncdump not found: install the test packages (scripts/install-deps.sh test)"

# --- the checker must be able to fail: a unit UDUNITS does not know, no ACDD metadata ---
cat >"$TMP/canary.cdl" <<'CDL'
netcdf canary {
dimensions:
	time = 2 ;
variables:
	double time(time) ;
		time:standard_name = "time" ;
		time:units = "days since 2023-01-01" ;
	float x(time) ;
		x:long_name = "x" ;
		x:units = "furlongs per fortnight or 1" ;
// global attributes:
		:Conventions = "CF-1.10" ;
data:
 time = 0, 1 ;
 x = 1, 2 ;
}
CDL
ncgen -4 -o "$TMP/canary.nc" "$TMP/canary.cdl" || fail "ncgen canary"
if out=$(cf_check "$TMP/canary.nc" canary); then
  echo "$out"; fail "the checker reports no ERROR on a file with an unknown unit and no ACDD metadata: it cannot catch errors"
fi
grep -q '^ERROR canary.nc cf:1.10: .*furlongs per fortnight or 1.*UDUNITS' <<<"$out" ||
  { echo "$out"; fail "canary: expected a CF ERROR naming the bad unit"; }
grep -q '^ERROR canary.nc acdd:1.3: Global Attributes: title not present' <<<"$out" ||
  { echo "$out"; fail "canary: expected an ACDD ERROR for the missing title"; }
grep -q '^ERROR canary.nc acdd:1.3: .*"x".*coverage_content_type' <<<"$out" ||
  { echo "$out"; fail "canary: expected an ACDD ERROR for x's missing coverage_content_type"; }
echo "ok: the checker flags a bad unit and missing ACDD metadata: $(grep -m1 '^ERROR .*cf:1.10' <<<"$out")"

# --- the products ------------------------------------------------------------------------
D=$TMP/d
run_np 1 gen env --stations 3 --years 1 --seed 5 --end-date 2023-09-30 --output-dir "$D"
run_np 2 ingest env --registry "$D/sensors.csv" --data "$D/measurements.csv" --output "$TMP/in.nc"
cat >"$TMP/job.ini" <<'INI'
# regia env: CF compliance test job.  Paths are relative to this file.
[job]
name = cf-compliance
output = out.nc
seed = 5

[input]
file = in.nc
as_of = 2023-09-30

[analysis]
pollutants = pm10, no2, o3
horizon = 7
history_days = 200
paths = 200
INI
run_np 2 env "$TMP/job.ini"
"$REGIA" forecast --input "$REGIA_ROOT/examples/forecast_demo.csv" --season 7 --horizon 14 --backtest 2 --output "$TMP/fc.nc"
[[ -f $TMP/in.nc && -f $TMP/out.nc && -f $TMP/fc.nc ]] || fail "outputs missing"
# regia waitlist on the hand-worked bookings of test_waitlist.sh (a grid of health-service
# statistics: no featureType, cdm_data_type Grid)
/usr/bin/python3 "$REGIA_ROOT/tests/cli/waitlist_fixture.py" "$TMP/wl_bookings.nc" 60 ||
  fail "tests/cli/waitlist_fixture.py (needs /usr/bin/python3 with netCDF4)"
printf '%s\n' 'provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to' \
  'PR1,Ospedale,AG1,89.7A.3,D1,40,12345,2024-01-01,' 'PR1,Ospedale,AG2,89.13,D2,30,12345,2024-01-01,' \
  'PR1,Ospedale,AG3,87.41,D3,20,135,2024-01-01,' >"$TMP/wl_agendas.csv"
printf '%s\n' '[job]' 'domain = waitlist' 'output = wl.nc' '[waitlist]' 'input = wl_bookings.nc' \
  'agendas = wl_agendas.csv' 'as_of = 2025-04-01' '[privacy]' 'k = 5' '[risk]' 'paths = 100' >"$TMP/wl.ini"
run_np 2 waitlist "$TMP/wl.ini" || fail "regia waitlist"
ncdump -h "$TMP/wl.nc" >"$TMP/wl.nc.cdl" || fail "ncdump -h wl.nc"
grep -qF ':cdm_data_type = "Grid" ;' "$TMP/wl.nc.cdl" && ! grep -qF ':featureType' "$TMP/wl.nc.cdl" ||
  fail "wl.nc: expected cdm_data_type Grid and no featureType"
for a in ':Conventions = "CF-1.10, ACDD-1.3" ;' ':clock_start = "contact" ;' ':time_coverage_resolution = "P7D" ;'; do
  grep -qF -- "$a" "$TMP/wl.nc.cdl" || fail "wl.nc: no global attribute $a"
done

failed=()
for kf in ingest:"$TMP/in.nc" env:"$TMP/out.nc" env:"$TMP/out.model.nc" forecast:"$TMP/fc.nc" forecast:"$TMP/fc.model.nc" waitlist:"$TMP/wl.nc" waitlist:"$TMP/wl.monthly.nc"; do
  kind=${kf%%:*} f=${kf#*:}
  echo "--- cf:1.10 + acdd:1.3: $(basename "$f") (regia $kind)"
  if cf_check "$f" "$kind"; then echo "ok: no CF-1.10 errors and no unaccepted ACDD-1.3 high-priority findings in $(basename "$f")"
  else failed+=("$(basename "$f"): CF-1.10 errors or ACDD-1.3 high-priority findings (ERROR/FATAL lines above)"); fi
done

# --- other readers: ncdump -h, CDO; the attributes every file has --------------------------
for f in "$TMP/in.nc" "$TMP/out.nc" "$TMP/fc.nc"; do
  b=$(basename "$f")
  ncdump -h "$f" >"$TMP/$b.cdl" || fail "ncdump -h $b"
  for a in ':Conventions = "CF-1.10, ACDD-1.3" ;' ':standard_name_vocabulary = "CF Standard Name Table v93" ;' \
           ':featureType = "timeSeries" ;' ':cdm_data_type = "Station" ;' ':creator_email = ' ':publisher_url = ' \
           ':license = ' ':institution = ' ':time_coverage_duration = "P' ':date_issued = '; do
    grep -qF -- "$a" "$TMP/$b.cdl" || failed+=("$b: no global attribute $a")
  done
  # every array with a time dimension has it first (issue 12): CDO opens all three files
  # (test_ingest_cdo, test_env_layout and the forecast tests check that it warns of nothing)
  rc=0; cdo -s sinfon "$f" >"$TMP/$b.cdo" 2>&1 || rc=$?
  if ((rc != 0)) || grep -Eq 'Open failed|^ *Error' "$TMP/$b.cdo"; then
    sed 's/^/  cdo: /' "$TMP/$b.cdo"
    failed+=("$b: cdo sinfon cannot open it (exit $rc)")
    continue
  fi
  names=$(cdo -s showname "$f" 2>/dev/null) || fail "cdo showname $b"
  echo "ok: cdo sinfon opens $b; variables CDO sees:$names"
done
grep -qF ':geospatial_bounds = "POLYGON ((' "$TMP/in.nc.cdl" || failed+=("in.nc: no geospatial_bounds polygon")
grep -qF ':time_coverage_resolution = "P1D" ;' "$TMP/fc.nc.cdl" || failed+=("fc.nc: time_coverage_resolution is not P1D")

# --- site settings reach the attributes; publisher values default to the creator's ------
REGIA_CREATOR_NAME="Test Office" REGIA_CREATOR_EMAIL=aq@example.org REGIA_CREATOR_URL=https://example.org/aq \
REGIA_PUBLISHER_NAME="Test Portal" REGIA_INSTITUTION="Test Agency" REGIA_LICENSE="CC-BY-4.0" \
  "$REGIA" forecast --input "$REGIA_ROOT/examples/forecast_demo.csv" --season 7 --horizon 14 --backtest 2 --output "$TMP/site.nc"
ncdump -h "$TMP/site.nc" >"$TMP/site.cdl" || fail "ncdump -h site.nc"
for a in ':creator_name = "Test Office" ;' ':creator_email = "aq@example.org" ;' ':creator_url = "https://example.org/aq" ;' \
         ':publisher_name = "Test Portal" ;' ':publisher_email = "aq@example.org" ;' ':publisher_url = "https://example.org/aq" ;' \
         ':institution = "Test Agency" ;' ':creator_institution = "Test Agency" ;' ':license = "CC-BY-4.0" ;'; do
  grep -qF -- "$a" "$TMP/site.cdl" || failed+=("site settings: site.nc lacks $a")
done
cmp -s <(ncdump "$TMP/fc.nc" | sed -n '/^data:/,$p') <(ncdump "$TMP/site.nc" | sed -n '/^data:/,$p') ||
  failed+=("site settings changed the data")
echo "ok: REGIA_CREATOR_*, REGIA_PUBLISHER_*, REGIA_INSTITUTION and REGIA_LICENSE reach the attributes"

if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  fail "${#failed[@]} problem(s): ${failed[*]}"
fi
echo "ok: ingest, env, forecast and waitlist outputs are CF-1.10 clean and ACDD-1.3 complete (accepted findings above); ncdump -h and cdo read them"
