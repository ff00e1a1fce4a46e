#!/usr/bin/env bash
# regia submit of a sensors job whose [sensors] ingest_job makes its store: the batch
# scripts of the chain (regia ingest sensors JOB, then regia sensors JOB afterok), and the
# refusal of an ingest job that writes another store.  Dry runs: no SLURM needed.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
mkdir -p data jobs
printf 'time,x [m/s2]\n2026-03-01T00:00:00,0.1\n' >data/a.csv
cat >jobs/ingest.ini <<'INI'
[job]
domain = ingest sensors
output = ../out/store.nc
[input]
data = ../data/a.csv
structure = S1
sensor = A1
INI
cat >jobs/s.ini <<'INI'
[job]
domain = sensors
output = ../out/sensors.nc
[input]
store = ../out/store.nc
[sensors]
ingest_job = ingest.ini
[slurm]
profile = local
INI
out=$("$REGIA" submit --dry-run jobs/s.ini 2>&1) || fail "dry run failed: $out"
pre=$(ls jobs/slurm-logs/*ingest*.sbatch 2>/dev/null | head -1) main=$(ls jobs/slurm-logs/*sensors.sbatch 2>/dev/null | grep -v ingest | head -1)
[[ -f $pre && -f $main ]] || fail "batch scripts missing: $(ls jobs/slurm-logs 2>&1)"
grep -q "'ingest' 'sensors' '$TMP/jobs/ingest.ini'" "$pre" || fail "pre-step does not run the ingest job: $(grep srun "$pre")"
grep -q "sensors '$TMP/jobs/s.ini'" "$main" || fail "main script does not run the sensors job: $(grep srun "$main")"
grep -q "dependency=afterok" <<<"$out" || fail "the analysis is not chained afterok: $out"
echo "ok: [sensors] ingest_job chained before the analysis"
sed -i 's#store = ../out/store.nc#store = ../out/other.nc#' jobs/s.ini
expect_fail "an ingest_job writing another store" "s.ini:[0-9]+: \[sensors\] ingest_job .*ingest.ini writes .*store.nc, but the analysis reads \[input\] store = .*other.nc" \
  "$REGIA" submit --dry-run jobs/s.ini
