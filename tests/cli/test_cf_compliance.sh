#!/usr/bin/env bash
# CF-1.10 compliance of both NetCDF products, checked by a real checker: the IOOS
# compliance-checker (cf:1.10 suite), installed by scripts/install-cf-checker.sh into
# build/cf-venv.  Any ERROR-level finding (the checker's "high priority": a CF "shall")
# or a check that crashed (FATAL) fails the test; WARN (medium) and NOTE (low) findings are
# printed.  The checker runs offline (bundled standard-name table and UDUNITS-2).
# Then CDO must open both files and ncdump -h must read them.
source "$(dirname "$0")/lib.sh"

# --- the checker ---------------------------------------------------------------------
install_hint="install it with scripts/install-cf-checker.sh (as root; as another user it prints the commands)"
cc=
for c in "${REGIA_CF_CHECKER:-}" "${BUILD:-$REGIA_ROOT/build}/cf-venv/bin/compliance-checker" \
         "$REGIA_ROOT/build/cf-venv/bin/compliance-checker" "$(command -v compliance-checker || true)"; do
  [[ -n $c && -x $c ]] || continue
  [[ $("$c" -l 2>/dev/null) == *"cf:1.10"* ]] && { cc=$c; break; }
done
[[ -n $cc ]] || skip "no CF checker with a cf:1.10 suite (IOOS compliance-checker); $install_hint"
py=$(dirname "$cc")/python; [[ -x $py ]] || py=python3
echo "checker: $cc ($("$py" -c 'import importlib.metadata as m; print("compliance-checker", m.version("compliance-checker"))' 2>/dev/null || echo '?'))"
command -v cdo >/dev/null || fail "cdo not found: install the test packages (scripts/install-deps.sh test)"
command -v ncdump >/dev/null || fail "ncdump not found: install the test packages (scripts/install-deps.sh test)"

# cf_check FILE: run the cf:1.10 suite; print every finding as ERROR/WARN/NOTE; exit status
# 0 clean, 1 some ERROR or FATAL.
cf_check() {
  local f=$1 b; b=$(basename "$1")
  local json=$TMP/cf_$b.json err=$TMP/cf_$b.err rc=0
  rm -f "$json"
  "$cc" -t cf:1.10 -f json_new -o "$json" "$f" 2>"$err" || rc=$?
  grep -v '^Running Compliance Checker' "$err" | sed "s|^|  checker stderr ($b): |" || true
  "$py" - "$json" "$b" "$rc" <<'PY'
import json, sys
path, name, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
except (OSError, ValueError) as e:
    print(f"FATAL {name}: the checker wrote no report ({e}); exit status {rc}")
    sys.exit(1)
bad = 0
if rc == 2:  # a check raised an exception: that part of the file went unchecked
    print(f"FATAL {name}: some checks crashed (see the checker's stderr above)")
    bad = 1
reports = [r for ds in doc.values() for suite, r in ds.items() if suite == "cf:1.10"]
if not reports or not reports[0].get("possible_points"):
    print(f"FATAL {name}: no cf:1.10 results in the report")
    sys.exit(1)
r = reports[0]
for key, level in (("high_priorities", "ERROR"), ("medium_priorities", "WARN "), ("low_priorities", "NOTE ")):
    for check in r.get(key, []):
        for msg in check.get("msgs", []):
            print(f"{level} {name}: {check['name']}: {msg}")
            bad |= level == "ERROR"
print(f"{name}: cf:1.10 score {r['scored_points']}/{r['possible_points']}, "
      f"{r['high_count']} error, {r['medium_count']} warning, {r['low_count']} note groups")
sys.exit(bad)
PY
}

# --- the checker must be able to fail: a tiny file with a unit UDUNITS does not know ------
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
if out=$(cf_check "$TMP/canary.nc"); then
  echo "$out"; fail "the checker reports no ERROR on a file with an unknown unit: it cannot catch errors"
fi
grep -q '^ERROR canary.nc: .*furlongs per fortnight or 1.*UDUNITS' <<<"$out" ||
  { echo "$out"; fail "canary: expected an ERROR naming the bad unit"; }
echo "ok: the checker flags a bad unit: $(grep -m1 '^ERROR' <<<"$out")"

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
[[ -f $TMP/in.nc && -f $TMP/out.nc ]] || fail "outputs missing"

failed=()
for f in "$TMP/in.nc" "$TMP/out.nc"; do
  echo "--- cf:1.10 $(basename "$f")"
  if cf_check "$f"; then echo "ok: no CF-1.10 errors in $(basename "$f")"
  else failed+=("$(basename "$f"): CF-1.10 errors (ERROR/FATAL lines above)"); fi
done

# --- other readers: ncdump -h, CDO ------------------------------------------------------
for f in "$TMP/in.nc" "$TMP/out.nc"; do
  b=$(basename "$f")
  ncdump -h "$f" >"$TMP/$b.cdl" || fail "ncdump -h $b"
  grep -q 'Conventions = "CF-1.10' "$TMP/$b.cdl" || fail "$b: no CF-1.10 Conventions attribute"
  # CDO is grid-oriented: it cannot open a discrete-sampling-geometry station file whose
  # time axis is not the first dimension (the ingest file: station x time, as CF prefers);
  # it opens the driver's output but sees only its 1-D time variables.  Checked on the output.
  [[ $b == in.nc ]] && { echo "note: CDO does not read station (DSG) files such as $b; not checked"; continue; }
  rc=0; cdo -s sinfon "$f" >"$TMP/$b.cdo" 2>&1 || rc=$?
  if ((rc != 0)) || grep -Eq 'Open failed|^ *Error' "$TMP/$b.cdo"; then
    sed 's/^/  cdo: /' "$TMP/$b.cdo"
    failed+=("$b: cdo sinfon cannot open it (exit $rc)")
    continue
  fi
  names=$(cdo -s showname "$f" 2>/dev/null) || fail "cdo showname $b"
  echo "ok: cdo sinfon opens $b; variables CDO sees:$names"
done
if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  fail "${#failed[@]} problem(s): ${failed[*]}"
fi
echo "ok: both files are CF-1.10 clean, and ncdump -h and cdo read them"
