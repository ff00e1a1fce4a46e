#!/usr/bin/env bash
# ingest env on exports that used to pass silently or blow up: decimal commas, ';'
# separators, day/month dates, dates far outside the data's period, huge spans, too many
# rejects; the manifest; a failure injected at every phase on one of 3 ranks; rows
# exchanged in tiny messages.  Each: the right exit status, a message that says why, and
# nothing left under the output names or as .tmp.
source "$(dirname "$0")/lib.sh"
D=$TMP; mkdir -p "$D/g"
run_np 1 gen env --stations 3 --years 1 --seed 5 --output-dir "$D/g" --end-date 2023-02-28 2>/dev/null
REG=$D/g/sensors.csv; DAT=$D/g/measurements.csv
vars=no2,o3,pm10,pm2p5,no2_qc,o3_qc,pm10_qc,pm2p5_qc,time,day,station_id,lat,lon,alt,station_name,province
data_of() { ncdump -v $vars "$1" | sed -n '/^data:/,$p'; }
nothing_left() { # nothing_left OUT: no output, no temporary file beside it
  local o=$1 b=${1%.nc}
  [[ ! -e $o && -z $(ls "$o".*tmp "$b".rejects.csv.tmp 2>/dev/null) && ! -e $b.manifest.json ]] || { ls -la "$(dirname "$o")"; fail "files left for $o"; }
}
run_np 2 ingest env --registry "$REG" --data "$DAT" --output "$D/ref.nc" 2>/dev/null || fail "reference ingest"
data_of "$D/ref.nc" >"$D/ref.txt"

# 1 the manifest: inputs with their SHA-256, outputs, rows, ranks, timings
/usr/bin/python3 - "$D/ref.manifest.json" "$REG" "$DAT" "$D/ref.nc" <<'PY' || fail "manifest"
import hashlib, json, os, sys
m = json.load(open(sys.argv[1]))
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
name = os.path.basename  # manifests name files, not machine paths
assert m["tool"] == "regia ingest env" and m["ranks"] == 2, m
ins = {(f["role"], f["path"]): f["sha256"] for f in m["inputs"]}
assert ins[("registry", name(sys.argv[2]))] == sha(sys.argv[2]) and ins[("data", name(sys.argv[3]))] == sha(sys.argv[3]), ins
outs = {f["role"]: f for f in m["outputs"]}
assert outs["ingested"]["path"] == name(sys.argv[4]) and outs["ingested"]["sha256"] == sha(sys.argv[4])
assert "rejects" in outs and m["rows_read"] == m["rows_kept"] + m["rows_rejected"] and m["rows_kept"] > 0
assert {"parse", "exchange", "write", "total"} <= set(m["timings_s"]), m["timings_s"]
print("ok: manifest lists inputs/outputs with SHA-256, rows", m["rows_read"], "ranks", m["ranks"])
PY

# 2 decimal commas in a ','-separated export (unquoted): most rows rejected -> an error
sed -E '2,$ s/,([0-9]+)\.([0-9]),(VA|NA),/,\1,\2,\3,/' "$DAT" >"$D/comma.csv"
expect_fail "decimal commas, ',' separator" "rows \(.*%\) rejected .*more than --max-rejected 5 %.*decimal comma" \
  run_np 2 ingest env --registry "$REG" --data "$D/comma.csv" --output "$D/comma.nc"
nothing_left "$D/comma.nc"
[[ -s $D/comma.rejects.csv ]] && grep -q 'decimal comma' "$D/comma.rejects.csv" || fail "comma: the rejects file explains it"
# the same values quoted ("62,6"), and a ';'-separated export with decimal commas: read
sed -E '2,$ s/,([0-9]+)\.([0-9]),(VA|NA),/,"\1,\2",\3,/' "$DAT" >"$D/quoted.csv"
sed -E 's/,/;/g; 2,$ s/;([0-9]+)\.([0-9]);/;\1,\2;/' "$DAT" >"$D/semi.csv"
for f in quoted semi; do
  run_np 3 ingest env --registry "$REG" --data "$D/$f.csv" --output "$D/$f.nc" 2>"$D/$f.log" || { cat "$D/$f.log"; fail "$f export"; }
  cmp -s <(data_of "$D/$f.nc") "$D/ref.txt" || fail "$f export: values differ from the '.' export"
