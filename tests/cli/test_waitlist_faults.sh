#!/usr/bin/env bash
# regia waitlist ends cleanly when one rank fails in any phase (REGIA_FAULT=PHASE:RANK, as
# tests/cli/test_run_faults.sh for env and forecast), the domain's own read-bookings phase
# included: every rank exits with status 1 (no hang), the error printed once, nothing left
# under the output's names, the previous output and manifest intact.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4"
/usr/bin/python3 "$REGIA_ROOT/tests/cli/waitlist_fixture.py" "$D/bookings.nc" 20
printf '%s\n' 'provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to' \
  'PR1,Ospedale,AG1,89.7A.3,D1,40,12345,2024-01-01,' 'PR1,Ospedale,AG2,89.13,D2,30,12345,2024-01-01,' \
  'PR1,Ospedale,AG3,87.41,D3,20,135,2024-01-01,' >"$D/agendas.csv"
printf '%s\n' '[job]' 'domain = waitlist' 'output = wl.nc' 'chunk = 1' '[waitlist]' 'input = bookings.nc' \
  'agendas = agendas.csv' 'as_of = 2025-04-01' '[privacy]' 'k = 5' '[risk]' 'paths = 50' 'weeks = 2' >"$D/wl.ini"
run_np 3 waitlist "$D/wl.ini" >"$D/wl0.log" 2>&1 || { cat "$D/wl0.log"; fail "reference run"; }
h=$(sha256sum <"$D/wl.nc"); mh=$(sha256sum <"$D/wl.manifest.json"); xh=$(sha256sum <"$D/wl.monthly.nc")
# monthly: the write of the monthly file (run->extra[0], role monthly), after the output's
phases=(configure index allocate read read-bookings backend prepare checkpoint compute create define write monthly manifest commit)
n=0 i=0
for ph in "${phases[@]}" compute:'*'; do
  r=$((i % 3)); i=$((i + 1))
  [[ $ph == *:* ]] && { r=${ph#*:}; ph=${ph%%:*}; }
  rc=0
  out=$(REGIA_FAULT="$ph:$r" timeout 120 mpirun -np 3 --oversubscribe "$REGIA" waitlist "$D/wl.ini" 2>&1) || rc=$?
  ((rc != 124 && rc != 137)) || fail "$ph:$r: still running after 120 s (a hang)"
  ((rc == 1)) || { echo "$out"; fail "$ph:$r: exit status $rc, expected 1"; }
  want=$r; [[ $r == '*' ]] && want=0
  grep -q "fault injected at $ph on rank $want" <<<"$out" || { echo "$out"; fail "$ph:$r: no error message"; }
  (( $(grep -c "fault injected" <<<"$out") == 1 )) || { echo "$out"; fail "$ph:$r: the error is printed more than once"; }
  [[ $(sha256sum <"$D/wl.nc") == "$h" && $(sha256sum <"$D/wl.manifest.json") == "$mh" &&
     $(sha256sum <"$D/wl.monthly.nc") == "$xh" ]] ||
    fail "$ph:$r: the previous output or manifest was changed"
  left=$(find "$D" -maxdepth 1 -name "wl.*tmp*" | head -3)
  [[ -z $left ]] || fail "$ph:$r: left behind: $left"
  n=$((n + 1))
done
echo "ok: $n runs of regia waitlist at 3 ranks with a failing rank (${#phases[@]} phases, and every rank at compute): all ended with the error once, nothing left behind, the previous output intact"
