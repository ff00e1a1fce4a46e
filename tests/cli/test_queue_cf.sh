#!/usr/bin/env bash
# CF-1.10 and ACDD-1.3 compliance of the regia queue outputs (Poisson arrivals with
# thresholds and quantiles; a trace on a weekly schedule with lognormal service), checked by
# the same checker invocation as tests/cli/test_cf_compliance.sh: the IOOS
# compliance-checker (suites cf:1.10 and acdd:1.3, -c strict) from build/cf-venv
# (REGIA_CF_CHECKER may point to it), installed by scripts/install-cf-checker.sh.
# Fails on any CF ERROR, any ACDD "Highly Recommended" finding not in the queue ACCEPT list
# (variables for which the CF standard name table has no name), or a crashed check.  Then
# ncdump -h reads the files, the outputs carry no featureType (they are no discrete
# sampling geometry) and no calendar time coverage (simulated model time), and xarray opens
# them with the classes selectable by name.
source "$(dirname "$0")/lib.sh"

# --- the checker ---------------------------------------------------------------------
install_hint="install it with scripts/install-cf-checker.sh (as root; as another user it prints the commands)"
cc=
for c in "${REGIA_CF_CHECKER:-}" "${BUILD:-$REGIA_ROOT/build}/cf-venv/bin/compliance-checker" \
         "$REGIA_ROOT/build/cf-venv/bin/compliance-checker" "$(command -v compliance-checker || true)"; do
  [[ -n $c && -x $c ]] || continue
  suites=$("$c" -l 2>/dev/null) || continue
  [[ $suites == *"cf:1.10"* && $suites == *"acdd:1.3"* ]] && { cc=$c; break; }
done
[[ -n $cc ]] || skip "no checker with cf:1.10 and acdd:1.3 suites (IOOS compliance-checker); $install_hint"
py=$(dirname "$cc")/python; [[ -x $py ]] || py=python3
echo "checker: $cc ($("$py" -c 'import importlib.metadata as m; print("compliance-checker", m.version("compliance-checker"))' 2>/dev/null || echo '?'))"
command -v cdo >/dev/null || fail "cdo not found: install the test packages (scripts/install-deps.sh test)"
command -v ncdump >/dev/null || fail "ncdump not found: install the test packages (scripts/install-deps.sh test)"

# check FILE KIND: run cf:1.10 and acdd:1.3 on FILE; print every finding as ERROR / ACCEPT /
# WARN / NOTE; exit status 0 clean, 1 some ERROR or FATAL.  KIND (ingest, env, forecast,
# canary) selects the accepted ACDD findings.
check() {
  local f=$1 kind=$2 b; b=$(basename "$1")
  local json=$TMP/cc_$b.json err=$TMP/cc_$b.err rc=0
  rm -f "$json"
  "$cc" -c strict -t cf:1.10 -t acdd:1.3 -f json_new -o "$json" "$f" 2>"$err" || rc=$?
  grep -Ev '^(Running Compliance Checker|Using packaged standard name table)' "$err" | sed "s|^|  checker stderr ($b): |" || true
  if [[ $kind != canary ]] && ! grep -q '^Using packaged standard name table' "$err"; then
    echo "NOTE  $b: the checker did not use its packaged standard-name table (standard_name_vocabulary?)"
  fi
  "$py" - "$json" "$b" "$kind" "$rc" <<'PY'
import json, re, sys
path, name, kind, rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
P = r"(pm10|pm2p5|no2|o3|so2)_"
# ACDD "Highly Recommended" findings that honest metadata cannot remove:
# (variable regex, missing attribute, reason)
ACCEPT = {
    "queue": [
        (r"wait_(mean|mean_se|sd|quantile|quantile_se)|replication_wait_mean", "standard_name",
         "the CF standard name table (v93) has no name for a waiting time in a queue"),
        (r"p_wait(_se|_gt|_gt_se)?", "standard_name",
         "the CF standard name table has no name for a probability of waiting"),
        (r"customers|unserved|replications_counted|replication_customers", "standard_name",
         "counts of simulated customers and replications: no CF standard name"),
        (r"arrival_rate|service_mean|service_cv|shift_end|shift_servers", "standard_name",
         "parameters of the queueing model (rates, service times, servers on duty): no CF standard name"),
    ],
}
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
reports = {suite: r for ds in doc.values() for suite, r in ds.items()}
accepted = {}
for suite in ("cf:1.10", "acdd:1.3"):
    r = reports.get(suite)
    if not r or not r.get("possible_points"):
        print(f"FATAL {name}: no {suite} results in the report")
        bad = 1
        continue
    n = {"ERROR": 0, "ACCEPT": 0, "WARN ": 0, "NOTE ": 0}
    for key, level in (("high_priorities", "ERROR"), ("medium_priorities", "WARN "), ("low_priorities", "NOTE ")):
        for check in r.get(key, []):
            for msg in check.get("msgs", []):
                lv = level
                if level == "ERROR" and suite == "acdd:1.3":
                    m = re.fullmatch(r'variable "(.+)" missing the following attributes:', check["name"])
                    for rx, attr, why in ACCEPT.get(kind, []):
                        if m and msg == attr and re.fullmatch(rx, m.group(1)):
                            accepted.setdefault((attr, why), []).append(m.group(1))
                            lv = "ACCEPT"
                            break
                n[lv] += 1
                if lv != "ACCEPT":
                    print(f"{lv} {name} {suite}: {check['name']}: {msg}")
                bad |= lv == "ERROR"
    print(f"{name}: {suite} score {r['scored_points']}/{r['possible_points']}; findings: {n['ERROR']} error, "
          f"{n['ACCEPT']} accepted high, {n['WARN ']} medium, {n['NOTE ']} low")
for (attr, why), names in accepted.items():
    print(f"ACCEPT {name} acdd:1.3: {attr} missing on {', '.join(names)}: {why}")
sys.exit(bad)
PY
}

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
  if check "$f" queue; then echo "ok: no CF-1.10 errors and no unaccepted ACDD-1.3 high-priority findings in $b"
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
if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  fail "${#failed[@]} problem(s): ${failed[*]}"
fi
echo "ok: regia queue outputs are CF-1.10 clean and ACDD-1.3 complete (accepted findings above)"