done
echo "ok: quoted decimal commas and ';' exports give the same values"
# a wrong separator stated: the message names the file's one
expect_fail "wrong --separator" "separated by ';'|';'-separated" \
  run_np 1 ingest env --registry "$REG" --data "$D/semi.csv" --separator , --output "$D/ws.nc"
nothing_left "$D/ws.nc"

# 3 day/month dates (Italian exports, 24 h): ambiguous without --date-format, read with dmy
/usr/bin/python3 - "$DAT" "$D/dmy.csv" <<'PY'
import sys, datetime
out = open(sys.argv[2], "w")
for i, l in enumerate(open(sys.argv[1])):
    if i:
        f = l.split(",")
        t = datetime.datetime.strptime(f[1], "%m/%d/%Y %I:%M:%S %p")
        f[1] = t.strftime("%d/%m/%Y %H:%M:%S")
        l = ",".join(f)
    out.write(l)
PY
expect_fail "ambiguous dates" "dmy.csv: line 2: the date '01/01/2023 00:00:00' could be day/month or month/day.*--date-format dmy" \
  run_np 2 ingest env --registry "$REG" --data "$D/dmy.csv" --output "$D/dmy.nc"
nothing_left "$D/dmy.nc"
run_np 2 ingest env --registry "$REG" --data "$D/dmy.csv" --date-format=dmy --output "$D/dmy.nc" 2>/dev/null || fail "--date-format dmy"
cmp -s <(data_of "$D/dmy.nc") "$D/ref.txt" || fail "dmy: values differ"
echo "ok: --date-format dmy reads dd/mm/yyyy"

# 4 a row in 1970 and one in 2200 among 2023 rows: rejected with the reason, axis unchanged
{ cat "$DAT"; echo '5502,01/01/1970 01:00:00 AM,12.5,VA,1'; echo '5502,06/01/2200 01:00:00 AM,12.5,VA,1'; } >"$D/far.csv"
run_np 3 ingest env --registry "$REG" --data "$D/far.csv" --output "$D/far.nc" 2>/dev/null || fail "far dates"
[[ $(grep -c 'date outside the plausible window 2013-01-01 .. 2033-01-31' "$D/far.rejects.csv") == 2 ]] || { cat "$D/far.rejects.csv"; fail "far: 2 window rejects"; }
cmp -s <(data_of "$D/far.nc") "$D/ref.txt" || fail "far: the far rows changed the output"
echo "ok: dates far outside the period rejected with the window"
# --from/--to state the window
run_np 2 ingest env --registry "$REG" --data "$D/far.csv" --from 1960-01-01 --to 2100-12-31 --max-rejected 100 \
  --output "$D/ft.nc" 2>/dev/null || fail "--from/--to"
grep -q 'date outside the plausible window 1960-01-01 .. 2100-12-31 (--from/--to)' "$D/ft.rejects.csv" || fail "--from/--to reason"
[[ $(ncdump -h "$D/ft.nc" | grep -c 'regia_date_window = "1960-01-01/2100-12-31"') == 1 ]] || fail "--from/--to: window attribute"

# 5 three rows in years 0001, 2023 and 9999: refused, not a 700 MB file
{ head -1 "$DAT"; echo '5502,01/01/0001 01:00:00 AM,1,VA,1'; echo '5502,01/01/2023 01:00:00 AM,1,VA,1'; echo '5502,01/01/9999 01:00:00 AM,1,VA,1'; } >"$D/span.csv"
expect_fail "years 0001 and 9999 (window)" "2 of 3 rows \(66.7 %\) rejected" \
  run_np 2 ingest env --registry "$REG" --data "$D/span.csv" --output "$D/span.nc"
