#!/usr/bin/env bash
# regia forecast on broken inputs and bad options: each fails with a clear message (file and
# line where there is one), a non-zero exit (2 for usage errors), and leaves nothing under
# the output name, its .tmp or its manifest; a previous output survives a failing run.
source "$(dirname "$0")/lib.sh"
D=$TMP
hdr='series_id,time,value'
good=$D/good.csv
{ echo "$hdr"; for i in $(seq 1 9); do echo "a,2023-01-0$i,$((10 + i % 3))"; echo "b,2023-01-0$i,$((20 + i % 4))"; done; } >"$good"
n=0
# bad NAME REGEX NP STATUS -- ARGS...: `forecast ARGS --output OUT` must exit STATUS and print REGEX
bad() {
  local name=$1 re=$2 np=$3 want=$4; shift 4; [[ ${1:-} == -- ]] && shift; n=$((n+1))
  local out=$D/out_$n.nc rc=0 msg
  msg=$(run_np "$np" forecast "$@" --output "$out" 2>&1) || rc=$?
  ((rc != 0)) || fail "$name: exit status 0, expected failure"
  [[ $want == any || $rc == "$want" ]] || fail "$name: exit status $rc, expected $want: $msg"
  grep -Eq -- "$re" <<<"$msg" || fail "$name: message does not match /$re/: $msg"
  [[ ! -e $out && ! -e $out.tmp && ! -e $D/out_$n.manifest.json ]] || fail "$name: output file left behind"
  echo "ok: $name (np=$np, exit $rc) -> $(grep -Em1 -- "$re" <<<"$msg")"
}
base=(--season 1 --horizon 3)
# 1 missing file
bad "missing file" "nosuch\.csv: cannot open: No such file" 2 1 -- --input "$D/nosuch.csv" "${base[@]}"
# 2 empty file
: >"$D/empty.csv"
bad "empty file" "empty\.csv: empty file" 3 1 -- --input "$D/empty.csv" "${base[@]}"
# 3 header only
echo "$hdr" >"$D/hdronly.csv"
bad "header only" "hdronly\.csv: no data rows" 1 1 -- --input "$D/hdronly.csv" "${base[@]}"
# 4 wrong header
{ echo 'id,date,value'; echo 'a,2023-01-01,1'; } >"$D/hdr.csv"
bad "wrong header" "hdr\.csv: line 1: header lacks the column 'series_id'" 2 1 -- --input "$D/hdr.csv" "${base[@]}"
# 5 header lacking value
{ echo 'series_id,time'; echo 'a,2023-01-01'; } >"$D/noval.csv"
bad "header lacks value" "noval\.csv: line 1: header lacks the column 'value'" 1 1 -- --input "$D/noval.csv" "${base[@]}"
# 6 garbage value
{ cat "$good"; echo 'a,2023-01-10,abc'; } >"$D/garbage.csv"
bad "garbage value" "garbage\.csv: line 20: column 'value': 'abc' is not a number" 3 1 -- --input "$D/garbage.csv" "${base[@]}"
# 7 unparseable time
{ echo "$hdr"; echo 'a,2023-01-01,1'; echo 'a,2023-02-30,2'; } >"$D/badtime.csv"
bad "bad time" "badtime\.csv: line 3: column 'time': bad date '2023-02-30'" 2 1 -- --input "$D/badtime.csv" "${base[@]}"
# 8 time-zone offset
{ echo "$hdr"; echo 'a,2023-01-01T00:00+02:00,1'; } >"$D/tz.csv"
bad "time-zone offset" "tz\.csv: line 2: column 'time': .*offsets are not supported" 1 1 -- --input "$D/tz.csv" "${base[@]}"
# 9 duplicate (series_id, time): names both lines
{ cat "$good"; echo 'b,2023-01-04,99'; } >"$D/dup.csv"
bad "duplicate key" "dup\.csv: lines 9 and 20: duplicate \(series_id, time\) = \('b', 2023-01-04" 2 1 -- --input "$D/dup.csv" "${base[@]}"
# 10 irregular time (off the series' grid)
{ cat "$good"; echo 'a,2023-01-10T06:00:00,5'; } >"$D/irreg.csv"
bad "irregular time" "irreg\.csv: line 20: irregular time 2023-01-10T06:00:00Z in series 'a'.*step \(1 d" 3 1 -- --input "$D/irreg.csv" "${base[@]}"
# 11 wrong field count
{ cat "$good"; echo 'a,2023-01-10,1,2'; } >"$D/fields.csv"
bad "field count" "fields\.csv: line 20: 4 fields, expected 3" 2 1 -- --input "$D/fields.csv" "${base[@]}"
# 12 empty series_id
{ cat "$good"; echo ',2023-01-10,1'; } >"$D/noid.csv"
bad "empty series_id" "noid\.csv: line 20: empty series_id" 1 1 -- --input "$D/noid.csv" "${base[@]}"
# 13 binary / not UTF-8
{ echo "$hdr"; printf 'a,2023-01-01,1\xb0\n'; } >"$D/latin1.csv"
bad "latin-1 text" "latin1\.csv: not a text CSV: invalid UTF-8 .*line 2" 2 1 -- --input "$D/latin1.csv" "${base[@]}"
# 14 infinite value
{ cat "$good"; echo 'a,2023-01-10,inf'; } >"$D/inf.csv"
bad "infinite value" "inf\.csv: line 20: column 'value': 'inf' is not a number" 1 1 -- --input "$D/inf.csv" "${base[@]}"
# 15 output directory missing
expect_fail "output dir missing" "nodir/x\.nc: cannot write in directory" run_np 2 forecast --input "$good" "${base[@]}" --output "$D/nodir/x.nc"
# usage errors: exit status 2
bad "bad --model" "--model: 'XYZ' is not an ETS model code" 2 2 -- --input "$good" "${base[@]}" --model XYZ
bad "bad --model (damped without trend)" "--model: 'ANdN' is not an ETS model code" 1 2 -- --input "$good" "${base[@]}" --model ANdN
bad "bad --levels (> 100)" "--levels '80,120'" 2 2 -- --input "$good" "${base[@]}" --levels 80,120
bad "bad --levels (text)" "--levels 'high'" 1 2 -- --input "$good" "${base[@]}" --levels high
bad "bad --levels (too many)" "--levels '.*': expected 1 to 8" 1 2 -- --input "$good" "${base[@]}" --levels 10,20,30,40,50,60,70,80,90
bad "bad --season" "--season '0': expected an integer in 1\.\.366" 2 2 -- --input "$good" --season 0 --horizon 3
bad "bad --season (367)" "--season '367'" 1 2 -- --input "$good" --season 367 --horizon 3
bad "bad --horizon" "--horizon '0': expected an integer" 2 2 -- --input "$good" --season 1 --horizon 0
bad "missing --horizon" "--horizon H is required" 1 2 -- --input "$good" --season 1
bad "bad --backend" "--backend 'gpu': expected auto, cpu or cuda" 1 2 -- --input "$good" "${base[@]}" --backend gpu
bad "unknown option" "unknown option '--frobnicate'" 1 2 -- --input "$good" "${base[@]}" --frobnicate 1
expect_fail "missing --output" "--output OUT\.nc is required" run_np 2 forecast --input "$good" "${base[@]}"
rc=0; run_np 1 forecast --input "$good" "${base[@]}" >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "missing --output: exit status $rc, expected 2"
expect_fail "missing --input" "--input FILE\.csv is required" run_np 1 forecast "${base[@]}" --output "$D/x.nc"
[[ ! -e $D/x.nc && ! -e $D/x.nc.tmp ]] || fail "missing --input: output left behind"
# a previous good output is untouched by a failing run
run_np 2 forecast --input "$good" "${base[@]}" --output "$D/keep.nc" 2>/dev/null || fail "good input failed"
h=$(sha256sum <"$D/keep.nc")
expect_fail "failing rerun" "garbage\.csv: line 20" run_np 3 forecast --input "$D/garbage.csv" "${base[@]}" --output "$D/keep.nc"
[[ $(sha256sum <"$D/keep.nc") == "$h" && ! -e $D/keep.nc.tmp ]] || fail "failing run touched the previous output"
echo "ok: $n bad inputs and options, no output left behind; previous output survives"
