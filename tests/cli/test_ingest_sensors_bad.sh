#!/usr/bin/env bash
# regia ingest sensors on a corpus of bad inputs: swapped day/month, a day > 12 under
# mm/dd, unknown units, a column without units, runs of missing values, a wrong stated
# sampling rate, time stamps too irregular to resample, corrupt miniSEED records (bad
# header, bad Steim frames, a failed integrity check, a truncated file) and too many of
# them, a file that is neither, a truncated HDF5 store, the same data given twice, a bad
# map file.  Each: the right exit status, a message naming the file and the line, record
# or trace, and nothing left under the output names (the rejects file alone when it
# explains the failure).
source "$(dirname "$0")/lib.sh"
MK=$BUILD/tools/mkmseed
[[ -x $MK ]] || fail "$MK missing (make tests builds it)"
PY=/usr/bin/python3
D=$TMP; cd "$D"
nothing_left() { # nothing_left OUT: no store, report, manifest or temporary file
  local b=${1%.nc}
  [[ ! -e $1 && ! -e $b.ingest.nc && ! -e $b.ingest.manifest.json && -z $(ls "$b".*tmp 2>/dev/null) ]] \
    || { ls -la; fail "files left for $1"; }
}
ingest() { run_np 2 ingest sensors "$@"; }

# CSV files: good.csv (200 Hz, ISO), and variants
$PY - <<'EOF'
import math
def write(name, head, rows, comment=""):
    with open(name, "w") as f:
        f.write(comment + head + "\n" + "".join(r + "\n" for r in rows))
