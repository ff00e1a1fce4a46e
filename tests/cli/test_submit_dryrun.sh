#!/usr/bin/env bash
# regia submit --dry-run: the Leonardo batch scripts it writes (Booster: 4 ranks x 8 cores
# and 4 GPUs per node; DCGP: CPU only), the requeue protocol lines, arrays, chains, and
# the errors it gives before anything reaches sbatch.  Needs no SLURM.
source "$(dirname "$0")/lib.sh"
D=$TMP
export CINECA_SCRATCH=$D/scratch WORK=$D/work
cat >"$D/job.ini" <<'INI'
[job]
output = ${CINECA_SCRATCH}/regia/out_{array}.nc
[input]
file = in.nc
as_of = {array}-09-30
[slurm]
account = AIHUB_test
qos = boost_qos_dbg
time = 00:20:00
array = 2023, 2024
stage_to = ${WORK}/regia
[ingest]
registry = raw/sensors.csv
data = raw/a.csv, raw/b.csv
INI
out=$("$REGIA" submit --dry-run "$D/job.ini") || { echo "$out"; fail "dry run"; }
b=$D/slurm-logs/job-env.sbatch i=$D/slurm-logs/job-ingest.sbatch
[[ -x $b && -x $i ]] || fail "scripts not written to [slurm] log_dir"
for l in '--account=AIHUB_test' '--partition=boost_usr_prod' '--qos=boost_qos_dbg' '--ntasks-per-node=4' \
         '--cpus-per-task=8' '--gres=gpu:4' '--time=00:20:00' '--array=0-1' '--open-mode=append' '--requeue' \
         '--signal=B:USR1@120' "--output=$D/slurm-logs/%x_%A_%a.log"; do
  grep -qF -- "#SBATCH $l" "$b" || fail "booster script lacks #SBATCH $l"
done
! grep -q -- '--gres' "$i" || fail "the ingest step asks for GPUs"
! grep -q -- '--array' "$i" || fail "the ingest step is an array"
for l in 'trap on_usr1 USR1' 'scontrol requeue' 'SRUN_CPUS_PER_TASK=${SLURM_CPUS_PER_TASK' \
         "srun --mpi=pmix '$REGIA' env '$D/job.ini' &" "source '$REGIA_ROOT/slurm/leonardo.env'" \
         "'$REGIA' stage '$D/job.ini'"; do
  grep -qF -- "$l" "$b" || fail "booster script lacks: $l"
done
grep -qF -- "'--data' '$D/raw/a.csv' '--data' '$D/raw/b.csv' '--output' '$D/in.nc'" "$i" || fail "ingest command"
grep -qF -- "--dependency=afterok:<ID1>" <<<"$out" || fail "no afterok chain in: $out"
bash -n "$b" && bash -n "$i" || fail "generated scripts are not valid bash"
echo "ok: Booster scripts (ingest -> analysis array), requeue protocol, staging"
out=$("$REGIA" submit --dry-run --profile dcgp --qos normal --nodes 2 --time 1-00:00:00 "$D/job.ini") ||
  fail "dcgp dry run"
for l in '--partition=dcgp_usr_prod' '--ntasks-per-node=8' '--cpus-per-task=14' '--nodes=2' '--exclusive'; do
  grep -qF -- "#SBATCH $l" "$b" || fail "dcgp script lacks #SBATCH $l"
done
! grep -q -- '--gres' "$b" || fail "dcgp script asks for GPUs"
echo "ok: DCGP script"
(cd "$D" && "$REGIA" submit --dry-run --account X -- forecast --input s.csv --season 7 --horizon 14 --output f.nc) \
  >/dev/null || fail "submit -- forecast"
grep -qF "srun --mpi=pmix '$REGIA' 'forecast' '--input' 's.csv'" "$D/slurm-logs/forecast-forecast.sbatch" ||
  fail "forecast script"
echo "ok: any command after --"
expect_fail "dbg QOS limits" "qos boost_qos_dbg allows 2 nodes and 30 min" "$REGIA" submit --dry-run --nodes 3 "$D/job.ini"
expect_fail "bprod size" "qos boost_qos_bprod is for 65-256 nodes" "$REGIA" submit --dry-run --qos boost_qos_bprod "$D/job.ini"
expect_fail "normal time" "qos normal allows up to 24 h" "$REGIA" submit --dry-run --qos normal --time 2-00:00:00 "$D/job.ini"
expect_fail "unknown QOS" "unknown qos 'fast'" "$REGIA" submit --dry-run --qos fast "$D/job.ini"
expect_fail "bad time" "bad wall time 'soon'" "$REGIA" submit --dry-run --time soon "$D/job.ini"
expect_fail "bad profile" "--profile must be booster, dcgp or local" "$REGIA" submit --dry-run --profile gpu "$D/job.ini"
sed 's/^account = .*//' "$D/job.ini" >"$D/noacct.ini"
expect_fail "no account" "every Leonardo job needs an account" "$REGIA" submit "$D/noacct.ini"
expect_fail "unset variable" "job.ini:2: key 'output': environment variable CINECA_SCRATCH is not set" \
  env -u CINECA_SCRATCH "$REGIA" submit --dry-run "$D/job.ini"
