#!/usr/bin/env bash
# regia submit of a job with [publish] catalog: a third batch step runs regia publish of
# the run's outputs (every array task's) into the catalog, with the catalog's title, on
# one rank of a CPU partition, afterok on the run; without [publish] there is no such
# step.  Dry runs: no SLURM needed.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
cat >job.ini <<'INI'
[job]
output = out/o_{array}.nc
[input]
file = in.nc
as_of = {array}-09-30
[slurm]
account = AIHUB_test
qos = boost_qos_dbg
time = 00:20:00
array = 2023, 2024
[ingest]
registry = raw/sensors.csv
data = raw/a.csv
[publish]
catalog = cat
title = It's "Lombardia"
INI
out=$("$REGIA" submit --dry-run job.ini 2>&1) || fail "dry run: $out"
p=slurm-logs/job-publish.sbatch
[[ -x $p ]] || fail "no publish script: $(ls slurm-logs)"
grep -qF "srun --mpi=pmix '$REGIA' 'publish' '--catalog' '$TMP/cat' '--title' 'It'\\''s \"Lombardia\"' '$TMP/out/o_2023.nc' '$TMP/out/o_2024.nc' &" "$p" ||
  fail "publish step command: $(grep '^srun' "$p")"
# a small serial step: one task of one core, that core's share of a DCGP node's memory
# (494,000 MB / 112), the node shared (no --exclusive)
for l in '--partition=dcgp_usr_prod' '--qos=dcgp_qos_dbg' '--nodes=1' '--ntasks-per-node=1' '--cpus-per-task=1' \
  '--mem=4410M'; do
  grep -qxF -- "#SBATCH $l" "$p" || fail "publish script lacks #SBATCH $l: $(grep '^#SBATCH' "$p")"
done
! grep -q -- '--gres\|--array\|--exclusive' "$p" || fail "the publish step asks for GPUs, is an array or exclusive"
grep -qF "would submit: 'sbatch' '--parsable' '--dependency=afterok:<ID2>' '$TMP/$p'" <<<"$out" ||
  fail "publish is not chained afterok on the run (<ID2>): $out"
echo "ok: [publish] catalog chains regia publish of both array outputs after the run (afterok)"
# a DCGP job (exclusive nodes): its publish step is still one shared core
sed 's/^qos = .*/profile = dcgp\nqos = dcgp_qos_dbg/' job.ini >dcgp.ini
out=$("$REGIA" submit --dry-run dcgp.ini 2>&1) || fail "dcgp dry run: $out"
grep -qxF -- "#SBATCH --exclusive" slurm-logs/dcgp-dcgp.sbatch 2>/dev/null ||
  grep -qxF -- "#SBATCH --exclusive" slurm-logs/dcgp-env.sbatch || fail "the DCGP run is not --exclusive: $(ls slurm-logs)"
for l in '--ntasks-per-node=1' '--cpus-per-task=1' '--mem=4410M'; do
  grep -qxF -- "#SBATCH $l" slurm-logs/dcgp-publish.sbatch || fail "DCGP publish script lacks #SBATCH $l"
done
! grep -q -- '--exclusive' slurm-logs/dcgp-publish.sbatch || fail "the DCGP job's publish step is --exclusive"
echo "ok: a DCGP job's run is --exclusive, its publish step one shared core (4410M)"
sed -i '/^\[publish\]/,$d' job.ini
rm -rf slurm-logs
out=$("$REGIA" submit --dry-run job.ini 2>&1) || fail "dry run without [publish]: $out"
[[ ! -e slurm-logs/job-publish.sbatch ]] && ! grep -q publish <<<"$out" || fail "a publish step without [publish]"
echo "ok: no publish step without [publish] catalog"
printf '[job]\noutput = o.nc\n[input]\nfile = in.nc\n[slurm]\nprofile = local\n[publish]\ntitle = t\n' >t.ini
"$REGIA" submit --dry-run t.ini >/dev/null 2>&1 || fail "a [publish] title alone is refused"
[[ ! -e slurm-logs/t-publish.sbatch ]] || fail "a publish step without [publish] catalog"
echo "ok: [publish] title without catalog adds no step"