iso = lambda s: "2024-03-01T00:%02d:%02d.%03dZ" % (s // 60, s % 60 if s >= 0 else 0, 0)
def stamp(t, fmt):
    d, r = divmod(t, 86400); h, r = divmod(r, 3600); m, s = divmod(r, 60)
    sec = int(s); ms = round((s - sec) * 1000)
    day = 1 + int(d)
    if fmt == "iso": return "2024-03-%02dT%02d:%02d:%02d.%03d" % (day, h, m, sec, ms)
    if fmt == "dmy": return "%02d/03/2024 %02d:%02d:%02d.%03d" % (day, h, m, sec, ms)
    if fmt == "mdy": return "03/%02d/2024 %02d:%02d:%02d.%03d" % (day, h, m, sec, ms)
rows = lambda n, fs, fmt, t0=0, f=lambda i: "%.5f,%.5f" % (math.sin(i / 7), math.cos(i / 5)): \
    [stamp(t0 + i / fs, fmt) + "," + f(i) for i in range(n)]
H = "time,acc_x [m/s2],acc_y [m/s2]"
write("good.csv", H, rows(400, 200, "iso"), "# structure: b1\n# sensor: s1\n")
# mm/dd/yyyy stamps crossing midnight of 2 March (read as dd/mm: 3 Feb -> 3 Mar ...)
write("swapped.csv", H, rows(400, 200, "mdy", t0=86400 - 1.0), "# structure: b1\n# sensor: s2\n")
# periodic records: mm/dd stamps whose midnight crossing falls in a recording gap (read as
# dd/mm: 3 Jan 23:59:58 -> 3 Feb 00:00:09, a month "gap"); and the same as dd/mm (accepted)
write("mdy_gap.csv", H, rows(200, 200, "mdy", t0=86400 - 2.0) + rows(200, 200, "mdy", t0=86400 + 9.0),
      "# structure: b1\n# sensor: s4\n")
write("dmy_gap.csv", H, rows(200, 200, "dmy", t0=86400 - 2.0) + rows(200, 200, "dmy", t0=86400 + 9.0),
      "# structure: b1\n# sensor: s5\n")
# dd/mm with day 13: fine as dmy, a contradiction as mdy
write("day13.csv", H, rows(100, 200, "dmy", t0=12 * 86400), "# structure: b1\n# sensor: s3\n")
write("units.csv", "time,acc_x [m/s2],acc_y [furlong/fortnight2]", rows(50, 200, "iso"), "# structure: b1\n")
write("nounits.csv", "time,acc_x [m/s2],acc_y", rows(50, 200, "iso"), "# structure: b1\n")
nan = lambda i: "%.5f,%s" % (math.sin(i / 7), "NaN" if 100 <= i < 160 else "%.5f" % math.cos(i / 5))
write("nanrun.csv", H, rows(400, 200, "iso", f=nan), "# structure: b1\n")
write("rate.csv", H, rows(400, 100, "iso"), "# structure: b1\n# sampling_rate: 200\n")
# stamps 2 ms off a 200 Hz grid (0.4 sample intervals)
def jit(i): return stamp(i / 200 + (0.002 if i % 2 else -0.002) + 0.01, "iso") + ",%.5f,%.5f" % (math.sin(i), 0)
write("irregular.csv", H, [jit(i) for i in range(200)], "# structure: b1\n")
# one stamp in ten 2 ms (0.4 sample intervals; stamps in whole ms) late
def late(i): return stamp(i / 200 + (0.002 if i % 10 == 2 else 0), "iso") + ",%.5f,%.5f" % (math.sin(i), 0)
write("irregular2.csv", H, [late(i) for i in range(200)], "# structure: b1\n")
write("nostructure.csv", H, rows(50, 200, "iso"))
EOF
run_np 1 ingest sensors --data good.csv --output ok.nc 2>ok.log || { cat ok.log; fail "the good CSV"; }
echo "ok: the good CSV is read"

# 1 day/month
expect_fail "swapped day/month" "swapped.csv: line [0-9]+: read as dd/mm/yyyy .*read as mm/dd/yyyy every time stamp follows.*not guessed" \
  ingest --data good.csv --data swapped.csv --output sw.nc
nothing_left sw.nc
ingest --data swapped.csv --date-format mdy --output sw2.nc 2>/dev/null || fail "swapped.csv with --date-format mdy"
expect_fail "swapped day/month across a gap" "mdy_gap.csv: line 204: read as dd/mm/yyyy .*jumps from 2024-01-03T23:59:58Z to 2024-02-03T00:00:09Z after line 203, but read as mm/dd/yyyy it follows that line by 10.005 s, a forward step.*not guessed" \
  ingest --data mdy_gap.csv --output sg.nc
nothing_left sg.nc
ingest --data mdy_gap.csv --date-format mdy --output sg2.nc 2>/dev/null || fail "mdy_gap.csv with --date-format mdy"
ingest --data dmy_gap.csv --output sg3.nc 2>/dev/null || fail "dmy_gap.csv as dd/mm (a recording gap across midnight)"
expect_fail "day > 12 under mm/dd" "day13.csv: line 4: '13/03/2024 00:00:00.000' is not a date under mm/dd/yyyy .*contradict" \
  ingest --data day13.csv --date-format mdy --output d13.nc
nothing_left d13.nc
ingest --data day13.csv --output d13b.nc 2>/dev/null || fail "day13.csv as dd/mm"
echo "ok: day/month orders contradicted by the dates are refused, never guessed"

# outputs that would overwrite an input or each other are refused, the input kept
cp good.csv keep.csv
sum0=$(sha256sum keep.csv)
expect_fail "rejects file = a data file" "the rejects output .*keep.csv is also an input \(\[input\] data\): it would be overwritten" \
  ingest --data keep.csv --output k.nc --rejects keep.csv
expect_fail "store = a data file" "the sensor store output .*keep.csv is also an input \(\[input\] data\)" \
  ingest --data keep.csv --output keep.csv
expect_fail "rejects file = the store" "the rejects and the sensor store outputs are the same file .*q.nc" \
  ingest --data keep.csv --output q.nc --rejects q.nc
[[ $(sha256sum keep.csv) == "$sum0" ]] || fail "keep.csv changed by a refused ingest"
nothing_left k.nc
nothing_left q.nc
echo "ok: an output naming an input or another output is refused, the input unchanged"

# 2 units, missing values, rate, irregular stamps, names
expect_fail "unknown units" "units.csv: line 2: trace 'acc_y': unknown units 'furlong/fortnight2' \(accepted: m/s2" \
  ingest --data good.csv --data units.csv --output u.nc
nothing_left u.nc
expect_fail "no units" "nounits.csv: line 2: column 3 'acc_y' has no units" ingest --data nounits.csv --output nu.nc
expect_fail "NaN run" "nanrun.csv: trace 'acc_y': 60 missing values in a row \(lines 103-162\), more than the 50" \
  ingest --data nanrun.csv --max-nan-run 50 --output nan.nc
nothing_left nan.nc
ingest --data nanrun.csv --output nan2.nc 2>/dev/null || fail "a NaN run within --max-nan-run"
$PY -c "
import netCDF4; R = netCDF4.Dataset('nan2.ingest.nc'); assert list(R['missing'][:]) == [0, 60] and list(R['longest_missing_run'][:]) == [0, 60], R['missing'][:]" \
  || fail "missing values reported"
expect_fail "wrong sampling rate" "rate.csv: traces acc_x, acc_y: wrong sampling rate: the stated rate \(the file's sampling_rate line\) is 200 Hz but the time stamps step by 10 ms on average \(100 Hz" \
  ingest --data rate.csv --output rate.nc
expect_fail "wrong --sampling-rate" "good.csv: traces acc_x, acc_y: wrong sampling rate: the stated rate \(option\) is 100 Hz" \
  ingest --data good.csv --sampling-rate 100 --output rate2.nc
nothing_left rate2.nc
expect_fail "irregular stamps" "irregular.csv: line 4: time stamps too irregular to resample: a step of 9 ms \(1.[0-9]+ sample intervals of 19[0-9] Hz\) and then one of 1 ms: a stamp more than 0.25 sample intervals off" \
  ingest --data irregular.csv --output irr.nc
expect_fail "irregular stamps (no gap)" "irregular2.csv: line [0-9]+: time stamps too irregular to resample: this stamp is 1.[0-9]+ ms off the straight line through the stamps \(more than 0.25 sample intervals of 200 Hz" \
  ingest --data irregular2.csv --output irr.nc
nothing_left irr.nc
ingest --data irregular2.csv --max-jitter 0.45 --output irr2.nc 2>/dev/null || fail "irregular stamps within --max-jitter"
$PY -c "
import netCDF4; R = netCDF4.Dataset('irr2.ingest.nc'); assert 1.5e-3 < R['jitter_max'][0] < 2e-3 and 0 < R['jitter_rms'][0] < 1e-3, R['jitter_max'][:]" \
  || fail "jitter of the irregular file"
expect_fail "no structure" "nostructure.csv: trace 'acc_x': no structure name: give --structure" ingest --data nostructure.csv --output ns.nc
ingest --data nostructure.csv --structure b9 --output ns2.nc 2>/dev/null || fail "--structure"
echo "ok: units, missing values, rates, irregular stamps and names checked with the file and trace named"

# 3 corrupt miniSEED
$MK write m.mseed --source XX.S1.00.HNZ --start 2024-03-01T00:00:00 --rate 200 --samples 24000 >/dev/null
nrec=$(( $(stat -c %s m.mseed) / 512 ))
for how in header steim xn; do
  cp m.mseed $how.mseed; $MK corrupt $how.mseed --record 7 --how $how
  ingest --data $how.mseed --output $how.nc 2>$how.log || { cat $how.log; fail "one corrupt record ($how)"; }
  grep -q "^\"$how.mseed\",7," $how.rejects.csv || { cat $how.rejects.csv; fail "$how: record 7 not in the rejects"; }
  $PY -c "
import netCDF4; R = netCDF4.Dataset('$how.ingest.nc')
assert R.rows_read == $nrec and R.rows_kept == $nrec - 1 and R.rows_rejected == 1, (R.rows_read, R.rows_kept)
assert len(R['samples'][:]) == 2 and sum(R['samples'][:]) < 24000" || fail "$how: counts or traces"
done
grep -q "bad header" header.rejects.csv && grep -q "Steim" steim.rejects.csv && grep -q "integrity check" xn.rejects.csv \
  || fail "reasons of the corrupt records"
cp m.mseed trunc.mseed; $MK corrupt trunc.mseed --record $nrec --how truncate
ingest --data trunc.mseed --output trunc.nc 2>/dev/null || fail "truncated miniSEED"
grep -q "^\"trunc.mseed\",$nrec,\"truncated: a record of 512 bytes, only 256 left" trunc.rejects.csv || { cat trunc.rejects.csv; fail "truncated record"; }
echo "ok: corrupt miniSEED records rejected with the record number and the reason, the rest read"
cp m.mseed many.mseed
for k in 3 9 15 21; do $MK corrupt many.mseed --record $k --how steim; done
expect_fail "too many corrupt records" "4 of $nrec lines and records \(.*%\) rejected, more than --max-rejected 5 %: see .*many.rejects.csv" \
  ingest --data many.mseed --output many.nc
nothing_left many.nc
[[ $(grep -c '^"many.mseed"' many.rejects.csv) == 4 ]] || fail "the rejects file explains the failure"
# the same failure over an earlier run's output: its rejects file is kept (its manifest
# lists it), the failure's goes beside it
sum0=$(sha256sum steim.nc steim.rejects.csv steim.ingest.manifest.json)
expect_fail "too many rejects over an earlier run" "this failed run's rejects are in steim.rejects.failed.csv; steim.rejects.csv is the earlier run's, kept with its output" \
  ingest --data many.mseed --output steim.nc
[[ $(sha256sum steim.nc steim.rejects.csv steim.ingest.manifest.json) == "$sum0" ]] || fail "the earlier run's files changed"
[[ $(grep -c '^"many.mseed"' steim.rejects.failed.csv) == 4 ]] || fail "steim.rejects.failed.csv does not explain the failure"
echo "ok: too many rejects: an error, the rejects file alone explains it; an earlier run's rejects are kept"
# a record of another encoding in a trace (float32 among int32 records): rejected, the rest read
$MK write i32.mseed --source XX.S1.00.HNZ --start 2024-03-01T00:00:00 --rate 200 --samples 24000 --encoding int32 >/dev/null
$PY -c "
b = bytearray(open('i32.mseed', 'rb').read()); assert b[6 * 512 + 52] == 3; b[6 * 512 + 52] = 4  # blockette 1000: float32
open('f7.mseed', 'wb').write(b)"
ingest --data f7.mseed --output f7.nc 2>f7.log || { cat f7.log; fail "a record of another encoding"; }
grep -q "^\"f7.mseed\",7,samples of type 'f' (IEEE floating point) in a trace of type 'i' (integers)" f7.rejects.csv ||
  { cat f7.rejects.csv; fail "the record of another encoding is not rejected with its reason"; }
echo "ok: a float32 record in an int32 trace is rejected with the record number, the rest read"
# record times beyond the years of int64 ns (once wrapped to 1678-1815 with exit 0)
for year in 1 2300; do
  cp m.mseed y$year.mseed
  $PY -c "
import sys
b = bytearray(open('y$year.mseed', 'rb').read())
for o in range(0, len(b), 512): b[o + 20:o + 22] = ($year).to_bytes(2, 'big')  # BTIME year
open('y$year.mseed', 'wb').write(b)"
  expect_fail "miniSEED dated $year" "y$year.mseed: trace XX.S1.00.HNZ: its samples run from .* outside the years 1900-2261" \
    ingest --data y$year.mseed --output y$year.nc
  nothing_left y$year.nc
done
sed 's/^2024-/2300-/' good.csv >y2300.csv
expect_fail "CSV dated 2300" "y2300.csv: 0 readable data lines: at least 2 are needed \(400 rejected; the first, line 4: time: " ingest --data y2300.csv --output yc.nc
nothing_left yc.nc
expect_fail "gen --start 2300" "the records must lie in 1900-2261" run_np 1 gen sensors --structures 1 --days 1 \
  --start 2300-01-01 --output-dir gen2300
[[ ! -e gen2300 || -z $(ls -A gen2300) ]] || fail "gen --start 2300 left files"
echo "ok: times beyond 1900-2261 are refused, not wrapped"
# a file in reverse time order; a repeated stamp (its reject gives the fraction)
{ head -3 good.csv; tail -n +4 good.csv | tac; } >reversed.csv
expect_fail "reversed time order" "reversed.csv: the time stamps do not increase: 399 of 400 lines are not after an earlier one \(the first: line 5, .*, not after line 4\); sort the export by time" \
  ingest --data reversed.csv --output rv.nc
nothing_left rv.nc
{ head -12 good.csv; sed -n 12p good.csv; tail -n +13 good.csv; } >dup.csv
ingest --data dup.csv --output dup.nc 2>/dev/null || fail "one repeated stamp"
grep -q '^"dup.csv",13,time stamp 2024-03-01T00:00:00.040Z not after the one of line 12,' dup.rejects.csv ||
  { cat dup.rejects.csv; fail "the repeated stamp's reject"; }
echo "ok: reversed stamps: an error that says so; a repeated one: a reject with its milliseconds"
$PY -c "import h5py; h5py.File('empty.h5', 'w').close(); f = h5py.File('other.h5', 'w'); f['x'] = [1.0]; f.close()"
for h in empty other; do
  expect_fail "HDF5 that is not a store ($h)" "$h.h5: no sensor trace in this HDF5 file: not a sensor store" \
    ingest --data good.csv --data $h.h5 --output h$h.nc
  nothing_left h$h.nc
done
head -c 2000 /dev/urandom >garbage.bin
expect_fail "neither CSV nor miniSEED" "garbage.bin: .*(not a text CSV|not valid UTF-8|NUL)" ingest --data garbage.bin --output g.nc
nothing_left g.nc

# 4 a truncated HDF5 store; the same data twice; a bad map
size=$(stat -c %s ok.nc); head -c $((size / 2)) ok.nc >trunc.nc.h5
expect_fail "truncated HDF5" "trunc.nc.h5" ingest --data trunc.nc.h5 --output t5.nc
nothing_left t5.nc
cp m.mseed again.mseed
expect_fail "the same data twice" "m.mseed \(XX.S1.00.HNZ\) and again.mseed \(XX.S1.00.HNZ\) both hold trace XX.S1_00..HNZ__" \
  ingest --data m.mseed --data again.mseed --output twice.nc
nothing_left twice.nc
printf '[map]\nXX.* = b1\n' >bad.map
expect_fail "bad map" "bad.map:2: 'b1' is not STRUCTURE/SENSOR" ingest --data m.mseed --map bad.map --output bm.nc
printf 'XX.* = b1/s1 units=furlong calibration=2\n' >bad2.map
expect_fail "map units" "bad2.map:1: unknown units 'furlong'" ingest --data m.mseed --map bad2.map --output bm.nc
nothing_left bm.nc
echo "ok: truncated store, duplicated data and bad map files refused with the file named"

# 5 a failure on one of 3 ranks at every phase: the same error on every rank, nothing left
for phase in index read compute define write rejects store commit manifest; do
  expect_fail "fault at $phase" "fault injected at $phase on rank 1" \
    env REGIA_FAULT=$phase:1 mpirun -np 3 --oversubscribe "$REGIA" ingest sensors --data good.csv --data m.mseed \
    --data header.mseed --output fault.nc
  b=fault; [[ ! -e $b.nc && ! -e $b.ingest.nc && ! -e $b.ingest.manifest.json && ! -e $b.rejects.csv && -z $(ls $b.*tmp 2>/dev/null) ]] \
    || { ls -la; fail "files left after a fault at $phase"; }
done
echo "ok: a fault at any phase on one rank ends every rank with its error and leaves no file"
