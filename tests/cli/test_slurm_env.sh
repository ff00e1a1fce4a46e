#!/usr/bin/env bash
# regia under SLURM, on the private one-node cluster of tests/slurm/cluster.sh:
#  - `srun --mpi=pmix regia env` in an sbatch job writes the same data as `mpirun -np 2`,
#    and the job's log has the driver's summary;
#  - a job array of three tasks (%A_%a logs), each task choosing its work by
#    SLURM_ARRAY_TASK_ID;
#  - a dependency chain (afterok): job 2 starts after job 1 and reads its output;
#  - stopping the cluster leaves no process behind.
# Skips (77) without the slurm packages (scripts/install-deps.sh slurm) or without root.
#
# PMIx: Debian's Open MPI 4.1.4 is built --with-pmix=/usr/lib/x86_64-linux-gnu/pmix2
# (ompi_info: "MCA pmix: ext3x"), the same libpmix 4.2 that Slurm's mpi_pmix_v4 plugin
# (libpmix-dev) is linked with, so `srun --mpi=pmix` direct launch works as it is: no
# PMIX_MCA_* / OMPI_MCA_* settings are needed (`srun --mpi=list` shows pmix, pmix_v4).
source "$(dirname "$0")/lib.sh"
source "$REGIA_ROOT/tests/slurm/cluster.sh"
C=$TMP/cluster
# lib.sh's EXIT trap removes $TMP; stop the cluster first, whatever happens
# shellcheck disable=SC2064  # expanded now, as in lib.sh
trap "cluster_stop $C || true; ${KEEP_TMP:+:} rm -rf $TMP" EXIT
rc=0; cluster_start "$C" || rc=$?
((rc == 0)) || { ((rc == 77)) && exit 77; fail "cluster start (exit $rc)"; }
t0=$SECONDS
D=$TMP/d; mkdir -p "$D"
# jobs inherit this environment (sbatch --export=ALL): lib.sh's OMPI_* and OMP_NUM_THREADS

run_np 2 gen env --stations 4 --years 1 --seed 8 --end-date 2023-08-31 --output-dir "$D" >/dev/null
run_np 2 ingest env --registry "$D/sensors.csv" --data "$D/measurements.csv" --output "$D/in.nc" \
  >/dev/null 2>&1 || fail "ingest"
envjob() {   # envjob FILE NAME OUTPUT [HORIZON]
  cat >"$1" <<INI
[job]
name = $2
output = $3
seed = 5
[input]
file = in.nc
[analysis]
horizon = ${4:-7}
history_days = 200
paths = 200
INI
}
envjob "$D/job_a.ini" slurm-a out_a.nc
envjob "$D/job_b.ini" slurm-b out_b.nc

# 1. mpirun vs sbatch + srun --mpi=pmix
run_np 2 env "$D/job_a.ini" >"$D/log_a" 2>&1 || { cat "$D/log_a"; fail "mpirun env"; }
cat >"$D/env.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=regia-env
#SBATCH --ntasks=2 --cpus-per-task=1
#SBATCH --output=$D/slurm-env-%j.log
srun --mpi=pmix "$REGIA" env "$D/job_b.ini"
EOF
out=$(cd "$D" && timeout 120 sbatch --wait "$D/env.sbatch" 2>&1) || {
  echo "$out"; cat "$D"/slurm-env-*.log 2>/dev/null; fail "sbatch --wait srun env"; }
id=$(grep -Eo 'Submitted batch job [0-9]+' <<<"$out" | grep -Eo '[0-9]+$')
log=$D/slurm-env-$id.log
[[ -f $log ]] || fail "no SLURM log $log"
grep -Eq 'series fitted' "$log" || { cat "$log"; fail "SLURM log lacks the summary line"; }
[[ -f $D/out_b.nc && ! -e $D/out_b.nc.tmp ]] || fail "srun output missing or .tmp left"
[[ $(ncdump -h "$D/out_b.nc") == *":ranks = 2 ;"* ]] || fail "srun run: ranks attribute is not 2"
ncdump "$D/out_a.nc" | sed -n '/^data:/,$p' >"$D/data_a.txt"
ncdump "$D/out_b.nc" | sed -n '/^data:/,$p' >"$D/data_b.txt"
cmp -s "$D/data_a.txt" "$D/data_b.txt" || { diff "$D/data_a.txt" "$D/data_b.txt" | head; fail "mpirun and srun data differ"; }
echo "ok: sbatch + srun --mpi=pmix (job $id) = mpirun -np 2; log: $(grep -m1 'series fitted' "$log")"

# 2. job array: task 0 prints the version, tasks 1 and 2 run a tiny env job each
envjob "$D/arr_1.ini" arr-1 arr_1.nc 2
envjob "$D/arr_2.ini" arr-2 arr_2.nc 3
cat >"$D/array.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=regia-array
#SBATCH --ntasks=1 --cpus-per-task=1
#SBATCH --output=$D/arr-%A_%a.log
echo "task \$SLURM_ARRAY_TASK_ID of array \$SLURM_ARRAY_JOB_ID"
case \$SLURM_ARRAY_TASK_ID in
  0) "$REGIA" version ;;
  *) srun --mpi=pmix "$REGIA" env "$D/arr_\$SLURM_ARRAY_TASK_ID.ini" ;;
