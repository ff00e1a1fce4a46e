#!/usr/bin/env bash
# regia submit --dry-run: the Leonardo batch scripts it writes (Booster: 4 ranks x 8 cores
# and 4 GPUs per node; DCGP: CPU only; the CPU-only ingest step on DCGP), --mem, the
# module set of each partition, the requeue protocol lines and its idle-restart limit,
# arrays, chains, Leonardo's limits per partition and QOS, hostile job-file values
# (refused, or inert in the script), and the errors it gives before anything reaches
# sbatch.  Needs no SLURM.
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
         '--cpus-per-task=8' '--mem=494000M' '--gres=gpu:4' '--time=00:20:00' '--array=0-1' '--open-mode=append' \
         '--requeue' '--signal=B:USR1@120' "--output=$D/slurm-logs/%x_%A_%a.log"; do
  grep -qF -- "#SBATCH $l" "$b" || fail "booster script lacks #SBATCH $l"
done
! grep -q -- '--gres' "$i" || fail "the ingest step asks for GPUs"
! grep -q -- '--array' "$i" || fail "the ingest step is an array"
# the CPU-only ingest step goes to DCGP (a full CPU node, its QOS of the same kind) and
# loads DCGP's modules; the analysis loads Booster's
for l in '--partition=dcgp_usr_prod' '--qos=dcgp_qos_dbg' '--nodes=1' '--ntasks-per-node=8' '--cpus-per-task=14' \
         '--mem=494000M' '--exclusive' '--time=00:20:00'; do
  grep -qxF -- "#SBATCH $l" "$i" || fail "ingest script lacks #SBATCH $l: $(grep '^#SBATCH' "$i")"
done
grep -q '^export REGIA_PARTITION=dcgp ' "$i" && grep -q '^export REGIA_PARTITION=booster ' "$b" ||
  fail "the steps do not choose their partition's modules"
for l in 'trap on_usr1 USR1' 'scontrol requeue' 'SRUN_CPUS_PER_TASK=${SLURM_CPUS_PER_TASK' \
         "srun --mpi=pmix '$REGIA' env '$D/job.ini' &" "source '$REGIA_ROOT/slurm/leonardo.env'" \
         "'$REGIA' stage '$D/job.ini'" "ckpt_dirs=('$D/scratch/regia/out_2023.ckpt' '$D/scratch/regia/out_2024.ckpt')" \
         'max_idle=2'; do
  grep -qF -- "$l" "$b" || fail "booster script lacks: $l"
done
grep -q '^would submit: .sbatch. .--parsable.' <<<"$out" && grep -q 'dry run: nothing submitted' <<<"$out" &&
  ! grep -q '^submitted' <<<"$out" || fail "--dry-run does not say what it would submit: $out"
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
grep -qxF -- '#SBATCH --partition=dcgp_usr_prod' "$i" && grep -qxF -- '#SBATCH --qos=normal' "$i" || fail "dcgp ingest step"
"$REGIA" submit --dry-run --profile dcgp --ranks-per-node 2 --cpus-per-task 14 --qos normal "$D/job.ini" >/dev/null ||
  fail "dcgp, part of a node"
grep -qxF -- '#SBATCH --mem=123500M' "$b" || fail "dcgp quarter node: $(grep -- --mem "$b")"
"$REGIA" submit --dry-run --mem 64G "$D/job.ini" >/dev/null && grep -qxF -- '#SBATCH --mem=64G' "$b" || fail "--mem 64G"
echo "ok: DCGP script, --mem by the cores' share or as given"
(cd "$D" && "$REGIA" submit --dry-run --account X -- forecast --input s.csv --season 7 --horizon 14 --output f.nc) \
  >/dev/null || fail "submit -- forecast"
grep -qF "srun --mpi=pmix '$REGIA' 'forecast' '--input' 's.csv'" "$D/slurm-logs/forecast-forecast.sbatch" ||
  fail "forecast script"
echo "ok: any command after --"
# Leonardo's limits, per partition and QOS (Booster and DCGP differ)
expect_fail "dbg QOS limits" "qos boost_qos_dbg of boost_usr_prod allows up to 2 nodes and 30 min .*: use qos normal" \
  "$REGIA" submit --dry-run --nodes 3 "$D/job.ini"
expect_fail "bprod size" "qos boost_qos_bprod of boost_usr_prod is for 65-256 nodes" \
  "$REGIA" submit --dry-run --qos boost_qos_bprod "$D/job.ini"
