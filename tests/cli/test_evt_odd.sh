#!/usr/bin/env bash
# regia evt on odd but valid series and on series it cannot fit, as a user meets them:
# monthly blocks of one year of daily values; a ';' file with decimal commas equal to its
# ',' twin; an id with a comma (quoted in the CSV); heavily tied maxima (the error says
# so); a series of missing values only; --unfit skip when nothing can be fitted (exit
# non-zero, nothing written); a failure while writing the estimates or at the commit
# leaves the previous output as it was and no temporary file.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import netCDF4' 2>/dev/null || skip "Debian python3 without netCDF4"
D=$TMP
/usr/bin/python3 - "$D" <<'PY' || fail "fixtures"
import sys, datetime as dt, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(4)
with open(f"{d}/year.csv", "w") as f:  # 2023, daily
    f.write("series_id,time,value\n")
    for i in range(365):
        f.write(f"pier 1,{dt.date(2023, 1, 1) + dt.timedelta(i)},{rng.gumbel(2, 0.5):.3f}\n")
x = rng.gumbel(10, 1, 30)
with open(f"{d}/comma.csv", "w") as f, open(f"{d}/semi.csv", "w") as g:
    f.write("series_id,time,value\n"); g.write("series_id;time;value\n")
    for i, v in enumerate(x):
        f.write(f"\"north, deck\",{1990 + i}-01-01,{v:.3f}\n")
        g.write(f"north, deck;{1990 + i}-01-01;{v:.3f}\n".replace(".", ","))
with open(f"{d}/ties.csv", "w") as f:  # 20 maxima rounded to whole units: 3 distinct values
    f.write("series_id,time,value\n")
    for i, v in enumerate([10, 10, 11, 10, 10, 10, 12, 10, 10, 10, 10, 11, 10, 10, 10, 10, 10, 10, 10, 10]):
        f.write(f"t,{1990 + i}-01-01,{v}\n")
with open(f"{d}/gone.csv", "w") as f:
    f.write("series_id,time,value\n" + "".join(f"g,{1990 + i}-01-01,{'NaN' if i % 2 else ''}\n" for i in range(30)))
PY
"$REGIA" evt --input "$D/year.csv" --output "$D/month.nc" --block month --return-periods 12,24 -q >"$D/month.log" 2>&1 ||
  { cat "$D/month.log"; fail "monthly blocks of one year"; }
for f in comma semi; do
  "$REGIA" evt --input "$D/$f.csv" --output "$D/o_$f.nc" --return-periods 10,20 -q || fail "$f.csv"
done
/usr/bin/python3 - "$D" <<'PY' || fail "odd but valid series"
import sys, netCDF4, numpy as np
d = sys.argv[1]
with netCDF4.Dataset(f"{d}/month.nc") as ds:
    assert ds.dimensions["time"].size == 12 and int(ds["n_blocks"][0]) == 12, ds.dimensions["time"].size
    assert ds["return_period"].units == "month" and int(ds["fit_status"][0]) == 0
    assert list(ds["block_values"][:, 0]) == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], ds["block_values"][:, 0]
a, b = (netCDF4.Dataset(f"{d}/o_{k}.nc") for k in ("comma", "semi"))
for v in ("location", "scale", "shape", "return_level", "return_level_lower"):
    assert np.array_equal(a[v][...], b[v][...]), v
ida = netCDF4.chartostring(a["series_id"][...])
assert list(ida) == ["north, deck"], ida
print("ok: 12 monthly blocks of 2023 (31, 28, 31 ... values); ';' with decimal commas = ','; id 'north, deck'")
PY
grep -q '^"north, deck",return_level,20,' "$D/o_comma.csv" || fail "o_comma.csv: the id with a comma is not quoted"
expect_fail "heavy ties" "ties.csv: series 't' \(lines 2-21, 20 block maxima\): the GEV fit failed: no convergence; the 20 maxima take only 3 distinct values" \
  "$REGIA" evt --input "$D/ties.csv" --output "$D/x.nc"
expect_fail "missing values only" "gone.csv: series 'g' \(lines 2-31\): all 30 values are missing" \
  "$REGIA" evt --input "$D/gone.csv" --output "$D/x.nc"
