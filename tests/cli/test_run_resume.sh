#!/usr/bin/env bash
# Checkpoints of the run protocol across rank counts and between runs:
#  - a forecast checkpointed at 2 ranks resumes at 3, an env run checkpointed at 3 resumes
#    at 1, restoring items instead of recomputing them, with output identical to an
#    uninterrupted run;
#  - two jobs sharing one checkpoint directory never read, overwrite or delete each
#    other's files;
#  - a run whose output is replaced by another run while it runs says so when it commits,
#    and the two never share a temporary file.
source "$(dirname "$0")/lib.sh"
D=$TMP
data() { ncdump "$1" | sed -n '/^data:/,$p'; }
wait_file() { for _ in $(seq 1 1200); do compgen -G "$1" >/dev/null && return 0; sleep 0.05; done; return 1; }
/usr/bin/python3 - "$D/in.csv" <<'PY'
import sys, math, random, datetime
random.seed(11)
with open(sys.argv[1], "w") as f:
    f.write("series_id,time,value\n")
    for s in range(240):
        for d in range(400):
            y = 50 + 10 * math.sin(2 * math.pi * d / 7) + 3 * (random.random() - 0.5) + 0.02 * d * (s % 3)
            f.write("s%03d,%s,%.3f\n" % (s, (datetime.date(2023, 11, 14) + datetime.timedelta(d)).isoformat(), y))
PY
fc=(forecast --input "$D/in.csv" --season 7 --horizon 14 --chunk 8)
run_np 1 "${fc[@]}" --output "$D/ref.nc" >"$D/ref.log" 2>&1 || { cat "$D/ref.log"; fail "reference forecast"; }

# --- forecast: 2 ranks -> 3 ranks
mpirun -np 2 --oversubscribe "$REGIA" "${fc[@]}" --checkpoint-interval 0.0001 --output "$D/a.nc" >"$D/a1.log" 2>&1 &
pid=$!
wait_file "$D/a.ckpt/rank-1.ckpt" || { kill $pid; fail "forecast: no checkpoint"; }
sleep 0.3; kill -USR1 $pid; rc=0; wait $pid || rc=$?
((rc == 3)) || { cat "$D/a1.log"; fail "forecast: exit $rc after SIGUSR1, expected 3"; }
run_np 3 "${fc[@]}" --output "$D/a.nc" >"$D/a2.log" 2>&1 || { cat "$D/a2.log"; fail "forecast: resumed at 3 ranks"; }
restored=$(grep -o '[0-9]* of [0-9]* series restored' "$D/a2.log" | awk '{s += $1} END {print s + 0}')
((restored > 0)) || { cat "$D/a2.log"; fail "forecast: nothing restored at 3 ranks"; }
cmp -s <(data "$D/ref.nc") <(data "$D/a.nc") || fail "forecast: output resumed at 3 ranks differs from 1 rank uninterrupted"
[[ ! -e $D/a.ckpt ]] || fail "forecast: checkpoint left after completion"
echo "ok: forecast checkpointed at 2 ranks resumed at 3 ($restored series restored), identical output"

# --- env: 3 ranks -> 1 rank
run_np 1 gen env --stations 18 --years 2 --seed 31 --end-date 2024-05-31 --output-dir "$D/d" >/dev/null 2>&1 || fail "gen"
run_np 2 ingest env --registry "$D/d/sensors.csv" --data "$D/d/measurements.csv" --output "$D/st.nc" >/dev/null 2>&1 ||
  fail "ingest"
job() { printf '[job]\noutput = %s.nc\nseed = %s\nchunk = 5\ncheckpoint_interval = 0.000001\n%s[input]\nfile = st.nc\n[analysis]\nhistory_days = 500\npaths = 300\n' \
  "$1" "$2" "${3:-}" >"$D/$1.ini"; }
job eref 5; run_np 2 env "$D/eref.ini" >/dev/null 2>&1 || fail "env reference"
job e 5
mpirun -np 3 --oversubscribe "$REGIA" env "$D/e.ini" >"$D/e1.log" 2>&1 & pid=$!
wait_file "$D/e.ckpt/rank-2.ckpt" || { kill $pid; fail "env: no checkpoint"; }
kill -USR1 $pid; rc=0; wait $pid || rc=$?
((rc == 3)) || { cat "$D/e1.log"; fail "env: exit $rc after SIGUSR1, expected 3"; }
run_np 1 env "$D/e.ini" >"$D/e2.log" 2>&1 || { cat "$D/e2.log"; fail "env: resumed at 1 rank"; }
grep -q 'series restored from the checkpoint' "$D/e2.log" || { cat "$D/e2.log"; fail "env: nothing restored at 1 rank"; }
sed 's/\be\b/eref/' <(data "$D/e.nc") | cmp -s - <(data "$D/eref.nc") || fail "env: resumed output differs"
echo "ok: env checkpointed at 3 ranks resumed at 1 ($(grep -o '[0-9]* of [0-9]* series restored' "$D/e2.log")), identical output"

