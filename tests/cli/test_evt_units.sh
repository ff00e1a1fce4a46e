#!/usr/bin/env bash
# regia evt takes the units of the values from the header 'value [UNITS]': the location,
# scale and return-level variables carry them as their units attribute, the same numbers as
# the plain header's; --units that disagrees with the header, and a malformed bracket, are
# errors naming the file, line 1 and the column.
source "$(dirname "$0")/lib.sh"
command -v ncdump >/dev/null || skip "ncdump not found"
REF=$REGIA_ROOT/tests/reference/gev_series.csv
sed '1s/^series_id,time,value$/series_id,time,value [m s-1]/' "$REF" >"$TMP/units.csv"
head -1 "$TMP/units.csv" | grep -qxF 'series_id,time,value [m s-1]' || fail "fixture header"
sed '1s/^series_id,time,value$/series_id,time,value [m s-1/' "$REF" >"$TMP/bad.csv"
"$REGIA" evt --input "$REF" --output "$TMP/plain.nc" --block none -q 2>/dev/null || fail "plain header"
"$REGIA" evt --input "$TMP/units.csv" --output "$TMP/u.nc" --block none -q 2>/dev/null || fail "header with units"
ncdump -h "$TMP/u.nc" >"$TMP/u.cdl" || fail "ncdump"
for v in location scale return_level; do
  grep -qF "$v:units = \"m s-1\" ;" "$TMP/u.cdl" || fail "$v has no units m s-1"
done
ncdump -h "$TMP/plain.nc" | grep -q 'location:units' && fail "the plain header gave units"
diff <(ncdump -v location,scale,return_level "$TMP/plain.nc" | sed -n '/^data:/,$p') \
     <(ncdump -v location,scale,return_level "$TMP/u.nc" | sed -n '/^data:/,$p') >/dev/null ||
  fail "the header's units changed the estimates"
expect_fail "units against --units" "units.csv: line 1: the column 'value \[m s-1\]' is in 'm s-1', but --units says 'm'" \
  "$REGIA" evt --input "$TMP/units.csv" --output "$TMP/o.nc" --block none --units m
expect_fail "malformed bracket" "bad.csv: line 1: column 'value \[m s-1': expected 'value \[UNITS\]'" \
  "$REGIA" evt --input "$TMP/bad.csv" --output "$TMP/o.nc" --block none
echo "PASS test_evt_units"
