#!/usr/bin/env bash
# regia submit on the private one-node SLURM cluster (tests/slurm/cluster.sh):
#  - the demo job (jobs/demo_env.ini on the make-demo data) submitted with 2 tasks
#    (srun --mpi=pmix) writes the same data as mpirun -np 2;
#  - a job file with an [ingest] section becomes two jobs chained with afterok; the
#    analysis job, stopped by SIGUSR1 mid-run (as --signal=B:USR1@120 does before the
#    time limit), checkpoints, requeues itself and finishes with output identical to an
#    uninterrupted mpirun run; no output sits under the final name before the end; the
#    outputs are staged to [slurm] stage_to with their manifest;
#  - [slurm] array = three dates makes a three-task array (%A_%a logs), each task with
#    its own {array} substitution, equal to the same task run by hand.
# Skips (77) without the slurm packages (scripts/install-deps.sh slurm) or without root.
source "$(dirname "$0")/lib.sh"
source "$REGIA_ROOT/tests/slurm/cluster.sh"
C=$TMP/cluster
# shellcheck disable=SC2064
trap "cluster_stop $C || true; ${KEEP_TMP:+:} rm -rf $TMP" EXIT
rc=0; cluster_start "$C" || rc=$?
((rc == 0)) || { ((rc == 77)) && exit 77; fail "cluster start (exit $rc)"; }
D=$TMP/d; mkdir -p "$D/raw"
run_np 1 gen env --stations 6 --years 2 --seed 17 --end-date 2024-05-31 --output-dir "$D/raw" >/dev/null 2>&1
data() { ncdump "$1" | sed -n '/^data:/,$p'; }
state() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }
wait_done() {  # wait_done ID...: until every job (and array task) has left the queue
  # one squeue per job: squeue -j A,B prints nothing at all once slurmctld has purged A
  # (MinJobAge), which would end the wait while B (a requeued job) is still pending
  local t j busy
  for t in $(seq 1 900); do
    busy=0
    for j in "$@"; do [[ -n $(squeue -h -j "$j" 2>/dev/null) ]] && busy=1; done
    ((busy)) || return 0
    sleep 0.2
  done
  squeue; fail "jobs $* still queued after 180 s"
}

# ---- 0. the demo job (jobs/demo_env.ini on the make-demo data), 2 tasks, = mpirun --------
mkdir -p "$D/demo/data" "$D/demo/jobs"
run_np 1 gen env --stations 8 --years 2 --seed 2024 --end-date 2024-09-30 --output-dir "$D/demo/data" >/dev/null 2>&1
run_np 2 ingest env --registry "$D/demo/data/sensors.csv" --data "$D/demo/data/measurements.csv" \
  --output "$D/demo/lombardia.nc" >/dev/null 2>&1 || fail "demo ingest"
sed 's|demo-out/env_forecast.nc|demo-out/env_slurm.nc|; s|\.\./demo-out/|../|' "$REGIA_ROOT/jobs/demo_env.ini" >"$D/demo/jobs/demo_env.ini"
printf '[slurm]\nprofile = local\nranks_per_node = 2\n' >>"$D/demo/jobs/demo_env.ini"
sed 's|env_slurm.nc|env_mpirun.nc|; /^\[slurm\]/,$d' "$D/demo/jobs/demo_env.ini" >"$D/demo/jobs/demo_mpirun.ini"
grep -q '^output = ../env_slurm.nc' "$D/demo/jobs/demo_env.ini" || fail "demo job rewrite"
out=$("$REGIA" submit "$D/demo/jobs/demo_env.ini" 2>&1) || { echo "$out"; fail "regia submit (demo)"; }
demo=$(grep -o 'submitted job [0-9]*' <<<"$out" | awk '{print $3}') || fail "no demo job id: $out"
run_np 2 env "$D/demo/jobs/demo_mpirun.ini" >"$D/demo/mpirun.log" 2>&1 || { cat "$D/demo/mpirun.log" "$D/demo/jobs/demo_mpirun.ini"; fail "demo job under mpirun"; }
wait_done "$demo"
grep -q 'series fitted' "$D/demo/jobs/slurm-logs/demo_env-env_$demo.log" || fail "demo job log"
grep -q 'stage forecast and risk: 32 series on 2 ranks' "$D/demo/jobs/slurm-logs/demo_env-env_$demo.log" ||
  fail "demo job did not run on 2 ranks"
