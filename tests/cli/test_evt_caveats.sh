#!/usr/bin/env bash
# regia evt flags its return levels as regia sensors does (regia_gev_rl_caveats): a return
# period beyond 4 times the blocks fitted (extrapolated) and an interval whose lower end is
# below 0 for a series of values >= 0 (--positive auto; yes / no override it), each with a
# warning naming the series and the return period (the first 12, then one line for the
# rest), in return_level_caveat (CF flag_masks, in return_level's ancillary_variables), in
# the comment of return_level (the counts) and in the CSV's caveat column; the same at 1
# and 2 ranks.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import netCDF4' 2>/dev/null || skip "Debian python3 without netCDF4"
D=$TMP
REF=$REGIA_ROOT/tests/reference/gev_series.csv
# Port Pirie (65 annual maxima): 100 years is 1.5 record lengths, 1000 years 15.4
grep -E '^(series_id|portpirie),' "$REF" >"$D/portpirie.csv"
"$REGIA" evt --input "$D/portpirie.csv" --output "$D/pp.nc" --block none --return-periods 10,100,1000 >"$D/pp.log" 2>&1 ||
  { cat "$D/pp.log"; fail "Port Pirie run"; }
grep -q "warning: series 'portpirie': the 1000-block return level (5.031[0-9]*) extrapolates 15.4 times the 65 blocks fitted (more than 4" "$D/pp.log" ||
  { cat "$D/pp.log"; fail "no warning for the 1000-block level of portpirie"; }
[[ $(grep -c "warning: series" "$D/pp.log") == 1 ]] || { cat "$D/pp.log"; fail "warnings for levels without caveats"; }
grep -q '^portpirie,return_level,1000,.*,65,ok,extrapolated$' "$D/pp.csv" || fail "pp.csv: the 1000-block row is not flagged"
grep -q '^portpirie,return_level,100,.*,65,ok,$' "$D/pp.csv" || fail "pp.csv: the 100-block row is flagged"
# a heavy-tailed positive sample of 15: its 20- and 50-block intervals reach far below 0
{ echo "series_id,time,value"; y=1990
  for v in 10.9420 10.2256 1.1115 1.2472 0.8078 1.6350 0.6854 1.4431 5.5628 1.3529 3.5141 0.6392 4.7886 0.5384 0.6992; do
    echo "gusts,$y-06-01,$v"; y=$((y + 1)); done; } >"$D/gusts.csv"
for pos in auto no yes; do
  "$REGIA" evt --input "$D/gusts.csv" --output "$D/g_$pos.nc" --block none --return-periods 2,20,50 --positive $pos \
    >"$D/g_$pos.log" 2>&1 || { cat "$D/g_$pos.log"; fail "gusts --positive $pos"; }
done
grep -q "warning: series 'gusts': the 50-block return level's 95 % interval reaches -1[0-9][0-9]\.[0-9]*, below 0, which a series of values >= 0 cannot be" "$D/g_auto.log" ||
  { cat "$D/g_auto.log"; fail "no lower-end warning for gusts"; }
! grep -q "warning: series" "$D/g_no.log" || { cat "$D/g_no.log"; fail "--positive no still warns"; }
cmp -s <(grep -o "warning: series.*" "$D/g_auto.log" | sed 's/a series of values >= 0/X/') \
       <(grep -o "warning: series.*" "$D/g_yes.log" | sed 's/the values (--positive yes)/X/') ||
  fail "--positive yes warns otherwise than auto on a positive series"
/usr/bin/python3 - "$D" <<'PY' || fail "return_level_caveat"
import sys, netCDF4, numpy as np
d = sys.argv[1]
with netCDF4.Dataset(f"{d}/pp.nc") as ds:
    c = ds["return_level_caveat"]
    assert c.dimensions == ("return_period", "series"), c.dimensions
    assert list(c.flag_masks) == [1, 2] and c.flag_meanings == "extrapolated_beyond_4_record_lengths lower_end_below_zero"
    assert "return_level_caveat" in ds["return_level"].ancillary_variables.split()
    assert list(c[:, 0]) == [0, 0, 1], c[:]
    assert ds["return_level"].comment.startswith("1 of the 3 return levels extrapolate beyond 4 times"), ds["return_level"].comment
    assert " and 0 have an interval" in ds["return_level"].comment
for pos, want in (("auto", [0, 2, 2]), ("yes", [0, 2, 2]), ("no", [0, 0, 0])):
    with netCDF4.Dataset(f"{d}/g_{pos}.nc") as ds:
        got = [int(x) for x in ds["return_level_caveat"][:, 0]]
        lo = ds["return_level_lower"][:, 0]
        assert got == want, (pos, got, lo)
        assert (lo[1:] < 0).all() and lo[0] > 0, lo
print("ok: return_level_caveat", "pp:", [0, 0, 1], "gusts auto/yes/no: [0,2,2] [0,2,2] [0,0,0]")
PY
grep -q '^gusts,return_level,50,.*,15,ok,lower_end_below_zero$' "$D/g_auto.csv" || fail "g_auto.csv: the 50-block row"
/usr/bin/python3 - "$D" <<'PY' || fail "products summary.csv: caveat columns"
import csv, sys
d = sys.argv[1]
(r,) = csv.DictReader(open(f"{d}/pp.products/summary.csv", encoding="utf-8-sig"))
assert (r["caveat_10"], r["caveat_100"], r["caveat_1000"]) == ("", "", "extrapolated"), r
(r,) = csv.DictReader(open(f"{d}/g_auto.products/summary.csv", encoding="utf-8-sig"))
assert (r["caveat_2"], r["caveat_20"], r["caveat_50"]) == ("", "lower_end_below_zero", "lower_end_below_zero"), r
print("ok: products/summary.csv caveat_T columns")
PY
echo "ok: extrapolated and below-zero return levels flagged in the log, return_level_caveat, the comment and the CSV"
# many caveats: warnings for 12 return levels, then one line with the counts; 1 and 2 ranks agree
"$REGIA" evt --input "$REF" --output "$D/all1.nc" --block none --return-periods 300,1000,3000 >"$D/all1.log" 2>&1 ||
  { cat "$D/all1.log"; fail "five series"; }
# 13 return levels with caveats (all 13 extrapolated; heavy's 3000-block level also below 0):
# the first 12 levels warned of (13 lines), then one line for the last
[[ $(grep -c "warning: series" "$D/all1.log") == 13 ]] || { cat "$D/all1.log"; fail "not 13 warnings"; }
grep -q "warning: \.\.\. and 1 more return level with caveats (in all 13 extrapolated, 1 with an interval below 0, over 5 series)" "$D/all1.log" ||
  { cat "$D/all1.log"; fail "no summary line of the other caveats"; }
run_np 2 evt --input "$REF" --output "$D/all2.nc" --block none --return-periods 300,1000,3000 -q >"$D/all2.log" 2>&1 ||
  { cat "$D/all2.log"; fail "five series at 2 ranks"; }
nc_same "$D/all1.nc" "$D/all2.nc" || fail "1 and 2 ranks differ"
cmp -s "$D/all1.csv" "$D/all2.csv" || fail "the CSVs of 1 and 2 ranks differ"
echo "ok: 13 return levels with caveats: warnings for 12 and a summary line; 1 and 2 ranks write the same return_level_caveat and CSV"