sed 's/^array = .*//' "$D/job.ini" >"$D/noarr.ini"
expect_fail "{array} without array" "noarr.ini:2: key 'output' uses \{array\} but \[slurm\] has no 'array' list" \
  "$REGIA" submit --dry-run "$D/noarr.ini"
sed 's/^registry = .*//' "$D/job.ini" >"$D/half.ini"
expect_fail "half an ingest section" "\[ingest\] needs both 'registry' and 'data'" "$REGIA" submit --dry-run "$D/half.ini"
expect_fail "no job" "expected a JOBFILE, or -- COMMAND ARGS" "$REGIA" submit --dry-run
# a command line longer than regia submit's buffer is refused, not cut inside a quote
printf '[job]\noutput = o.nc\n[input]\nfile = in.nc\n[slurm]\nprofile = local\n[ingest]\nregistry = r.csv\ndata = ${REGIA_TEST_FILES}\n' >"$D/many.ini"
expect_fail "ingest command too long" "the command line of a step is longer than" env REGIA_TEST_FILES="$(
  for i in $(seq 1 200); do printf 'raw/measurements_of_the_lombardia_network_block_%03d_year_2024.csv, ' "$i"; done)" \
  "$REGIA" submit --dry-run "$D/many.ini"
# a job file and log directory with blanks, quotes, # and % in their names: sbatch splits
# #SBATCH lines at blanks and reads quotes, \ and #; SLURM reads % in --output as a pattern
W="$D/my dir/it's \"q\" #1 100%"; mkdir -p "$W"
printf '[job]\noutput = o.nc\n[input]\nfile = in.nc\n[slurm]\nprofile = local\n' >"$W/my job.ini"
"$REGIA" submit --dry-run "$W/my job.ini" >/dev/null || fail "dry run in a directory with quotes"
w=$W/slurm-logs/my\ job-env.sbatch
grep -qxF '#SBATCH --job-name="my job-env"' "$w" || fail "job name not quoted for sbatch: $(grep job-name "$w")"
grep -qxF "#SBATCH --output=\"$D/my dir/it's \\\"q\\\" #1 100%%/slurm-logs\"/%x_%j.log" "$w" ||
  fail "log path not quoted for sbatch: $(grep -- --output "$w")"
grep -qF "env '$D/my dir/it'\\''s \"q\" #1 100%/my job.ini' &" "$w" || fail "job file not quoted for bash: $(grep srun "$w")"
bash -n "$w" || fail "script in a quoted directory is not valid bash"
echo "ok: #SBATCH values and the command quoted for a directory named: my dir/it's \"q\" #1 100%"
mkdir -p "$D/bin"; printf '#!/bin/sh\necho "sbatch: error: Invalid account" >&2; exit 1\n' >"$D/bin/sbatch"; chmod +x "$D/bin/sbatch"
expect_fail "sbatch refuses" "sbatch failed \\(exit 1\\)" env PATH="$D/bin:$PATH" "$REGIA" submit "$D/job.ini"

# slurm/leonardo.env: loads the pinned modules, names the ones it cannot load, and says
# what is wrong without a module system (a fake `module` stands in for Lmod here)
out=$(bash -c 'source "$REGIA_ROOT/slurm/leonardo.env"' 2>&1) && fail "leonardo.env without 'module' succeeded"
grep -q "the 'module' command is missing" <<<"$out" || fail "leonardo.env without module: $out"
out=$(bash -c 'module() { echo "$2" >>"'"$D"'/loaded"; [[ $2 != cuda/* ]]; }; source "$REGIA_ROOT/slurm/leonardo.env"' 2>&1) &&
  fail "leonardo.env with a missing module succeeded"