"$REGIA" submit --dry-run --qos boost_qos_bprod --nodes 65 --time 24:00:00 "$D/job.ini" >/dev/null || fail "bprod 65 nodes"
expect_fail "normal time" "qos normal of boost_usr_prod allows up to 64 nodes and 1 day .*: use qos boost_qos_lprod" \
  "$REGIA" submit --dry-run --qos normal --time 2-00:00:00 "$D/job.ini"
expect_fail "lprod nodes" "qos boost_qos_lprod of boost_usr_prod allows up to 3 nodes and 4 days" \
  "$REGIA" submit --dry-run --qos boost_qos_lprod --nodes 4 --time 3-00:00:00 "$D/job.ini"
expect_fail "dcgp normal nodes" "qos normal of dcgp_usr_prod allows up to 16 nodes and 1 day .*: use qos dcgp_qos_bprod" \
  "$REGIA" submit --dry-run --profile dcgp --qos normal --nodes 17 "$D/job.ini"
"$REGIA" submit --dry-run --profile booster --qos normal --nodes 17 "$D/job.ini" >/dev/null || fail "booster 17 nodes"
expect_fail "dcgp bprod size" "qos dcgp_qos_bprod of dcgp_usr_prod is for 17-128 nodes" \
  "$REGIA" submit --dry-run --profile dcgp --qos dcgp_qos_bprod --nodes 129 "$D/job.ini"
expect_fail "booster QOS on dcgp" "unknown qos 'boost_qos_dbg' for partition dcgp_usr_prod" \
  "$REGIA" submit --dry-run --profile dcgp "$D/job.ini"
expect_fail "unknown QOS" "unknown qos 'fast'" "$REGIA" submit --dry-run --qos fast "$D/job.ini"
expect_fail "bad time" "--time: bad wall time 'soon'" "$REGIA" submit --dry-run --time soon "$D/job.ini"
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
out=$(bash -c 'module() { echo "$*" >>"'"$D"'/loaded"; [[ $2 != cuda/* ]]; }; source "$REGIA_ROOT/slurm/leonardo.env"' 2>&1) &&
  fail "leonardo.env with a missing module succeeded"
grep -q 'these modules could not be loaded' <<<"$out" && grep -q '  cuda/12.2' <<<"$out" || fail "missing-module report: $out"
grep -q 'modmap -m' <<<"$out" || fail "no hint how to find module names: $out"
# module purge first, then the compiler the modules were built with, then the set
[[ $(sed -n 1p "$D/loaded") == purge && $(sed -n 2p "$D/loaded") == 'load gcc/12.2.0' ]] ||
  fail "leonardo.env does not start from module purge and the compiler: $(cat "$D/loaded")"
grep -q '^load openmpi/.*cuda' "$D/loaded" && grep -q '^load netcdf-c/' "$D/loaded" && grep -q '^load hdf5/' "$D/loaded" ||
  fail "modules tried: $(cat "$D/loaded")"
rm -f "$D/loaded"
out=$(bash -c 'module() { echo "$*" >>"'"$D"'/loaded"; }; REGIA_PARTITION=dcgp source "$REGIA_ROOT/slurm/leonardo.env"' 2>&1) ||
  fail "leonardo.env (dcgp): $out"
! grep -qi 'cuda' "$D/loaded" || fail "DCGP loads a CUDA module: $(cat "$D/loaded")"
[[ $(sed -n 1p "$D/loaded") == purge ]] && grep -q '^load openmpi/' "$D/loaded" || fail "DCGP modules: $(cat "$D/loaded")"
grep -q 'loaded .*(dcgp)' <<<"$out" || fail "leonardo.env (dcgp) summary: $out"
out=$(bash -c 'module() { :; }; REGIA_PARTITION=gpu source "$REGIA_ROOT/slurm/leonardo.env"' 2>&1) && fail "REGIA_PARTITION=gpu accepted"
grep -q 'REGIA_PARTITION must be booster or dcgp' <<<"$out" || fail "bad REGIA_PARTITION: $out"
echo "ok: slurm/leonardo.env: module purge, gcc/12.2.0, then the pinned Booster (CUDA) or DCGP (no CUDA) modules"

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
for _ in $(seq 1 "${FAKE_TICKS:-40}"); do sleep 0.05; done
# FAKE_BLOCK=1: the ranks checkpoint a new block before they stop
[[ -n ${FAKE_BLOCK:-} ]] && { mkdir -p "$FAKE_DIR/out/p.ckpt"; echo block >>"$FAKE_DIR/out/p.ckpt/rank-0.ckpt"; }
[[ ${FAKE_RC:-0} == 3 ]] && exit 3
echo data >"$FAKE_DIR/out/p.nc"  # the manifest records the job file and the output (regia stage checks both)
printf '{"job_file": "p.ini", "job_sha256": "%s", "outputs": [{"role": "forecast", "path": "p.nc", "sha256": "%s"}]}\n' \
  "$(sha256sum <"$FAKE_DIR/p.ini" | cut -c1-64)" "$(sha256sum <"$FAKE_DIR/out/p.nc" | cut -c1-64)" >"$FAKE_DIR/out/p.manifest.json"