esac
EOF
out=$(timeout 120 sbatch --wait --array=0-2 "$D/array.sbatch" 2>&1) || {
  echo "$out"; tail -n 20 "$D"/arr-*.log 2>/dev/null; fail "sbatch --array"; }
aid=$(grep -Eo 'Submitted batch job [0-9]+' <<<"$out" | grep -Eo '[0-9]+$')
for t in 0 1 2; do
  f=$D/arr-${aid}_$t.log
  [[ -f $f ]] || { ls "$D"; fail "array task $t: no log $f"; }
  grep -q "^task $t of array $aid\$" "$f" || { cat "$f"; fail "array task $t: task id line"; }
done
grep -qi 'regia' "$D/arr-${aid}_0.log" || { cat "$D/arr-${aid}_0.log"; fail "array task 0: no version"; }
for t in 1 2; do
  grep -q 'series fitted' "$D/arr-${aid}_$t.log" || { cat "$D/arr-${aid}_$t.log"; fail "array task $t: no summary"; }
  [[ $(ncdump -h "$D/arr_$t.nc" | grep -Eo 'forecast_day = [0-9]+') == "forecast_day = $((t + 1))" ]] || fail "array task $t: horizon"
done
echo "ok: job array $aid, three tasks, logs arr-${aid}_{0,1,2}.log"

# 3. dependency chain: job 2 (afterok:job 1) reads what job 1 wrote
cat >"$D/dep1.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=regia-dep1 --ntasks=1 --output=$D/dep1-%j.log
echo "start \$(date +%s.%N)"
"$REGIA" version >"$D/dep1.out"
sleep 1
echo "end \$(date +%s.%N)" | tee -a "$D/dep1.out"
EOF
cat >"$D/dep2.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=regia-dep2 --ntasks=1 --output=$D/dep2-%j.log
echo "start \$(date +%s.%N)"
grep -q '^end ' "$D/dep1.out" || { echo "job 1 output incomplete"; exit 1; }
grep -i regia "$D/dep1.out" | head -n1 | sed 's/^/read: /'
EOF
id1=$(sbatch --parsable "$D/dep1.sbatch") || fail "sbatch job 1"
id2=$(sbatch --parsable --dependency=afterok:"$id1" "$D/dep2.sbatch") || fail "sbatch job 2"
id1=${id1%%;*}; id2=${id2%%;*}
# squeue shows pending/running jobs; both are done when neither is listed
for ((i = 0; i < 240; i++)); do
  [[ -z $(squeue -h -j "$id1,$id2" -o %i 2>/dev/null) ]] && break
  sleep 0.5
done
((i < 240)) || { squeue; fail "dependency chain did not finish in 120 s"; }
jobstate() {   # jobstate ID: "STATE EXITCODE" from scontrol (no sacct: MinJobAge keeps the record)
  local o; o=$(scontrol -o show job "$1" 2>&1) || { echo "unknown: $o"; return 0; }
  [[ $o =~ JobState=([A-Z_]+) ]] && echo -n "${BASH_REMATCH[1]} "
  [[ $o =~ ExitCode=([0-9:]+) ]] && echo "${BASH_REMATCH[1]}"
  return 0
}
st1=$(jobstate "$id1"); st2=$(jobstate "$id2")
[[ $st1 == "COMPLETED 0:0" ]] || { cat "$D/dep1-$id1.log"; fail "job 1: $st1"; }
[[ $st2 == "COMPLETED 0:0" ]] || { cat "$D/dep2-$id2.log"; fail "job 2: $st2"; }
end1=$(awk '/^end /{print $2}' "$D/dep1-$id1.log")
start2=$(awk '/^start /{print $2}' "$D/dep2-$id2.log")
[[ -n $end1 && -n $start2 ]] || fail "dependency chain: timestamps missing"
awk -v a="$end1" -v b="$start2" 'BEGIN {exit !(b > a)}' || fail "job 2 started ($start2) before job 1 ended ($end1)"
grep -q '^read: ' "$D/dep2-$id2.log" || { cat "$D/dep2-$id2.log"; fail "job 2 did not read job 1's output"; }
echo "ok: dependency chain $id1 -> $id2 (job 1 ended $end1, job 2 started $start2)"

# 4. stop leaves nothing behind: no process names the cluster directory or holds its logs
cluster_stop "$C" || fail "cluster stop"
left=$(pgrep -af -- "$C" || true; _cl_ours "$C")
[[ -z $left ]] || fail "processes left after cluster stop: $left"
echo "ok: cluster stopped, no process left (pgrep -f $C)"
echo "slurm part: $((SECONDS - t0)) s"
