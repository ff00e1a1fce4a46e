#!/usr/bin/env bash
# regia env checkpoints: stopped by SIGUSR1 (or SIGTERM) mid-run it saves the completed
# blocks and exits 3 with no output under the final name; run again it restores them and
# writes output identical to an uninterrupted run, then removes the checkpoint.  A
# checkpoint of another job, or a damaged file, is ignored.
source "$(dirname "$0")/lib.sh"
D=$TMP
run_np 1 gen env --stations 10 --years 2 --seed 31 --end-date 2024-05-31 --output-dir "$D/d" >/dev/null 2>&1
run_np 2 ingest env --registry "$D/d/sensors.csv" --data "$D/d/measurements.csv" --output "$D/in.nc" >/dev/null 2>&1 ||
  fail "ingest"
job() {  # job NAME [extra [analysis] lines]
  cat >"$D/$1.ini" <<INI
[job]
output = $1.nc
seed = 5
chunk = 2
checkpoint_interval = 0.000001
[input]
file = in.nc
[analysis]
history_days = 500
paths = 300
${2:-}
INI
}
data() { ncdump "$1" | sed -n '/^data:/,$p'; }
job ref
run_np 2 env "$D/ref.ini" >"$D/ref.log" 2>&1 || { cat "$D/ref.log"; fail "reference run"; }
[[ ! -e $D/ref.ckpt ]] || fail "checkpoint left after a completed run"

interrupt() {  # interrupt NAME SIGNAL: start the job, signal it after its first checkpoint
  local name=$1 sig=$2 rc=0
  mpirun -np 2 --oversubscribe "$REGIA" env "$D/$name.ini" >"$D/$name.log1" 2>&1 & local pid=$!
  for _ in $(seq 1 600); do [[ -f $D/$name.ckpt/rank-0.ckpt ]] && break; sleep 0.05; done
  [[ -f $D/$name.ckpt/rank-0.ckpt ]] || { kill $pid; fail "$name: no checkpoint written"; }
  # USR1 goes to mpirun, which forwards it to the ranks (as srun does); TERM goes to the
  # ranks themselves, as slurmd sends it to every task at the time limit or on preemption
  # USR1-one: only one rank is signalled (it stops while the other runs on to the end of its
  # block: the ranks must still meet in the same collectives)
  if [[ $sig == USR1 ]]; then kill -USR1 $pid
  elif [[ $sig == USR1-one ]]; then kill -USR1 "$(pgrep -f "^$REGIA env $D/$name.ini" | head -1)"; sig=USR1
  else pkill -TERM -f "^$REGIA env $D/$name.ini" || true; fi
  wait $pid || rc=$?
  ((rc == 3)) || { cat "$D/$name.log1"; fail "$name: exit status $rc after SIG$sig, expected 3"; }
  grep -q "stopped by SIG$sig" "$D/$name.log1" || { cat "$D/$name.log1"; fail "$name: no stop message"; }
  grep -q "run the same job again to resume" "$D/$name.log1" || fail "$name: no resume hint"
  [[ ! -e $D/$name.nc && ! -e $D/$name.nc.tmp ]] || fail "$name: partial output after the interruption"
  run_np 2 env "$D/$name.ini" >"$D/$name.log2" 2>&1 || { cat "$D/$name.log2"; fail "$name: resumed run"; }
  grep -Eq 'series restored from the checkpoint' "$D/$name.log2" || { cat "$D/$name.log2"; fail "$name: nothing restored"; }
  cmp -s <(data "$D/ref.nc") <(data "$D/$name.nc") || fail "$name: resumed output differs from the uninterrupted run"
  [[ ! -e $D/$name.ckpt ]] || fail "$name: checkpoint left after completion"
  echo "ok: SIG$sig -> exit 3, resumed ($(grep -ho '[0-9]* of [0-9]* series restored' "$D/$name.log2" | paste -sd' ')), identical output"
}
job usr1; interrupt usr1 USR1
job term; interrupt term TERM
job one; interrupt one USR1-one

# a checkpoint of another job (different seed) is ignored with a warning
job other
sed -i 's/^seed = 5/seed = 6/' "$D/other.ini"
mkdir -p "$D/stale.ckpt"
job stale
mpirun -np 2 --oversubscribe "$REGIA" env "$D/other.ini" >/dev/null 2>&1 & pid=$!
for _ in $(seq 1 600); do [[ -f $D/other.ckpt/rank-0.ckpt ]] && break; sleep 0.05; done
kill -USR1 $pid; wait $pid || true
cp "$D/other.ckpt/rank-0.ckpt" "$D/stale.ckpt/rank-0.ckpt"
run_np 2 env "$D/stale.ini" >"$D/stale.log" 2>&1 || { cat "$D/stale.log"; fail "stale run"; }
grep -q "of another job, input or build ignored" "$D/stale.log" || { cat "$D/stale.log"; fail "no stale warning"; }
! grep -q 'restored from the checkpoint' "$D/stale.log" || fail "stale checkpoint used"
sed 's/stale/ref/' <(data "$D/stale.nc") | cmp -s - <(data "$D/ref.nc") || fail "stale: output differs"
echo "ok: a checkpoint of another job is ignored"

# the same job file whose ${VAR} expands to another value is another job: its checkpoint
# is not used (array tasks sharing a checkpoint_dir are the same case, with {array})
job envv
sed -i 's/^seed = 5/seed = ${REGIA_TEST_SEED}/' "$D/envv.ini"
REGIA_TEST_SEED=6 mpirun -np 2 --oversubscribe "$REGIA" env "$D/envv.ini" >/dev/null 2>&1 & pid=$!
for _ in $(seq 1 600); do [[ -f $D/envv.ckpt/rank-0.ckpt ]] && break; sleep 0.05; done
kill -USR1 $pid; wait $pid || true
[[ -f $D/envv.ckpt/rank-0.ckpt ]] || fail "envv: no checkpoint"
REGIA_TEST_SEED=5 run_np 2 env "$D/envv.ini" >"$D/envv.log" 2>&1 || { cat "$D/envv.log"; fail "envv run"; }
! grep -q 'restored from the checkpoint' "$D/envv.log" || fail "checkpoint of another \${REGIA_TEST_SEED} used"
sed 's/envv/ref/' <(data "$D/envv.nc") | cmp -s - <(data "$D/ref.nc") || fail "envv: output differs from seed 5's"
echo "ok: a checkpoint made under another \${VAR} value is ignored"

# a damaged (truncated) checkpoint file is ignored, not trusted
job dmg
mkdir -p "$D/dmg.ckpt"
head -c 3000 "$D/other.ckpt/rank-0.ckpt" >"$D/dmg.ckpt/rank-0.ckpt"
sed -i 's/^seed = 5/seed = 6/' "$D/dmg.ini"
run_np 2 env "$D/dmg.ini" >"$D/dmg.log" 2>&1 || { cat "$D/dmg.log"; fail "damaged-checkpoint run"; }
! grep -q 'restored from the checkpoint' "$D/dmg.log" || fail "damaged checkpoint used"
echo "ok: a damaged checkpoint file is ignored"
