#!/usr/bin/env bash
# regia sensors gives the same data at 1, 2 and 3 ranks: every data variable of the summary
# and of the detail is identical (the records are shared among the ranks, the per-structure
# analysis runs on the gathered results in time order).  Then a run stopped by SIGUSR1 at 2
# ranks (exit status 3, nothing under the output's names) resumes at 3 ranks, restores the
# saved records instead of recomputing them, and writes the same data; the checkpoint
# directory is gone afterwards.  Store: tests/cli/sensors_fixture.py.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, h5py, scipy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4, h5py or scipy"
/usr/bin/python3 "$REGIA_ROOT/tests/cli/sensors_fixture.py" "$D/store.h5" 6 6 120
job() {
  printf '[job]\ndomain = sensors\noutput = %s.nc\nchunk = %s\ncheckpoint_interval = %s\n[input]\nstore = store.h5\n' "$1" "$2" "$3"
  printf '[records]\nlength = 120\n[welch]\nnperseg = 512\n[ssi]\norders = 2:24:2\nfmax = 12\n[novelty]\nmodel = linear\n'
  printf 'training_days = 3\n[alerts]\nyellow_records = 2\nred_records = 4\n'
} 
same() { h5_same "$@"; }   # tests/cli/lib.sh
for n in 1 2 3; do
  job r$n 8 300 >"$D/r$n.ini"
  run_np $n sensors "$D/r$n.ini" >"$D/r$n.log" 2>&1 || { cat "$D/r$n.log"; fail "regia sensors at $n ranks"; }
done
for n in 2 3; do
  same "$D/r1.nc" "$D/r$n.nc" || fail "the summary at $n ranks differs from 1 rank"
  same "$D/r1_detail.h5" "$D/r${n}_detail.h5" || fail "the detail at $n ranks differs from 1 rank"
done
echo "ok: summary and detail identical at 1, 2 and 3 ranks"
# checkpoint: a block of one record, saved after every block
job a 1 0.000001 >"$D/a.ini"
wait_file() { for _ in $(seq 1 2400); do compgen -G "$1" >/dev/null && return 0; sleep 0.05; done; return 1; }
mpirun -np 2 --oversubscribe "$REGIA" sensors "$D/a.ini" >"$D/a1.log" 2>&1 & pid=$!
wait_file "$D/a.ckpt/rank-1.ckpt" || { kill $pid; fail "no checkpoint"; }
kill -USR1 $pid; rc=0; wait $pid || rc=$?
((rc == 3)) || { cat "$D/a1.log"; fail "exit $rc after SIGUSR1, expected 3 (the run may have ended before the signal)"; }
[[ ! -e $D/a.nc && ! -e $D/a_detail.h5 && ! -e $D/a.manifest.json ]] || fail "a stopped run left an output"
run_np 3 sensors "$D/a.ini" >"$D/a2.log" 2>&1 || { cat "$D/a2.log"; fail "resumed at 3 ranks"; }
restored=$(grep -o '[0-9]* of [0-9]* records restored' "$D/a2.log" | awk '{s += $1} END {print s + 0}')
((restored > 0)) || { cat "$D/a2.log"; fail "nothing restored at 3 ranks"; }
same "$D/r1.nc" "$D/a.nc" || fail "the resumed summary differs from the uninterrupted one"
same "$D/r1_detail.h5" "$D/a_detail.h5" || fail "the resumed detail differs from the uninterrupted one"
[[ ! -e $D/a.ckpt ]] || fail "checkpoint left after completion"
echo "ok: stopped at 2 ranks, resumed at 3 ($restored of 72 records restored), identical summary and detail"
