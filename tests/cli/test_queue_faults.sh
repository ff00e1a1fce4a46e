#!/usr/bin/env bash
# regia queue ends cleanly when one rank fails in any phase of the run protocol
# (REGIA_FAULT=PHASE:RANK, drivers/run.c) and in its own CSV-summary step (phase
# "summary"): at 3 ranks every rank exits within a time limit with status 1 and the
# injected error printed once, nothing is left under the output's names (no temporary
# NetCDF, CSV or manifest, no checkpoint directory), and the previous output, CSV and
# manifest under the same names survive.
source "$(dirname "$0")/lib.sh"
D=$TMP
args=(queue --classes U,B --rates 1,2 --servers 4 --service-mean 1 --customers 5000 --reps 6 --chunk 2 --t 1
      --output "$D/q.nc")
run_np 3 "${args[@]}" >"$D/ref.log" 2>&1 || { cat "$D/ref.log"; fail "reference run"; }
h=$(sha256sum "$D/q.nc" "$D/q.csv" "$D/q.manifest.json")
phases=(configure index allocate read backend prepare checkpoint compute create define write close summary manifest commit)
n=0
for ph in "${phases[@]}" 'compute:*'; do
  if [[ $ph == *:* ]]; then spec=$ph want=0; else r=$((n % 3)); spec="$ph:$r" want=$r; fi
  p=${spec%%:*} rc=0
  out=$(REGIA_FAULT="$spec" timeout 120 mpirun -np 3 --oversubscribe "$REGIA" "${args[@]}" 2>&1) || rc=$?
  ((rc != 124 && rc != 137)) || fail "$spec: still running after 120 s (a hang)"
  ((rc == 1)) || { echo "$out"; fail "$spec: exit status $rc, expected 1"; }
  grep -q "fault injected at $p on rank $want " <<<"$out" || { echo "$out"; fail "$spec: no error message"; }
  (( $(grep -c "fault injected" <<<"$out") == 1 )) || { echo "$out"; fail "$spec: the error is printed more than once"; }
  [[ $(sha256sum "$D/q.nc" "$D/q.csv" "$D/q.manifest.json") == "$h" ]] || fail "$spec: the previous output, CSV or manifest changed"
  left=$(cd "$D" && ls -d q.* | grep -v -x -e q.nc -e q.csv -e q.manifest.json -e q.products || true)
  [[ -z $left ]] || fail "$spec: left behind: $left"
  n=$((n + 1))
done
echo "ok: $n runs with a failing rank (${#phases[@]} phases at 3 ranks, and every rank at once): all ranks ended with the error once, nothing left behind, the previous output intact"