nothing_left "$D/span.nc"
start=$SECONDS
expect_fail "years 0001 and 9999 (cap)" "span 0001-01-01 to 9999-01-01 .*more than --max-years 100" \
  run_np 2 ingest env --registry "$REG" --data "$D/span.csv" --from 0001-01-01 --to 9999-12-31 --output "$D/span.nc"
((SECONDS - start < 20)) || fail "the cap took $((SECONDS - start)) s"
nothing_left "$D/span.nc"
expect_fail "--max-cells" "more than --max-cells 1000" \
  run_np 1 ingest env --registry "$REG" --data "$DAT" --max-cells 1000 --output "$D/cells.nc"
nothing_left "$D/cells.nc"
# a share of rejects under a stated maximum is fine
run_np 1 ingest env --registry "$REG" --data "$D/comma.csv" --max-rejected 100 --output "$D/c100.nc" 2>/dev/null || fail "--max-rejected 100"

# 6 no rows kept: the message names the files
{ head -1 "$DAT"; echo '5500,01/01/2023 12:00:00 AM,abc,VA,1'; } >"$D/junk1.csv"
expect_fail "no rows kept" "no rows kept from 2 data file\(s\) \($D/junk1.csv, $D/junk1.csv\)" \
  run_np 2 ingest env --registry "$REG" --data "$D/junk1.csv" --data "$D/junk1.csv" --output "$D/junk.nc"
nothing_left "$D/junk.nc"

# 7 a failure injected at each phase on one of 3 ranks: every rank ends with it, in time
for ph in registry parse exchange allocate create define write close rejects commit manifest; do
  rk=1; [[ $ph == manifest ]] && rk=0
  start=$SECONDS
  expect_fail "fault at $ph" "fault injected at $ph on rank $rk" \
    env REGIA_FAULT=$ph:$rk REGIA_FAIL_WAIT=10 timeout 90 mpirun -np 3 --oversubscribe "$REGIA" ingest env \
    --registry "$REG" --data "$DAT" --output "$D/f_$ph.nc"
  ((SECONDS - start < 60)) || fail "fault at $ph: $((SECONDS - start)) s"
  nothing_left "$D/f_$ph.nc"
  [[ ! -e $D/f_$ph.rejects.csv ]] || fail "fault at $ph: rejects file left"
done
echo "ok: a fault at any phase on one rank ends all ranks, nothing left"

# 8 rows exchanged in messages of 256 bytes (many per pair): the same file
REGIA_INGEST_MSG_BYTES=256 run_np 3 ingest env --registry "$REG" --data "$D/far.csv" --output "$D/small.nc" 2>/dev/null || fail "small messages"
cmp -s <(data_of "$D/small.nc") "$D/ref.txt" && cmp -s "$D/small.rejects.csv" "$D/far.rejects.csv" || fail "small messages: output differs"
echo "ok: exchange in 256-byte messages gives the same output"
# an output naming an input is refused, the input kept (the run skeleton's check, every domain)
cp "$REG" "$D/reg_copy.csv"
sum0=$(sha256sum "$D/reg_copy.csv")
expect_fail "rejects = the registry" "the rejects output .*reg_copy.csv is also the input \[input\] registry: it would be overwritten" \
  run_np 2 ingest env --registry "$D/reg_copy.csv" --data "$DAT" --output "$D/rr.nc" --rejects "$D/reg_copy.csv"
cp "$D/far.csv" "$D/far_copy.csv"
sum1=$(sha256sum "$D/far_copy.csv")
expect_fail "rejects = a data file" "the rejects output .*far_copy.csv is also an input \(\[input\] data\)" \
  run_np 1 ingest env --registry "$REG" --data "$D/far_copy.csv" --output "$D/rd.nc" --rejects "$D/far_copy.csv"
[[ $(sha256sum "$D/reg_copy.csv") == "$sum0" && $(sha256sum "$D/far_copy.csv") == "$sum1" && ! -e $D/rr.nc && ! -e $D/rd.nc ]] ||
  fail "a refused run changed an input or wrote"
echo "ok: outputs naming inputs are refused"
