#!/usr/bin/env bash
# regia waitlist checkpoints: a run stopped by SIGUSR1 at 2 ranks exits with status 3 and
# writes nothing under the output's names; the same job at 3 ranks restores the saved
# services instead of recomputing them and writes the same data as an uninterrupted run at
# 1 rank; the checkpoint directory is gone afterwards.  Bookings: tests/cli/waitlist_fixture.py
# with 10 services (one checkpoint block each).
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4"
data() { ncdump "$1" | sed -n '/^data:/,$p'; }
wait_file() { for _ in $(seq 1 2400); do compgen -G "$1" >/dev/null && return 0; sleep 0.05; done; return 1; }
/usr/bin/python3 "$REGIA_ROOT/tests/cli/waitlist_fixture.py" "$D/b.nc" 30 10
printf '%s\n' 'provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to' \
  'PR1,Ospedale,AG1,89.7A.3,D1,40,12345,2024-01-01,' 'PR1,Ospedale,AG2,89.13,D2,30,12345,2024-01-01,' \
  'PR1,Ospedale,AG3,87.41,D3,20,135,2024-01-01,' >"$D/agendas.csv"
job() { printf '[job]\ndomain = waitlist\noutput = %s.nc\nchunk = 1\ncheckpoint_interval = 0.000001\n[waitlist]\ninput = b.nc\nagendas = agendas.csv\nas_of = 2025-04-01\n[privacy]\nk = 5\n[risk]\nweeks = 2\npaths = 50\n' "$1" >"$D/$1.ini"; }
job ref; run_np 1 waitlist "$D/ref.ini" >"$D/ref.log" 2>&1 || { cat "$D/ref.log"; fail "reference run"; }
job a
mpirun -np 2 --oversubscribe "$REGIA" waitlist "$D/a.ini" >"$D/a1.log" 2>&1 & pid=$!
wait_file "$D/a.ckpt/rank-1.ckpt" || { kill $pid; fail "no checkpoint"; }
kill -USR1 $pid; rc=0; wait $pid || rc=$?
((rc == 3)) || { cat "$D/a1.log"; fail "exit $rc after SIGUSR1, expected 3 (the run may have ended before the signal)"; }
[[ ! -e $D/a.nc && ! -e $D/a.monthly.nc && ! -e $D/a.manifest.json ]] || fail "a stopped run left an output"
run_np 3 waitlist "$D/a.ini" >"$D/a2.log" 2>&1 || { cat "$D/a2.log"; fail "resumed at 3 ranks"; }
restored=$(grep -o '[0-9]* of [0-9]* services restored' "$D/a2.log" | awk '{s += $1} END {print s + 0}')
((restored > 0)) || { cat "$D/a2.log"; fail "nothing restored at 3 ranks"; }
for f in nc monthly.nc; do
  cmp -s <(data "$D/a.$f") <(data "$D/ref.$f") || {
    diff <(data "$D/a.$f") <(data "$D/ref.$f") | head -20; fail "the resumed a.$f differs from the uninterrupted one"; }
done
[[ ! -e $D/a.ckpt ]] || fail "checkpoint left after completion"
echo "ok: regia waitlist stopped at 2 ranks resumed at 3 ($restored of 10 services restored), identical data"