exit "${FAKE_RC:-0}"
SH
printf '#!/bin/sh\necho "$@" >>"$FAKE_DIR/scontrol.calls"\n' >"$P/bin/scontrol"
chmod +x "$P/bin/srun" "$P/bin/scontrol"
printf '[job]\noutput = out/p.nc\n[input]\nfile = in.nc\n[slurm]\nprofile = local\nstage_to = staged\n' >"$P/p.ini"
"$REGIA" submit --dry-run "$P/p.ini" >/dev/null || fail "protocol dry run"
proto() {  # proto SIGNAL RC: run the script, send SIGNAL while the ranks run, ranks exit RC
  rm -rf "$P/out"/* "$P/staged" "$P"/*.calls "$P"/srun.sig "$P/started" "$P"/slurm-logs/.p-env-*.idle; local rc=0
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

# max_idle_restarts: runs that checkpoint (exit 3) but save no new block are counted, in a
# row, per job id; at the limit the job is not requeued; a run with a new block resets it
idle_run() {  # idle_run BLOCK: one run of job 42 whose ranks exit 3, with a new block or not
  rm -f "$P/scontrol.calls"; local rc=0
  FAKE_DIR=$P FAKE_RC=3 FAKE_TICKS=1 FAKE_BLOCK=$1 SLURM_JOB_ID=42 PATH="$P/bin:$PATH" \
    bash "$P/slurm-logs/p-env.sbatch" >>"$P/idle.log" 2>&1 || rc=$?
  echo "$rc $([[ -f $P/scontrol.calls ]] && echo requeued || echo stopped)"
}
rm -rf "$P/out"/* "$P"/slurm-logs/.p-env-*.idle "$P/idle.log"
[[ $(idle_run 1) == '0 requeued' ]] || fail "a run with a new block was not requeued"
[[ $(idle_run '') == '0 requeued' ]] || { cat "$P/idle.log"; fail "first idle run not requeued"; }
[[ $(idle_run '') == '3 stopped' ]] || { cat "$P/idle.log"; fail "second idle run in a row requeued (max_idle_restarts = 2)"; }
grep -q '2 runs in a row saved no new block (max_idle_restarts = 2): not requeued' "$P/idle.log" ||
  { cat "$P/idle.log"; fail "no message for the idle-restart limit"; }
[[ $(idle_run 1) == '0 requeued' && $(idle_run '') == '0 requeued' ]] || fail "a new block did not reset the count"
sed -i 's/^stage_to = staged/stage_to = staged\nmax_idle_restarts = 1/' "$P/p.ini"
"$REGIA" submit --dry-run "$P/p.ini" >/dev/null || fail "dry run, max_idle_restarts = 1"
rm -f "$P"/slurm-logs/.p-env-*.idle
[[ $(idle_run '') == '3 stopped' ]] || fail "max_idle_restarts = 1: an idle run was requeued"
"$REGIA" submit --dry-run --max-idle-restarts 0 "$P/p.ini" >/dev/null || fail "dry run, --max-idle-restarts 0"
[[ $(idle_run '') == '0 requeued' && $(idle_run '') == '0 requeued' ]] || fail "max_idle_restarts = 0 is not 'no limit'"
echo "ok: max_idle_restarts: idle runs counted in a row, the job stops requeueing at the limit, a new block resets it"

# an [ingest] step serves the whole array: an [input] file that changes with {array} is refused
sed 's|^file = in.nc|file = in_{array}.nc|' "$D/job.ini" >"$D/arrin.ini"
expect_fail "{array} in the ingested input" "arrin.ini: the pre-step differs between array tasks 0 and 1 .*\[input\] file" \
  "$REGIA" submit --dry-run "$D/arrin.ini"

# any domain of the registry: a forecast job file is submitted as `regia forecast JOBFILE`
# (no pre-step); a [job] domain that is not in the registry is refused naming its line
cd "$D"
printf '[job]\ndomain = forecast\noutput = f.nc\n[forecast]\ninput = s.csv\nseason = 7\nhorizon = 14\n[slurm]\naccount = X\n' >"$D/fc.ini"
out=$("$REGIA" submit --dry-run "$D/fc.ini") || { echo "$out"; fail "forecast job file"; }
grep -qF "srun --mpi=pmix '$REGIA' forecast '$D/fc.ini' &" "$D/slurm-logs/fc-forecast.sbatch" || fail "forecast job script"
grep -qF "ckpt_dirs=('$D/f.ckpt')" "$D/slurm-logs/fc-forecast.sbatch" || fail "forecast checkpoint directory"
[[ ! -e $D/slurm-logs/fc-ingest.sbatch ]] && grep -q 'would submit one job' <<<"$out" || fail "forecast job has a pre-step"
printf '[job]\ndomain = weather\noutput = w.nc\n' >"$D/wx.ini"
expect_fail "unknown domain" "wx.ini:2: \[job\] domain 'weather' is not one of env, forecast" "$REGIA" submit --dry-run "$D/wx.ini"
echo "ok: a forecast job file submitted through the domain registry"

# ---- hostile job-file values: each is refused naming its line, or inert in the script ----
H=$D/hostile; mkdir -p "$H"; cd "$H"
MARK=MARK   # created (in $H, where everything below runs) by any command a value manages to run
base() { printf '[job]\noutput = o.nc\n[input]\nfile = in.nc\n[slurm]\nprofile = local\n'; }
refused() {  # refused WHAT KEY VALUE REGEX: [slurm] KEY = VALUE is refused with REGEX
  { base; printf '%s = %s\n' "$2" "$3"; } >"$H/h.ini"
  expect_fail "hostile $1" "$4" "$REGIA" submit --dry-run "$H/h.ini"
  [[ ! -e $H/$MARK ]] || fail "hostile $1: a command ran"
}
refused "mpi \$(cmd)" mpi "pmix \$(touch $MARK)" "h.ini:7: \[slurm\] mpi = 'pmix .*may hold only letters, digits and '_'"
refused "mpi backticks" mpi "pmix\`touch $MARK\`" "h.ini:7: \[slurm\] mpi = .*may hold only"
refused "mpi semicolon" mpi "pmix;touch $MARK" "h.ini:7: \[slurm\] mpi = .*may hold only"
refused "account with a blank" account "AIHUB --qos=boost_qos_lprod" "h.ini:7: \[slurm\] account = 'AIHUB --qos=boost_qos_lprod': may hold only"
refused "account quote" account "A'B" "h.ini:7: \[slurm\] account = .*may hold only"
refused "partition blank" partition "boost_usr_prod --exclusive" "h.ini:7: \[slurm\] partition = .*may hold only"
refused "partition \$(cmd)" partition "p\$(touch $MARK)" "h.ini:7: \[slurm\] partition = .*may hold only"
refused "qos double quote" qos 'normal"x' "h.ini:7: \[slurm\] qos = .*may hold only"
refused "time with a command" time "00:10:00 \$(touch $MARK)" "h.ini:7: \[slurm\] time: bad wall time"
refused "mem with a command" mem "1G;touch $MARK" "h.ini:7: \[slurm\] mem = .*expected a whole number"
refused "prestep partition" prestep_partition "dcgp_usr_prod;x" "h.ini:7: \[slurm\] prestep_partition = .*may hold only"
# a line break through an allowed variable, and through options
{ base; printf 'account = ${REGIA_TEST_EVIL}\n'; } >"$H/h.ini"
expect_fail "hostile account with a line break" "h.ini:7: \[slurm\] account = 'A.n#SBATCH --qos=boost_qos_lprod': may hold only" \
  env REGIA_TEST_EVIL=$'A\n#SBATCH --qos=boost_qos_lprod' "$REGIA" submit --dry-run "$H/h.ini"
{ base; printf 'account = ${GITHUB_TOKEN}\n'; } >"$H/h.ini"
expect_fail "a token copied into a value" "h.ini:7: key 'account': \\$\{GITHUB_TOKEN\} is not a variable a job file may use" \
  env GITHUB_TOKEN=secret "$REGIA" submit --dry-run "$H/h.ini"
base >"$H/h.ini"
expect_fail "hostile --account" "--account = 'a b': may hold only" "$REGIA" submit --dry-run --account 'a b' "$H/h.ini"
expect_fail "hostile --after" "--after 'x;y': expected a job id" "$REGIA" submit --dry-run --after 'x;y' "$H/h.ini"
# values that are paths go into the script quoted: a directory named with $(...), `...`,
# quotes, ; and a blank, as the job's directory, stage_to, env_file, [input] file and
# [ingest] data.  The generated scripts run (stand-ins for srun and scontrol) and pass
# every path through unchanged; nothing they contain is run.
E="$H/\$(touch $MARK) \`touch $MARK\`; \"q\" 'x' ~"; mkdir -p "$E/raw" "$P/hbin"
printf 'echo sourced\n' >"$E/env \$(touch $MARK).sh"
printf '#!/bin/bash\nprintf "%%s\\n" "$@" >>"$FAKE_DIR/srun.args"\n' >"$P/hbin/srun"; chmod +x "$P/hbin/srun"
{ printf '[job]\noutput = out $(touch %s).nc\n[input]\nfile = in;touch %s.nc\n[slurm]\nprofile = local\n' "$MARK" "$MARK"
  printf 'env_file = env $(touch %s).sh\nstage_to = st `touch %s`\n' "$MARK" "$MARK"
  printf '[ingest]\nregistry = raw/r"1".csv\ndata = raw/a $(touch %s).csv, \\\n  raw/b`x`.csv\n' "$MARK"; } >"$E/j.ini"
"$REGIA" submit --dry-run "$E/j.ini" >/dev/null || fail "dry run of the job in the hostile directory"
for f in "$E"/slurm-logs/j-env.sbatch "$E"/slurm-logs/j-ingest.sbatch; do
  bash -n "$f" || fail "$(basename "$f"): not valid bash"
  rm -f "$P/srun.args"
  FAKE_DIR=$P SLURM_JOB_ID=7 PATH="$P/hbin:$PATH" bash "$f" >"$P/h.log" 2>&1 || true
  [[ ! -e $H/$MARK ]] || { cat "$P/h.log"; fail "$(basename "$f"): a value ran a command"; }
  grep -q '^sourced$' "$P/h.log" || { cat "$P/h.log"; fail "$(basename "$f"): env_file not sourced"; }
done
f=$E/slurm-logs/j-ingest.sbatch
FAKE_DIR=$P SLURM_JOB_ID=7 PATH="$P/hbin:$PATH" bash "$f" >/dev/null 2>&1 || true
want=("$REGIA" ingest env --registry "$E/raw/r\"1\".csv" --data "$E/raw/a \$(touch $MARK).csv" --data "$E/raw/b\`x\`.csv"
      --output "$E/in;touch $MARK.nc" --utc-offset 1)
rm -f "$P/srun.args"; FAKE_DIR=$P SLURM_JOB_ID=7 PATH="$P/hbin:$PATH" bash "$f" >/dev/null 2>&1 || true
mapfile -t got <"$P/srun.args"
[[ ${got[0]} == --mpi=pmix && "${got[*]:1}" == "${want[*]}" && ${#got[@]} -eq $((${#want[@]} + 1)) ]] ||
  fail "ingest words changed on the way: $(printf '[%s] ' "${got[@]}")"
rm -f "$P/srun.args"; FAKE_DIR=$P SLURM_JOB_ID=7 PATH="$P/hbin:$PATH" bash "$E/slurm-logs/j-env.sbatch" >/dev/null 2>&1 || true
mapfile -t got <"$P/srun.args"
[[ ${got[1]} == "$REGIA" && ${got[2]} == env && ${got[3]} == "$E/j.ini" ]] || fail "env words: $(printf '[%s] ' "${got[@]}")"
grep -qF "ckpt_dirs=('$H/\$(touch $MARK) \`touch $MARK\`; \"q\" '\\''x'\\'' ~/out \$(touch $MARK).ckpt')" "$E/slurm-logs/j-env.sbatch" ||
  fail "checkpoint directory not quoted: $(grep ckpt_dirs= "$E/slurm-logs/j-env.sbatch")"
[[ ! -e $H/$MARK ]] || fail "a hostile value ran a command"
echo "ok: hostile values refused with their line ([slurm] mpi, account, partition, qos, time, mem), paths inert"
