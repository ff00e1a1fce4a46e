#!/usr/bin/env bash
# CF-1.10 and ACDD-1.3 compliance of the regia queue outputs (Poisson arrivals with
# thresholds and quantiles; a trace on a weekly schedule with lognormal service), checked by
# cf_check (tests/cli/lib.sh), as tests/cli/test_cf_compliance.sh: the IOOS
# compliance-checker (suites cf:1.10 and acdd:1.3, -c strict) from build/cf-venv
# (REGIA_CF_CHECKER may point to it), installed by scripts/install-cf-checker.sh; the
# accepted findings are in tests/reference/cf_report.py.
# Fails on any CF ERROR, any ACDD "Highly Recommended" finding not in the queue ACCEPT list
# (variables for which the CF standard name table has no name), or a crashed check.  Then
# ncdump -h reads the files, the outputs carry no featureType (they are no discrete
# sampling geometry) and no calendar time coverage (simulated model time), and xarray opens
# them with the classes selectable by name.
source "$(dirname "$0")/lib.sh"

# --- the checker (cf_checker_find, cf_check: tests/cli/lib.sh) -----------------------
cf_checker_find
command -v cdo >/dev/null || fail "cdo not found: install the test packages (scripts/install-deps.sh test)"
command -v ncdump >/dev/null || fail "ncdump not found: install the test packages (scripts/install-deps.sh test)"

# --- the products ----------------------------------------------------------------------------
"$REGIA" queue --classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 --customers 20000 --warmup 20 \
  --reps 4 --t 0.5,1,2 --output "$TMP/q.nc" -q
/usr/bin/python3 - >"$TMP/trace.csv" <<'PY'
import random
r, t = random.Random(1), 0.0
print("time,class")
for i in range(3000):
    t += r.expovariate(1.2)
    print(f"{t:.5f},{r.choice('ab')}")
PY
"$REGIA" queue --classes a,b --arrivals "$TMP/trace.csv" --schedule "Mon-Fri 08:00-18:00 x3, Sat 08:00-12:00 x2" \
  --service lognormal --service-mean 0.5 --service-cv 1.2 --reps 3 --time-unit hour --output "$TMP/qs.nc" -q
failed=()
for f in "$TMP/q.nc" "$TMP/qs.nc"; do
  b=$(basename "$f")
  echo "--- cf:1.10 + acdd:1.3: $b (regia queue)"
  if cf_check "$f" queue; then echo "ok: no CF-1.10 errors and no unaccepted ACDD-1.3 high-priority findings in $b"
  else failed+=("$b: CF-1.10 errors or ACDD-1.3 high-priority findings (ERROR/FATAL lines above)"); fi
  ncdump -h "$f" >"$TMP/$b.cdl" || fail "ncdump -h $b"
  for a in ':Conventions = "CF-1.10, ACDD-1.3" ;' ':standard_name_vocabulary = "CF Standard Name Table v93" ;' \
           ':creator_email = ' ':license = ' ':date_issued = ' ':queue_discipline = "non-preemptive priority" ;'; do
    grep -qF -- "$a" "$TMP/$b.cdl" || failed+=("$b: no global attribute $a")
  done
  for a in ':featureType' ':cdm_data_type' ':time_coverage_start'; do
    grep -qF -- "$a" "$TMP/$b.cdl" && failed+=("$b: has $a, but it is no DSG and has no calendar time")
  done
done
grep -q 'shift = ' "$TMP/qs.nc.cdl" || failed+=("qs.nc: no shift dimension")
/usr/bin/python3 - "$TMP/q.nc" <<'PY' || failed+=("q.nc: xarray cannot select the classes by name")
import sys, xarray as xr
ds = xr.open_dataset(sys.argv[1])
names = [n.decode() if isinstance(n, bytes) else str(n) for n in ds["class_name"].values]
assert names == ["U", "B", "D", "P"], names
ds = ds.assign_coords(class_name=("class", names)).swap_dims({"class": "class_name"})
p = ds["p_wait_gt"].sel(class_name="P", threshold=1.0).item()
m = ds["wait_mean"].sel(class_name="U").item()
assert 0 < p < 1 and 0 < m < 1 and ds["wait_mean"].attrs["units"] == "h"
print(f"ok: xarray: wait_mean(U) = {m:.4f} h, P(W > 1 | P) = {p:.4f}")
PY
for f in "$TMP/q.nc" "$TMP/qs.nc"; do  # CDO 2.1 reads them without a warning
  b=$(basename "$f")
  cdo sinfo "$f" >"$TMP/$b.cdo" 2>&1 || failed+=("$b: cdo sinfo cannot read it")
  if grep -i warn "$TMP/$b.cdo"; then failed+=("$b: cdo sinfo warns (above)"); fi
  names=$(cdo -s showname "$f" 2>&1)
  for v in wait_mean p_wait wait_quantile customers; do
    grep -qw "$v" <<<"$names" || failed+=("$b: cdo showname does not list $v: $names")
  done
done
if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  fail "${#failed[@]} problem(s): ${failed[*]}"
fi
echo "ok: regia queue outputs are CF-1.10 clean and ACDD-1.3 complete (accepted findings above)"