expect_fail "nothing fitted with --unfit skip" "ties.csv: none of the 1 series could be fitted \('t' no_convergence\): nothing to write" \
  "$REGIA" evt --input "$D/ties.csv" --output "$D/x.nc" --unfit skip
ls "$D" | grep -E '^x\.' && fail "a failed run left x.* behind"
# a fault while writing the estimates, or at the commit: the previous output is kept whole
sums=$(sha256sum "$D"/o_comma.nc "$D"/o_comma.csv "$D"/o_comma.manifest.json | cut -c1-64)
for ph in estimates commit; do
  out=$(REGIA_FAULT=$ph:0 "$REGIA" evt --input "$D/year.csv" --output "$D/o_comma.nc" --block month 2>&1) &&
    fail "REGIA_FAULT=$ph:0: exit status 0"
  grep -q "fault injected at $ph" <<<"$out" || fail "REGIA_FAULT=$ph:0: $out"
  [[ $(sha256sum "$D"/o_comma.nc "$D"/o_comma.csv "$D"/o_comma.manifest.json | cut -c1-64) == "$sums" ]] ||
    fail "a failure at $ph changed the previous output"
  left=$(ls -a "$D" | grep -E '^\.?o_comma.*(tmp|part)' || true)
  [[ -z $left ]] || fail "a failure at $ph left temporary files: $left"
done
echo "ok: ties, missing values, nothing fitted: errors naming the file and series, nothing written; faults at estimates and commit keep the previous output"
# a slash date is not guessed (12/01/1987: December or January?); a FIFO, a link or a file
# named like the products directory is not replaced by an output
printf 'series_id,time,value\ns1,12/01/1987,3.0\ns1,13/01/1988,4.0\n' >"$D/slash.csv"
expect_fail "slash date" "slash.csv: line 2: column 'time': '12/01/1987' is not an ISO 8601 date .*dd/mm or mm/dd" \
  "$REGIA" evt --input "$D/slash.csv" --output "$D/x.nc"
cp "$D/o_comma.csv" "$D/keep.csv"
mkfifo "$D/fifo.csv"
ln -s keep.csv "$D/link.csv"
expect_fail "CSV output onto a FIFO" "fifo.csv exists and is not a regular file \(a FIFO\): regia will not replace it" \
  "$REGIA" evt --input "$D/comma.csv" --output "$D/f1.nc" --csv "$D/fifo.csv"
expect_fail "CSV output onto a symlink" "link.csv exists and is not a regular file \(a symbolic link\)" \
  "$REGIA" evt --input "$D/comma.csv" --output "$D/f2.nc" --csv "$D/link.csv"
[[ -p $D/fifo.csv && -L $D/link.csv ]] || fail "the FIFO or the link was replaced"
touch "$D/f3.products"
expect_fail "products onto a file" "f3.products exists and is not a directory: regia will not replace it" \
  "$REGIA" evt --input "$D/comma.csv" --output "$D/f3.nc"
[[ -f $D/f3.products && ! -e $D/f3.nc ]] || fail "f3.products replaced, or f3.nc written"
echo "ok: slash dates refused; a FIFO, a symlink, a file where the products go are not replaced"
expect_fail "a switch's value without '='" "'no' is neither an option nor a job file; a switch takes its value after '=' \(--products=no\)" \
  "$REGIA" evt --input "$D/comma.csv" --output "$D/f4.nc" --products no
[[ ! -e $D/f4.nc ]] || fail "f4.nc written"
# dates before 1582 decode as given: the calendar is proleptic Gregorian
/usr/bin/python3 -c "
rows = ['series_id,time,value'] + ['old,%d-06-01,%.3f' % (y, 10 + ((y * 7919) % 97) / 10) for y in range(1560, 1600)]
open('$D/early.csv', 'w').write('\n'.join(rows) + '\n')"
"$REGIA" evt --input "$D/early.csv" --output "$D/old.nc" --products=no -q || fail "evt on 1560-1599"
/usr/bin/python3 - "$D/old.nc" <<'PY' || fail "the 1560 block's date"
import sys, netCDF4
with netCDF4.Dataset(sys.argv[1]) as ds:
    t = ds["time"]
    assert t.calendar == "proleptic_gregorian", t.calendar
    d = netCDF4.num2date(t[0], t.units, t.calendar)
    assert (d.year, d.month, d.day) == (1560, 1, 1), d
    print("ok: the first block decodes as", d)
PY
