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
