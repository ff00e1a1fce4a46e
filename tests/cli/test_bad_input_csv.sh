#!/usr/bin/env bash
# ingest env on a corpus of broken inputs: each must fail with a clear message naming the
# file (and line), a non-zero exit, and leave nothing under the output name or its .tmp.
source "$(dirname "$0")/lib.sh"
D=$TMP; mkdir -p "$D/g"
run_np 1 gen env --stations 2 --years 1 --seed 3 --output-dir "$D/g" --end-date 2023-01-10 2>/dev/null
REG=$D/g/sensors.csv; DAT=$D/g/measurements.csv
hdr='IdSensore,Data,Valore,Stato,idOperatore'
n=0
bad() { # bad NAME REGEX NP ARGS... (ingest env args)
  local name=$1 re=$2 np=$3; shift 3; n=$((n+1))
  local out=$D/out_$n.nc
  expect_fail "$name (np=$np)" "$re" run_np "$np" ingest env "$@" --output "$out"
  [[ ! -e $out && ! -e $out.tmp ]] || fail "$name: output file left behind"
}
# 1 missing data file
bad "missing file" "nosuch\.csv.*(No such file|cannot|missing)" 2 --registry "$REG" --data "$D/nosuch.csv"
# 2 empty file
: >"$D/empty.csv"
bad "empty file" "empty\.csv: empty file" 3 --registry "$REG" --data "$D/empty.csv"
# 3 header lacking a column
{ echo 'IdSensore,Data,Stato,idOperatore'; echo '5500,01/01/2023 12:00:00 AM,VA,1'; } >"$D/nocol.csv"
bad "missing column" "nocol\.csv: line 1: header lacks the required column 'Valore'" 2 --registry "$REG" --data "$D/nocol.csv"
# 4 registry with wrong columns
{ echo 'a,b,c'; echo '1,2,3'; } >"$D/badreg.csv"
bad "wrong registry columns" "badreg\.csv: line 1: header lacks the required column 'IdSensore'" 1 --registry "$D/badreg.csv" --data "$DAT"
# 5 latin-1 text
{ echo "$hdr"; printf '5500,01/01/2023 12:00:00 AM,1\xb05,VA,1\n'; } >"$D/latin1.csv"
bad "latin-1 encoding" "latin1\.csv: not a text CSV: invalid UTF-8 .*line 2" 2 --registry "$REG" --data "$D/latin1.csv"
# 6 binary file
{ echo "$hdr"; head -c 2000 /dev/urandom | tr -d '\n'; printf '\0\n'; } >"$D/binary.csv"
bad "binary file" "binary\.csv: not a text CSV" 3 --registry "$REG" --data "$D/binary.csv"
# 7 huge line
{ echo "$hdr"; printf '5500,01/01/2023 12:00:00 AM,'; head -c 70000 /dev/zero | tr '\0' '1'; echo ',VA,1'; } >"$D/huge.csv"
bad "huge line" "huge\.csv: line 2 is longer than 65536 bytes" 2 --registry "$REG" --data "$D/huge.csv"
# 8 every row garbage (numbers, dates): nothing kept -> failure, rejects explain
{ echo "$hdr"; echo '5500,01/01/2023 12:00:00 AM,abc,VA,1'; echo '5500,2023-99-01,1,VA,1'; } >"$D/garbage.csv"
bad "garbage only" "no rows kept from 1 data file" 2 --registry "$REG" --data "$D/garbage.csv"
grep -q 'unparseable number' "$D/out_$n.rejects.csv" && grep -q 'bad date' "$D/out_$n.rejects.csv" || fail "garbage: rejects file"
# 9 truncated file (cut mid-line): the last row has a wrong field count, rest is kept
head -c 5000 "$DAT" >"$D/trunc.csv"
run_np 2 ingest env --registry "$REG" --data "$D/trunc.csv" --output "$D/trunc.nc" 2>"$D/trunc.log" || fail "truncated file should ingest"
grep -q 'wrong field count\|unparseable number\|bad date' "$D/trunc.rejects.csv" || fail "truncated: last line not rejected"
echo "ok: truncated file -> last line rejected"
# 10 duplicate sensor ids in the registry
{ cat "$REG"; tail -1 "$REG"; } >"$D/dupreg.csv"
bad "duplicate registry key" "dupreg\.csv: IdSensore [0-9]+ appears twice" 2 --registry "$D/dupreg.csv" --data "$DAT"
# 11 duplicate rows -> rejects, not failure
{ cat "$DAT"; sed -n 2,4p "$DAT"; } >"$D/dup.csv"
run_np 3 ingest env --registry "$REG" --data "$D/dup.csv" --output "$D/dup.nc" 2>/dev/null || fail "dup rows should ingest"
[[ $(grep -c 'duplicate timestamp' "$D/dup.rejects.csv") == 3 ]] || fail "expected 3 duplicate rejects"
echo "ok: duplicate keys rejected"
# 12 missing registry
bad "missing registry" "noreg\.csv" 1 --registry "$D/noreg.csv" --data "$DAT"
# 13 header-only registry
head -1 "$REG" >"$D/hdronly.csv"
bad "header-only registry" "hdronly\.csv: no sensors" 2 --registry "$D/hdronly.csv" --data "$DAT"
# 14 output directory missing
expect_fail "output dir missing" "nodir" run_np 2 ingest env --registry "$REG" --data "$DAT" --output "$D/nodir/x.nc"
# 15 usage errors
expect_fail "no --data" "at least one --data" run_np 1 ingest env --registry "$REG" --output "$D/u.nc"
expect_fail "bad --utc-offset" "utc-offset" run_np 1 ingest env --registry "$REG" --data "$DAT" --output "$D/u.nc" --utc-offset x
# 16 a previous good output is untouched by a failing run
run_np 1 ingest env --registry "$REG" --data "$DAT" --output "$D/keep.nc" 2>/dev/null
h=$(sha256sum <"$D/keep.nc")
expect_fail "failing rerun" "latin1" run_np 2 ingest env --registry "$REG" --data "$D/latin1.csv" --output "$D/keep.nc"
[[ $(sha256sum <"$D/keep.nc") == "$h" && ! -e $D/keep.nc.tmp ]] || fail "failing run touched the previous output"
echo "ok: $n bad-input cases"