grep -q 'these modules could not be loaded' <<<"$out" && grep -q '  cuda/12.2' <<<"$out" || fail "missing-module report: $out"
grep -q 'modmap -m' <<<"$out" || fail "no hint how to find module names: $out"
grep -q '^openmpi/.*cuda' "$D/loaded" && grep -q '^netcdf-c/' "$D/loaded" && grep -q '^hdf5/' "$D/loaded" || fail "modules tried: $(cat "$D/loaded")"
rm -f "$D/loaded"
out=$(bash -c 'module() { echo "$2" >>"'"$D"'/loaded"; }; REGIA_PARTITION=dcgp source "$REGIA_ROOT/slurm/leonardo.env"' 2>&1) ||
  fail "leonardo.env (dcgp): $out"
! grep -q '^cuda/' "$D/loaded" || fail "DCGP loads CUDA"
grep -q 'loaded .*(dcgp)' <<<"$out" || fail "leonardo.env (dcgp) summary: $out"
echo "ok: slurm/leonardo.env loads the pinned Booster/DCGP modules and names what is missing"

# the requeue protocol of the script, run by bash with stand-ins for srun and scontrol:
# a signal during the ranks' run is forwarded; exit 3 after SIGUSR1 requeues, after
# SIGTERM (scancel) does not; ranks that finish although signalled are still staged
P=$D/proto; mkdir -p "$P/bin" "$P/out"
cat >"$P/bin/srun" <<'SH'
#!/bin/bash
# stand-in ranks: note signals, write the output and its manifest, exit $FAKE_RC
trap 'echo usr1 >>"$FAKE_DIR/srun.sig"' USR1
trap 'echo term >>"$FAKE_DIR/srun.sig"' TERM
: >"$FAKE_DIR/started"
for _ in $(seq 1 40); do sleep 0.05; done
echo data >"$FAKE_DIR/out/p.nc"; echo '{}' >"$FAKE_DIR/out/p.manifest.json"
exit "${FAKE_RC:-0}"
SH
printf '#!/bin/sh\necho "$@" >>"$FAKE_DIR/scontrol.calls"\n' >"$P/bin/scontrol"
chmod +x "$P/bin/srun" "$P/bin/scontrol"
printf '[job]\noutput = out/p.nc\n[input]\nfile = in.nc\n[slurm]\nprofile = local\nstage_to = staged\n' >"$P/p.ini"
"$REGIA" submit --dry-run "$P/p.ini" >/dev/null || fail "protocol dry run"
proto() {  # proto SIGNAL RC: run the script, send SIGNAL while the ranks run, ranks exit RC
  rm -rf "$P/out"/* "$P/staged" "$P"/*.calls "$P"/srun.sig "$P/started"; local rc=0
  FAKE_DIR=$P FAKE_RC=$2 SLURM_JOB_ID=42 PATH="$P/bin:$PATH" bash "$P/slurm-logs/p-env.sbatch" >"$P/log" 2>&1 & local b=$!
  for _ in $(seq 1 100); do [[ -f $P/started ]] && break; sleep 0.05; done
  kill -"$1" $b; wait $b || rc=$?
  echo "$rc"
}
rc=$(proto USR1 3)
((rc == 0)) && grep -qx 'requeue 42' "$P/scontrol.calls" && grep -qx usr1 "$P/srun.sig" ||
  { cat "$P/log"; fail "USR1, ranks exit 3: exit $rc, expected a forwarded USR1 and scontrol requeue"; }
rc=$(proto TERM 3)
((rc == 3)) && [[ ! -e $P/scontrol.calls ]] && grep -q 'not requeued' "$P/log" ||
  { cat "$P/log"; fail "TERM, ranks exit 3: exit $rc, expected 3 and no requeue"; }
rc=$(proto USR1 0)
((rc == 0)) && [[ -f $P/staged/p.nc && -f $P/staged/p.manifest.json ]] && grep -q 'regia: done' "$P/log" ||
  { cat "$P/log"; fail "USR1, ranks finish: exit $rc, outputs not staged"; }
rc=$(proto USR1 1)
((rc == 1)) && [[ ! -e $P/scontrol.calls && ! -e $P/staged ]] || { cat "$P/log"; fail "USR1, ranks fail: exit $rc"; }
echo "ok: requeue protocol (USR1 -> requeue, TERM -> no requeue, finished ranks staged, failure kept)"

# an [ingest] step serves the whole array: an [input] file that changes with {array} is refused
sed 's|^file = in.nc|file = in_{array}.nc|' "$D/job.ini" >"$D/arrin.ini"
expect_fail "{array} in the ingested input" "arrin.ini:4: \[input\] file differs between array tasks" \
  "$REGIA" submit --dry-run "$D/arrin.ini"