# --- two jobs, one checkpoint directory
job sa 5 $'checkpoint_dir = shared.ckpt\n'; job sb 6 $'checkpoint_dir = shared.ckpt\n'
mpirun -np 2 --oversubscribe "$REGIA" env "$D/sa.ini" >"$D/sa1.log" 2>&1 & pid=$!
# stopped as soon as its block loop starts: it saves after its first block
for _ in $(seq 1 1200); do grep -q 'stage forecast and risk' "$D/sa1.log" && break; sleep 0.02; done
kill -USR1 $pid; rc=0; wait $pid || rc=$?
[[ -f $D/shared.ckpt/rank-1.ckpt ]] || { cat "$D/sa1.log"; fail "shared: no checkpoint of job A"; }
((rc == 3)) || { cat "$D/sa1.log"; fail "shared: job A exit $rc, expected 3"; }
before=$(cd "$D/shared.ckpt" && sha256sum rank-*.ckpt)
run_np 2 env "$D/sb.ini" >"$D/sb.log" 2>&1 || { cat "$D/sb.log"; fail "shared: job B"; }
grep -q 'of another job, input or build ignored' "$D/sb.log" || { cat "$D/sb.log"; fail "shared: job B did not see A's files"; }
! grep -q 'restored from the checkpoint' "$D/sb.log" || fail "shared: job B restored job A's items"
[[ $(cd "$D/shared.ckpt" && sha256sum $(awk '{print $2}' <<<"$before")) == "$before" ]] ||
  fail "shared: job B changed or removed job A's checkpoint files"
run_np 2 env "$D/sa.ini" >"$D/sa2.log" 2>&1 || { cat "$D/sa2.log"; fail "shared: job A resumed"; }
grep -q 'series restored from the checkpoint' "$D/sa2.log" || { cat "$D/sa2.log"; fail "shared: job A restored nothing"; }
sed 's/\bsa\b/eref/' <(data "$D/sa.nc") | cmp -s - <(data "$D/eref.nc") || fail "shared: job A's output differs"
[[ ! -e $D/shared.ckpt ]] || fail "shared: directory left after both jobs completed: $(ls "$D/shared.ckpt")"
echo "ok: two jobs in one checkpoint directory kept apart; A resumed after B completed"

# --- the output replaced by another run while this one runs
/usr/bin/python3 - "$D/big.csv" <<'PY'
import sys, math, datetime
with open(sys.argv[1], "w") as f:
    f.write("series_id,time,value\n")
    for s in range(400):
        for d in range(500):
            f.write("s%03d,%s,%.3f\n" % (s, (datetime.date(2023, 1, 1) + datetime.timedelta(d)).isoformat(),
                                           30 + 8 * math.sin(2 * math.pi * d / 7) + ((d * 31 + s * 17) % 23) / 7.0))
PY
mpirun -np 2 --oversubscribe "$REGIA" forecast --input "$D/big.csv" --season 7 --horizon 7 --output "$D/same.nc" \
  >"$D/slow.log" 2>&1 & pid=$!
for _ in $(seq 1 1200); do grep -q 'stage forecast' "$D/slow.log" && break; sleep 0.05; done
pkill -STOP -f "^$REGIA forecast --input $D/big.csv" || true
run_np 1 forecast --input "$D/in.csv" --season 7 --horizon 3 --output "$D/same.nc" >"$D/fast.log" 2>&1 ||
  { pkill -CONT -f "^$REGIA forecast" || true; cat "$D/fast.log"; fail "second run"; }
pkill -CONT -f "^$REGIA forecast --input $D/big.csv" || true
wait $pid || { cat "$D/slow.log"; fail "first run failed"; }
grep -q 'was written by another run while this one ran' "$D/slow.log" || { cat "$D/slow.log"; fail "no replacement warning"; }
[[ -z $(find "$D" -maxdepth 1 -name 'same.*tmp*') ]] || fail "temporary files left"
echo "ok: a run whose output another run wrote meanwhile says so when it replaces it"
