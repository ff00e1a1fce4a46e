#!/usr/bin/env bash
# regia sensors ends cleanly when one rank fails in any phase (REGIA_FAULT=PHASE:RANK, as
# tests/cli/test_waitlist_faults.sh for the waiting lists), the domain's own detail phase
# included: every rank exits with status 1 (no hang), the error printed once, nothing left
# under the output's names, the previous summary, detail and manifest intact.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, scipy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 or scipy"
/usr/bin/python3 "$REGIA_ROOT/tests/cli/sensors_fixture.py" "$D/store.h5" 2 4 60
printf '%s\n' '[job]' 'domain = sensors' 'output = s.nc' 'chunk = 2' '[input]' 'store = store.h5' '[records]' \
  'length = 60' '[welch]' 'nperseg = 256' '[ssi]' 'orders = 2:16:2' 'fmax = 12' '[novelty]' 'model = linear' \
  'training_days = 1' >"$D/s.ini"
run_np 3 sensors "$D/s.ini" >"$D/s0.log" 2>&1 || { cat "$D/s0.log"; fail "reference run"; }
h=$(sha256sum <"$D/s.nc"); hd=$(sha256sum <"$D/s_detail.h5"); mh=$(sha256sum <"$D/s.manifest.json")
phases=(configure index allocate read backend prepare checkpoint compute create define write detail manifest commit)
n=0 i=0
for ph in "${phases[@]}" compute:'*'; do
  r=$((i % 3)); i=$((i + 1))
  [[ $ph == *:* ]] && { r=${ph#*:}; ph=${ph%%:*}; }
  rc=0
  out=$(REGIA_FAULT="$ph:$r" timeout 120 mpirun -np 3 --oversubscribe "$REGIA" sensors "$D/s.ini" 2>&1) || rc=$?
  ((rc != 124 && rc != 137)) || fail "$ph:$r: still running after 120 s (a hang)"
  ((rc == 1)) || { echo "$out"; fail "$ph:$r: exit status $rc, expected 1"; }
  want=$r; [[ $r == '*' ]] && want=0
  grep -q "fault injected at $ph on rank $want" <<<"$out" || { echo "$out"; fail "$ph:$r: no error message"; }
  (( $(grep -c "fault injected" <<<"$out") == 1 )) || { echo "$out"; fail "$ph:$r: the error is printed more than once"; }
  [[ $(sha256sum <"$D/s.nc") == "$h" && $(sha256sum <"$D/s_detail.h5") == "$hd" && $(sha256sum <"$D/s.manifest.json") == "$mh" ]] ||
    fail "$ph:$r: the previous output, detail or manifest was changed"
  left=$(find "$D" -maxdepth 1 -name "s*tmp*" | head -3)
  [[ -z $left ]] || fail "$ph:$r: left behind: $left"
  n=$((n + 1))
done
echo "ok: $n runs of regia sensors at 3 ranks with a failing rank (${#phases[@]} phases, and every rank at compute): all ended with the error once, nothing left behind, the previous outputs intact"
