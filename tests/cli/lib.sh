# Shared helpers for tests/cli/*.sh: sourced by each test, never run by itself
# (tests/run.sh skips lib.sh).
set -euo pipefail
: "${REGIA:?REGIA must point to the regia binary}" "${REGIA_ROOT:?}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export REGIA_PROGRESS_INTERVAL=${REGIA_PROGRESS_INTERVAL:-2}
# run_np N ARGS...: run regia on N ranks
run_np() { local n=$1; shift; mpirun -np "$n" --oversubscribe "$REGIA" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*" >&2; exit 77; }
# expect_fail "what" REGEX CMD...: CMD must exit non-zero and print REGEX on stderr/stdout
expect_fail() {
  local what=$1 re=$2; shift 2; local out rc=0
  out=$("$@" 2>&1) || rc=$?
  ((rc != 0)) || fail "$what: exit status 0, expected failure"
  grep -Eq -- "$re" <<<"$out" || fail "$what: message does not match /$re/: $out"
  echo "ok: $what -> $(grep -Em1 -- "$re" <<<"$out")"
}
TMP=$(mktemp -d /tmp/regia-test.XXXXXX)
trap "${KEEP_TMP:+:} rm -rf $TMP" EXIT
# umount_retry DIR: unmount a test's tmpfs; a rank that has just exited (or the launcher
# reaping it) can hold the mount for a moment, so retry for up to 10 s before failing.
umount_retry() {
  local i
  for i in $(seq 1 20); do umount "$1" 2>/dev/null && return 0; sleep 0.5; done
  umount "$1" || fail "cannot unmount $1: $(fuser -vm "$1" 2>&1 | tail -n +2)"
}
# cf_checker_find: set $cc to an IOOS compliance-checker with the cf:1.10 and acdd:1.3
# suites ($REGIA_CF_CHECKER, build/cf-venv from scripts/install-cf-checker.sh, or PATH) and
# $cc_py to its Python; skip the test (exit 77) when there is none.
cf_checker_find() {
  local c suites
  cc=
  for c in "${REGIA_CF_CHECKER:-}" "${BUILD:-$REGIA_ROOT/build}/cf-venv/bin/compliance-checker" \
           "$REGIA_ROOT/build/cf-venv/bin/compliance-checker" "$(command -v compliance-checker || true)"; do
    [[ -n $c && -x $c ]] || continue
    suites=$("$c" -l 2>/dev/null) || continue
    [[ $suites == *"cf:1.10"* && $suites == *"acdd:1.3"* ]] && { cc=$c; break; }
  done
  [[ -n $cc ]] || skip "no checker with cf:1.10 and acdd:1.3 suites (IOOS compliance-checker); install it with scripts/install-cf-checker.sh (as root; as another user it prints the commands)"
  cc_py=$(dirname "$cc")/python; [[ -x $cc_py ]] || cc_py=python3
  echo "checker: $cc ($("$cc_py" -c 'import importlib.metadata as m; print("compliance-checker", m.version("compliance-checker"))' 2>/dev/null || echo '?'))"
}
# cf_check FILE KIND: run cf:1.10 and acdd:1.3 (-c strict, so the ACDD "Suggested" tier is
# reported too) on FILE and print every finding (tests/reference/cf_report.py); exit status
# 0 clean, 1 on a CF ERROR, an ACDD high-priority finding not accepted for KIND (env,
# forecast, waitlist, queue ...; canary accepts nothing) or a crashed check.
cf_check() {
  local f=$1 kind=$2 b; b=$(basename "$1")
  local json=$TMP/cc_$b.json err=$TMP/cc_$b.err rc=0
  [[ -n ${cc:-} ]] || cf_checker_find
  rm -f "$json"
  "$cc" -c strict -t cf:1.10 -t acdd:1.3 -f json_new -o "$json" "$f" 2>"$err" || rc=$?
  grep -Ev '^(Running Compliance Checker|Using packaged standard name table)' "$err" | sed "s|^|  checker stderr ($b): |" || true
  if [[ $kind != canary ]] && ! grep -q '^Using packaged standard name table' "$err"; then
    echo "NOTE  $b: the checker did not use its packaged standard-name table (standard_name_vocabulary?)"
  fi
  "$cc_py" "$REGIA_ROOT/tests/reference/cf_report.py" "$json" "$b" "$kind" "$rc"
}
# nc_same A.nc B.nc: the two files have the same variables with identical values (NaN =
# NaN; attributes such as history and date_created are not compared); prints the count, or
# the variables that differ and returns 1.
nc_same() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, numpy as np, netCDF4
def load(p):
    with netCDF4.Dataset(p) as ds:
        ds.set_auto_mask(False)
        return {k: v[...] for k, v in ds.variables.items()}
a, b = load(sys.argv[1]), load(sys.argv[2])
bad = sorted(set(a) ^ set(b)) + [k for k in a if k in b and not np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f")]
if bad:
    print("differ:", ", ".join(bad)); sys.exit(1)
print(f"{len(a)} variables identical")
PY
}
# h5_same A B: every dataset of HDF5 file A (NetCDF-4 or plain HDF5, all groups) equals the
# one of the same name in B (NaN where NaN; attributes are not compared); prints the ones
# that differ and returns 1.
h5_same() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, numpy as np, h5py
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
bad = []
def walk(name, obj):
    if isinstance(obj, h5py.Dataset):
        x, y = obj[()], b[name][()]
        if x.dtype.kind == "f":
            ok = x.shape == y.shape and np.array_equal(np.isnan(x), np.isnan(y)) and np.array_equal(x[~np.isnan(x)], y[~np.isnan(y)])
        else:
            ok = np.array_equal(x, y)
        if not ok: bad.append(name)
a.visititems(walk)
if bad: print("differ:", bad); sys.exit(1)
PY
}