cmp -s <(data "$D/demo/env_slurm.nc") <(data "$D/demo/env_mpirun.nc") || fail "demo job: sbatch output differs from mpirun"
echo "ok: demo job $demo via regia submit (srun --mpi=pmix, 2 tasks) = mpirun -np 2"

# ---- 1. ingest -> analysis chain, interrupted and requeued ------------------------------
cat >"$D/chain.ini" <<INI
[job]
name = chain
output = out/chain.nc
seed = 9
chunk = 2
checkpoint_interval = 0.000001
[input]
file = lombardia.nc
[analysis]
history_days = 450
# enough Monte Carlo paths that the run is still in its block loop when the test's SIGUSR1
# arrives (with 400 it could finish first, under load, and then nothing is requeued)
paths = 20000
[slurm]
profile = local
ranks_per_node = 2
time = 00:10:00
stage_to = \${REGIA_TEST_WORK}/staged
[ingest]
registry = raw/sensors.csv
data = raw/measurements.csv
INI
mkdir -p "$D/out"
export REGIA_TEST_WORK=$TMP/work
out=$("$REGIA" submit "$D/chain.ini" 2>&1) || { echo "$out"; fail "regia submit (chain)"; }
echo "$out" | tail -2
ids=$(grep -o 'submitted ingest job [0-9]* and analysis job [0-9]*' <<<"$out") || fail "no job ids: $out"
ing=$(awk '{print $4}' <<<"$ids"); ana=$(awk '{print $8}' <<<"$ids")
scontrol -o show job "$ana" | grep -q "Dependency=afterok:$ing" || fail "analysis job lacks afterok:$ing"
# signal the analysis job's batch script once it has checkpointed a first block
for _ in $(seq 1 900); do [[ -f $D/out/chain.ckpt/rank-0.ckpt ]] && break; sleep 0.1; done
[[ -f $D/out/chain.ckpt/rank-0.ckpt ]] || { cat "$D"/slurm-logs/*.log; fail "no checkpoint appeared"; }
[[ ! -e $D/out/chain.nc ]] || fail "output under the final name before the job ended"
scancel --signal=USR1 --batch "$ana" || fail "scancel --signal=USR1"
# slurmctld holds a requeued batch job for a while (BeginTime about 2 min ahead); a test
# need not wait for that: once it is requeued, make it eligible now
for _ in $(seq 1 300); do
  grep -qs 'checkpoint saved; requeueing' "$D"/slurm-logs/chain-env_"$ana".log && break; sleep 0.2
done
for _ in $(seq 1 50); do
  # not at once: slurmd refuses a start in the same second as the requeue's revoked
  # credential ("Killing non-startable batch job: Job credential revoked")
  [[ $(state "$ana") == PENDING ]] && { scontrol update JobId="$ana" StartTime=now+3 2>/dev/null; break; }
  sleep 0.2
done
wait_done "$ing" "$ana"
log=$(ls "$D"/slurm-logs/chain-env_"$ana".log) || fail "no analysis log"
grep -q 'SIGUSR1 (time limit near)' "$log" || { cat "$log"; fail "the trap did not run"; }
grep -q 'checkpoint saved; requeueing' "$log" || { cat "$log"; fail "no requeue after the checkpoint"; }
grep -q 'series restored from the checkpoint' "$log" || { cat "$log"; fail "the requeued run restored nothing"; }
grep -q 'restart 1' "$log" || { cat "$log"; fail "the job did not run a second time"; }
grep -q 'regia: done' "$log" || { cat "$log"; fail "the requeued job did not finish"; }
[[ $(state "$ana") == COMPLETED || -z $(state "$ana") ]] || fail "analysis job state $(state "$ana")"
[[ ! -e $D/out/chain.ckpt ]] || fail "checkpoint left after completion"
echo "ok: ingest $ing -> analysis $ana (afterok); SIGUSR1 -> checkpoint -> requeue -> resumed -> done"
# the same job by hand, uninterrupted
sed -e 's|^output = .*|output = out/ref.nc|' -e '/^chunk/d' -e '/^checkpoint_interval/d' "$D/chain.ini" >"$D/ref.ini"
run_np 2 env "$D/ref.ini" >"$D/ref.log" 2>&1 || { cat "$D/ref.log"; fail "reference run"; }
cmp -s <(data "$D/out/ref.nc") <(data "$D/out/chain.nc") || fail "requeued SLURM output differs from the mpirun run"
echo "ok: output identical to an uninterrupted mpirun run"
for f in chain.nc chain.manifest.json; do
  cmp -s "$D/out/$f" "$TMP/work/staged/$f" || fail "staged $f missing or different"
done
grep -q "$(sha256sum "$TMP/work/staged/chain.nc" | cut -c1-64)" "$TMP/work/staged/chain.manifest.json" ||
  fail "staged manifest does not match the staged output"
echo "ok: outputs staged to \${REGIA_TEST_WORK}/staged with their manifest"

# ---- 2. a job array over three forecast origins -----------------------------------------
cat >"$D/arr.ini" <<INI
[job]
name = arr-{array}
output = out/arr_{array}.nc
[input]
file = lombardia.nc
as_of = {array}
[analysis]
pollutants = pm10, no2
history_days = 300
paths = 200
[slurm]
profile = local
ranks_per_node = 2
array = 2024-03-31, 2024-04-30, 2024-05-31
INI
out=$("$REGIA" submit "$D/arr.ini" 2>&1) || { echo "$out"; fail "regia submit (array)"; }
arr=$(grep -o 'submitted job [0-9]*' <<<"$out" | awk '{print $3}') || fail "no array id: $out"
wait_done "$arr"
for i in 0 1 2; do
  [[ -f $D/slurm-logs/arr-env_${arr}_$i.log ]] || { ls "$D/slurm-logs"; fail "no log for task $i"; }
done
for d in 2024-03-31 2024-04-30 2024-05-31; do
  [[ -f $D/out/arr_$d.nc ]] || { cat "$D"/slurm-logs/arr-env_*.log; fail "no output for $d"; }
done
REGIA_ARRAY_INDEX=1 run_np 2 env "$D/arr.ini" >/dev/null 2>&1 || fail "array task 1 by hand"
grep -q 'forecast_origin = "2024-04-30"' <(ncdump -h "$D/out/arr_2024-04-30.nc") || fail "task 1 origin"
echo "ok: array $arr: three tasks, logs arr-env_${arr}_{0,1,2}.log, one output per origin"
expect_fail "{array} outside an array task" "uses \{array\}, but this is not an array task" run_np 1 env "$D/arr.ini"

# ---- 3. a directory named with blanks, quotes, # and %: sbatch reads the #SBATCH lines ----
W="$TMP/my dir/it's \"q\" #1 100%"; mkdir -p "$W"
out=$(cd "$W" && "$REGIA" submit --profile local -- version 2>&1) || { echo "$out"; fail "regia submit in a quoted directory"; }
v=$(grep -o 'submitted job [0-9]*' <<<"$out" | awk '{print $3}') || fail "no job id: $out"
wait_done "$v"
grep -q 'regia: done' "$W/slurm-logs/version-version_$v.log" || { ls -R "$W"; fail "no log in the quoted directory"; }
echo "ok: job $v submitted from a directory named: my dir/it's \"q\" #1 100%"

# ---- 4. scancel stops for good: the ranks checkpoint, the script does not requeue -------
sed -e 's|^output = .*|output = out/cancel.nc|' -e 's|^paths = .*|paths = 200000|' -e '/^stage_to/d' \
  -e '/^\[ingest\]/,$d' -e 's|^chunk = .*|chunk = 1|' "$D/chain.ini" >"$D/cancel.ini"
out=$("$REGIA" submit "$D/cancel.ini" 2>&1) || { echo "$out"; fail "regia submit (cancel)"; }
c=$(grep -o 'submitted job [0-9]*' <<<"$out" | awk '{print $3}') || fail "no job id: $out"
for _ in $(seq 1 900); do [[ -f $D/out/cancel.ckpt/rank-0.ckpt ]] && break; sleep 0.1; done
[[ -f $D/out/cancel.ckpt/rank-0.ckpt ]] || { cat "$D"/slurm-logs/cancel-env_"$c".log; fail "cancel: no checkpoint appeared"; }
scancel "$c"
wait_done "$c"
clog=$D/slurm-logs/cancel-env_$c.log
grep -q 'stopped by SIGTERM, not requeued' "$clog" || { cat "$clog"; fail "cancel: no SIGTERM stop in the log"; }
! grep -q 'requeueing' "$clog" || { cat "$clog"; fail "cancel: the script requeued a cancelled job"; }
[[ $(state "$c") == CANCELLED ]] || fail "cancel: job state $(state "$c"), expected CANCELLED"
[[ -f $D/out/cancel.ckpt/rank-0.ckpt && ! -e $D/out/cancel.nc ]] || fail "cancel: checkpoint gone or output present"
echo "ok: scancel $c -> checkpoint kept, job CANCELLED, not requeued"
