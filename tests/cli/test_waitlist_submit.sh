#!/usr/bin/env bash
# regia submit of a waitlist job whose [waitlist] ingest_job makes its input: the batch
# scripts of the chain (regia ingest waitlist JOB, then regia waitlist JOB afterok), and
# the refusals (an ingest_job of another domain, or one that writes another file).  Dry
# runs: no SLURM needed.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
mkdir -p data jobs
: >data/bookings.csv; : >data/agendas.csv; : >data/districts.csv
(umask 077; printf '%064d\n' 7 >data/wl.key)
cat >jobs/ingest.ini <<'INI'
[job]
domain = ingest waitlist
output = ../out/bookings.nc
[input]
data = ../data/bookings.csv
key_file = ../data/wl.key
districts = ../data/districts.csv
synthetic = yes
INI
cat >jobs/wl.ini <<'INI'
[job]
domain = waitlist
output = ../out/waitlist.nc
[waitlist]
input = ../out/bookings.nc
agendas = ../data/agendas.csv
districts = ../data/districts.csv
ingest_job = ingest.ini
[slurm]
profile = local
INI
out=$("$REGIA" submit --dry-run jobs/wl.ini 2>&1) || fail "dry run failed: $out"
pre=jobs/slurm-logs/wl-ingest.sbatch main=jobs/slurm-logs/wl-waitlist.sbatch
[[ -f $pre && -f $main ]] || fail "batch scripts missing: $(ls jobs/slurm-logs 2>&1)"
grep -q "'ingest' 'waitlist' '$TMP/jobs/ingest.ini'" "$pre" || fail "pre-step does not run the ingest job: $(grep srun "$pre")"
grep -q "waitlist '$TMP/jobs/wl.ini'" "$main" || fail "main script does not run the waitlist job"
grep -q "dependency=afterok" <<<"$out" || fail "the analysis is not chained afterok: $out"
echo "ok: ingest_job chained before the analysis"

sed 's|^ingest_job = ingest.ini|ingest_job = wl.ini|' jobs/wl.ini >jobs/self.ini
expect_fail "an ingest_job of another domain" "ingest_job .*is a job file of 'waitlist', not of 'ingest waitlist'" \
  "$REGIA" submit --dry-run jobs/self.ini
sed 's|^output = ../out/bookings.nc|output = ../out/other.nc|' jobs/ingest.ini >jobs/ingest_other.ini
sed 's|^ingest_job = ingest.ini|ingest_job = ingest_other.ini|' jobs/wl.ini >jobs/other.ini
expect_fail "an ingest_job writing another file" "writes .*other.nc, but the analysis reads \[waitlist\] input" \
  "$REGIA" submit --dry-run jobs/other.ini
sed 's|^ingest_job = ingest.ini|ingest_job = missing.ini|' jobs/wl.ini >jobs/missing.ini
expect_fail "a missing ingest_job" "missing.ini" "$REGIA" submit --dry-run jobs/missing.ini
echo "test_waitlist_submit: ok"
