#!/usr/bin/env bash
# regia ingest env on the run skeleton: the same job from options (--key value, --key=value,
# --data repeated, the same file twice) and from a job file gives the same data; no
# checkpoint directory is made; the rejects file is an extra output (own temporary name,
# listed in the manifest, committed with the output); `regia ingest --help` and
# `regia --help` list the command.
source "$(dirname "$0")/lib.sh"
D=$TMP; mkdir -p "$D/g" "$D/j"
run_np 1 gen env --stations 4 --years 1 --seed 8 --output-dir "$D/g" --end-date 2023-03-31 2>/dev/null
REG=$D/g/sensors.csv; DAT=$D/g/measurements.csv
vars=no2,o3,pm10,pm2p5,no2_qc,o3_qc,pm10_qc,pm2p5_qc,time,day,station_id,lat,lon,alt,station_name,province
data_of() { ncdump -v $vars "$1" | sed -n '/^data:/,$p'; }
run_np 2 ingest env --registry "$REG" --data "$DAT" --output "$D/a.nc" 2>/dev/null || fail "options"
run_np 2 ingest env --registry="$REG" --data="$DAT" --utc-offset=1 --separator=, --output="$D/b.nc" 2>/dev/null ||
  fail "--key=value"
cmp -s <(data_of "$D/a.nc") <(data_of "$D/b.nc") || fail "--key=value: data differ"
[[ ! -e $D/a.ckpt && ! -e $D/b.ckpt ]] || fail "a checkpoint directory was made"
printf '[input]\nregistry = g/sensors.csv\ndata = g/measurements.csv\n[job]\noutput = j/c.nc\n' >"$D/ing.ini"
run_np 3 ingest env "$D/ing.ini" 2>/dev/null || fail "job file"
cmp -s <(data_of "$D/a.nc") <(data_of "$D/j/c.nc") || fail "job file: data differ"
[[ -s $D/j/c.rejects.csv && -s $D/j/c.manifest.json ]] || fail "job file: rejects or manifest missing"
echo "ok: options, --key=value and a job file give the same data; no checkpoint directory"
# the same file twice: every row of the second copy is a duplicate (an error past --max-rejected)
run_np 2 ingest env --registry "$REG" --data "$DAT" --data "$DAT" --max-rejected 60 --output "$D/t.nc" 2>"$D/t.log" ||
  { cat "$D/t.log"; fail "the same file twice"; }
n=$(grep -c 'duplicate timestamp' "$D/t.rejects.csv")
((n == $(($(wc -l <"$DAT") - 1)))) || fail "the same file twice: $n duplicates"
cmp -s <(data_of "$D/a.nc") <(data_of "$D/t.nc") || fail "the same file twice: data differ"
/usr/bin/python3 - "$D/t.manifest.json" "$D/t.nc" "$D/t.rejects.csv" <<'PY' || fail "manifest"
import hashlib, json, os, sys
m = json.load(open(sys.argv[1]))
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
outs = {f["role"]: f for f in m["outputs"]}
assert outs["ingested"]["sha256"] == sha(sys.argv[2]) and outs["rejects"]["path"] == os.path.basename(sys.argv[3]), outs
assert outs["rejects"]["sha256"] == sha(sys.argv[3]), outs
assert [f["role"] for f in m["inputs"]] == ["registry", "data", "data"], m["inputs"]
print("ok: manifest lists both outputs with their SHA-256 and the data file twice")
PY
[[ -z $(ls "$D" | grep 'tmp$') ]] || fail "temporary files left: $(ls "$D")"
# help and dispatch
h=$("$REGIA" --help); grep -q '^  ingest ' <<<"$h" || fail "regia --help does not list ingest: $h"
h=$("$REGIA" ingest --help); grep -q 'regia ingest env --registry' <<<"$h" || fail "regia ingest --help: $h"
h=$("$REGIA" ingest env --help); grep -q -- '--max-rejected' <<<"$h" || fail "regia ingest env --help: $h"
expect_fail "regia ingest alone" "expected .regia ingest env" "$REGIA" ingest
expect_fail "unknown option" "unknown option '--nosuch'" "$REGIA" ingest env --registry "$REG" --data "$DAT" --output "$D/x.nc" --nosuch 1
expect_fail "a repeated single option" "option --output given twice" "$REGIA" ingest env --registry "$REG" --data "$DAT" --output "$D/x.nc" --output "$D/y.nc"
# an ingest job file is submitted as `regia ingest env JOBFILE` (its [job] domain)
printf '[job]\ndomain = ingest env\noutput = j/s.nc\n[input]\nregistry = g/sensors.csv\ndata = g/measurements.csv\n[slurm]\nprofile = local\nlog_dir = logs\n' >"$D/sub.ini"
out=$("$REGIA" submit --dry-run "$D/sub.ini" 2>&1) || { echo "$out"; fail "submit of an ingest job file"; }
grep -q 'would submit' <<<"$out" || fail "submit dry run: $out"
grep -qE "^srun .*regia' ingest env '$D/sub.ini'" "$D/logs/sub-ingest-env.sbatch" ||
  { ls -R "$D/logs" 2>&1; fail "the batch script does not run regia ingest env JOBFILE"; }
echo "ok: an ingest job file ([job] domain = ingest env) submits as regia ingest env JOBFILE"
echo "ok: ingest env on the run protocol"
