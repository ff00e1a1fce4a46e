#!/usr/bin/env bash
# regia's test runner: runs every unit-test program (build/tests/test_*) and every
# command-line test script (tests/cli/*.sh), found by name, never by a list.
#   exit 0 = pass, 77 = skipped (the test says why), anything else = fail.
# Ends with one line "N passed, N failed, N skipped"; exit status 1 on any failure.
# Environment: REGIA (the binary), BUILD (build dir), TESTS=pattern to run a subset,
#              TEST_TIMEOUT seconds per test (default 900).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${BUILD:=$root/build}" "${REGIA:=$BUILD/regia}" "${TEST_TIMEOUT:=900}"
export REGIA BUILD REGIA_ROOT=$root
logdir=$BUILD/test-logs
rm -rf "$logdir"; mkdir -p "$logdir"
pass=0 fail=0 skip=0 failed=()
tests=()
for t in "$BUILD"/tests/test_*; do [[ -x $t ]] && tests+=("$t"); done
for t in "$here"/cli/*.sh; do [[ -f $t && $(basename "$t") != lib.sh ]] && tests+=("$t"); done
if ((${#tests[@]} == 0)); then
  echo "no tests found under $BUILD/tests or $here/cli" >&2
  echo "0 passed, 1 failed, 0 skipped"; exit 1
fi
for t in "${tests[@]}"; do
  name=$(basename "$t"); name=${name%.sh}
  [[ -n ${TESTS:-} && ! $name =~ $TESTS ]] && continue
  log=$logdir/$name.log
  start=$(date +%s)
  if [[ $t == *.sh ]]; then timeout "$TEST_TIMEOUT" bash "$t" >"$log" 2>&1 </dev/null
  else (cd "$root" && timeout "$TEST_TIMEOUT" "$t") >"$log" 2>&1 </dev/null; fi
  rc=$?
  secs=$(( $(date +%s) - start ))
  case $rc in
    0)  pass=$((pass+1)); printf 'PASS  %-40s %4ds\n' "$name" "$secs" ;;
    77) skip=$((skip+1)); printf 'SKIP  %-40s %s\n' "$name" "$(grep -m1 '^skipped:' "$log" | cut -c10-)" ;;
    *)  fail=$((fail+1)); failed+=("$name"); printf 'FAIL  %-40s %4ds (exit %d, log %s)\n' "$name" "$secs" "$rc" "$log"
        tail -n 15 "$log" | sed 's/^/      | /' ;;
  esac
done
((fail)) && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
