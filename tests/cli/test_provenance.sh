#!/usr/bin/env bash
# Provenance that is true: the demo chain (regia gen env -> regia ingest env --synthetic ->
# regia env) says in title, source and acknowledgement that the data are synthetic and
# names no agency as the source; no output or manifest holds a machine path (the test's
# directory), files are named by file name plus SHA-256; without --synthetic the ARPA
# text stays; `regia stage JOB` refuses an output whose manifest records another job
# file (naming both) and stages its own.
source "$(dirname "$0")/lib.sh"
D=$TMP; mkdir -p "$D/data" "$D/run"
run_np 1 gen env --stations 3 --years 2 --seed 5 --end-date 2024-09-30 --output-dir "$D/data" >/dev/null 2>&1 ||
  fail "gen env"
run_np 2 ingest env --registry "$D/data/sensors.csv" --data "$D/data/measurements.csv" --synthetic \
  --output "$D/run/l.nc" >/dev/null 2>&1 || fail "ingest env --synthetic"
cat >"$D/run/job.ini" <<EOF
[job]
name = provenance
output = out.nc
[input]
file = l.nc
as_of = 2024-09-30
[analysis]
pollutants = pm10
history_days = 400
paths = 100
[slurm]
profile = local
stage_to = staged
EOF
run_np 2 env "$D/run/job.ini" >/dev/null 2>&1 || fail "env"
att() { ncdump -h "$1" | grep -E "^[[:space:]]*:$2 = " || true; }
for f in l out; do
  h=$(ncdump -h "$D/run/$f.nc")
  grep -q ':synthetic = "yes"' <<<"$h" || fail "$f.nc: no synthetic = yes"
  att "$D/run/$f.nc" title | grep -qi 'synthetic' || fail "$f.nc: title does not say synthetic: $(att "$D/run/$f.nc" title)"
  att "$D/run/$f.nc" source | grep -qi 'synthetic' || fail "$f.nc: source does not say synthetic"
  att "$D/run/$f.nc" source | grep -qi 'dati.lombardia\|open data' && fail "$f.nc: source names the agency's open data"
  att "$D/run/$f.nc" acknowledgement | grep -q 'no data provider' || fail "$f.nc: acknowledgement names a provider"
  ! grep -q "$D" <<<"$h" || fail "$f.nc names the test directory: $(grep "$D" <<<"$h")"
  ! grep -q "$D" "$D/run/$f.manifest.json" || fail "$f.manifest.json names the test directory"
done
echo "ok: ingest and env outputs say synthetic, name no agency as source and hold no machine path"
att "$D/run/l.nc" input_data_1 | grep -q "\"measurements.csv sha256:$(sha256sum <"$D/data/measurements.csv" | cut -c1-64)\"" ||
  fail "input_data_1 is not file name + SHA-256: $(att "$D/run/l.nc" input_data_1)"
att "$D/run/l.nc" history | grep -q 'regia ingest env --registry sensors.csv --data measurements.csv --synthetic --output l.nc' ||
  fail "ingest history: $(att "$D/run/l.nc" history)"
att "$D/run/out.nc" history | grep -q 'regia env job.ini' || fail "env history: $(att "$D/run/out.nc" history)"
att "$D/run/out.nc" input_file | grep -q '"l.nc"' || fail "env input_file: $(att "$D/run/out.nc" input_file)"
/usr/bin/python3 - "$D/run" <<'PY' || fail "manifests"
import hashlib, json, sys
d = sys.argv[1]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
m = json.load(open(d + "/out.manifest.json"))
assert m["job_file"] == "job.ini" and m["job_sha256"] == sha(d + "/job.ini"), m
assert [(f["path"], f["sha256"]) for f in m["inputs"]] == [("l.nc", sha(d + "/l.nc"))], m["inputs"]
# the products (issue 12) are named relative to the manifest: out.products/NAME, nothing more
prod = [f for f in m["outputs"] if f["path"].startswith("out.products/")]
assert all(f["path"].count("/") == 1 and f["sha256"] == sha(d + "/" + f["path"]) for f in prod), prod
rest = [f for f in m["outputs"] if f not in prod]
assert [f["path"] for f in rest] == ["out.nc", "out.model.nc"], m["outputs"]   # the output and its model file
assert all(f["sha256"] == sha(d + "/" + f["path"]) for f in rest) and rest[1]["role"] == "model", rest
i = json.load(open(d + "/l.manifest.json"))
assert {f["path"] for f in i["inputs"]} == {"sensors.csv", "measurements.csv"}, i["inputs"]
assert "/" not in i["command_line"], i["command_line"]
print("ok: manifests name files by name and SHA-256")
PY
# without --synthetic the provider's text stays (real exports)
run_np 1 ingest env --registry "$D/data/sensors.csv" --data "$D/data/measurements.csv" --output "$D/run/r.nc" \
  >/dev/null 2>&1 || fail "ingest env"
att "$D/run/r.nc" source | grep -q 'ARPA Lombardia open data' || fail "real ingest source: $(att "$D/run/r.nc" source)"
grep -q ':synthetic = "no"' <(ncdump -h "$D/run/r.nc") || fail "real ingest: synthetic = no missing"
echo "ok: without --synthetic the source is ARPA Lombardia's open data"
# regia stage: its own output is staged; another job file's manifest is refused
"$REGIA" stage "$D/run/job.ini" >"$D/stage.log" 2>&1 || { cat "$D/stage.log"; fail "stage of the job's own output"; }
cmp -s "$D/run/out.nc" "$D/run/staged/out.nc" && cmp -s "$D/run/out.manifest.json" "$D/run/staged/out.manifest.json" ||
  fail "staged copies differ"
cmp -s "$D/run/out.model.nc" "$D/run/staged/out.model.nc" || fail "the model file (an extra output) was not staged"
if [[ -d $D/run/out.products ]]; then  # the products directory goes with them (issue 12)
  diff -r "$D/run/out.products" "$D/run/staged/out.products" || fail "staged products differ"
  ! ls "$D/run/staged" | grep -q tmp || fail "stage left a temporary directory"
fi
echo "ok: regia stage copies the job's own output, its model file, its products and manifest"
rm -rf "$D/run/staged"
sed 's/^paths = 100/paths = 200/' "$D/run/job.ini" >"$D/run/other.ini"
expect_fail "stage of another job's output" \
  "out.manifest.json was written by job file job.ini \(sha256 [0-9a-f]{16}\.\.\.\), not by .*other.ini" \
  "$REGIA" stage "$D/run/other.ini"
[[ ! -e $D/run/staged/out.nc ]] || fail "a refused stage copied the output"
printf '{"tool": "regia env"}\n' >"$D/run/out.manifest.json"
expect_fail "stage of an output without a job file" "records no job file" "$REGIA" stage "$D/run/job.ini"
