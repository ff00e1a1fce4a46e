#!/usr/bin/env bash
# regia ingest sensors on CSV exports and miniSEED written with libmseed's msr_pack
# (build/tools/mkmseed): gaps and overlaps become separate traces, counts calibrated by
# the map file, CSV time stamps with a known jitter resampled onto the uniform grid (a
# ramp stays a ramp; the jitter reported is the one put in), lines and records read =
# kept + rejected, a corrupt record in the rejects file; the store is the same at 1, 2
# and 3 ranks; an existing store ingested again gives the same traces.
source "$(dirname "$0")/lib.sh"
MK=$BUILD/tools/mkmseed
[[ -x $MK ]] || fail "$MK missing (make tests builds it)"
PY=/usr/bin/python3
$PY -c 'import netCDF4, numpy' 2>/dev/null || skip "python3 with netCDF4 and numpy not found"
D=$TMP; cd "$D"

# miniSEED: HNE, HNN 60 s at 200 Hz; HNZ with a 10 s gap after 20 s, then a piece that
# starts 2 s before the one before ends (an overlap); record 5 of HNE's with bad Steim
# frames is rejected
$MK write m.mseed --source XX.BR01.00.HNE --start 2024-03-01T00:00:00 --rate 200 --samples 12000 --seed 1 >/dev/null
$MK corrupt m.mseed --record 5 --how steim
$MK write m.mseed --append --source XX.BR01.00.HNN --start 2024-03-01T00:00:00 --rate 200 --samples 12000 --seed 2 >/dev/null
$MK write m.mseed --append --source XX.BR01.00.HNZ --start 2024-03-01T00:00:00 --rate 200 --samples 4000 --seed 3 >/dev/null
$MK write m.mseed --append --source XX.BR01.00.HNZ --start 2024-03-01T00:00:30 --rate 200 --samples 2000 --seed 4 >/dev/null
$MK write m.mseed --append --source XX.BR01.00.HNZ --start 2024-03-01T00:00:38 --rate 200 --samples 2000 --seed 5 >/dev/null
cat >map.ini <<'EOF'
# SOURCE = STRUCTURE/SENSOR[/CHANNEL] units=U calibration=COUNTS_PER_U
[map]
XX.BR01.00.HNE = bridge_a/s01/x units=m/s2 calibration=1e4 position=12.5,0,0
XX.BR01.00.HNN = bridge_a/s01/y units=m/s2 calibration=1e4 position=12.5,0,0
XX.BR01.00.HNZ = bridge_a/s01/z units=mg calibration=100 position=12.5,0,0
EOF
# CSV: 100 Hz with stamps 1.5 ms late on every third line and 0.75 ms early on the others
# (mean 0: the grid is the nominal one; rms = sqrt((1.5^2 + 2 * 0.75^2) / 3) ms);
# ramp = the true time since 00:00 in s, acc in g, temperature in K; dd/mm dates
$PY - <<'EOF'
import math
with open("a.csv", "w") as f:
    f.write("# structure: bridge_a\n# sensor: s02\n# sampling_rate: 100 Hz\n")
    f.write("time,ramp [m/s2],acc_z [g],temp [K]\n")
    for i in range(6000):
        t = i / 100
        ts = t + (0.0015 if i % 3 == 0 else -0.00075)
        s = math.floor(ts); us = round((ts - s) * 1e6)
        if us == 1000000: s += 1; us = 0
        f.write("01/03/2024 %02d:%02d:%02d.%06d,%.9f,%.6f,%.3f\n" % (s // 3600, s // 60 % 60, s % 60, us, ts,
                0.01 * math.sin(2 * math.pi * 2.5 * t), 285.15 + 0.001 * i))
    f.write("01/03/2024 00:01:00.000000,1,x,2\n")  # a bad number: rejected
EOF

for np in 1 2 3; do
  mkdir -p r$np
  (cd r$np && run_np $np ingest sensors --data ../a.csv --data ../m.mseed --map ../map.ini --output store.nc 2>log) \
    || { cat r$np/log; fail "ingest at $np ranks"; }
done
grep -q "lines and records read 6[0-9]* = kept [0-9]* + rejected 2" r2/log || { cat r2/log; fail "the summary line"; }
echo "ok: ingested at 1, 2, 3 ranks"

# rank invariance: the same store (every group, variable, attribute and value) and report
for np in 2 3; do
  cmp -s <(ncdump r1/store.nc | tail -n +2) <(ncdump r$np/store.nc | tail -n +2) || fail "store at $np ranks differs from 1 rank"
  cmp -s <(ncdump -v structure,sensor,channel,store_variable,samples,jitter_rms,jitter_max,missing,overlap,file_read,file_kept,file_rejected r1/store.ingest.nc | sed -n '/^data:/,$p') \
         <(ncdump -v structure,sensor,channel,store_variable,samples,jitter_rms,jitter_max,missing,overlap,file_read,file_kept,file_rejected r$np/store.ingest.nc | sed -n '/^data:/,$p') \
    || fail "ingest report at $np ranks differs from 1 rank"
done
echo "ok: the store and the report are the same at 1, 2 and 3 ranks"

$PY - r2 <<'EOF' || fail "content of the store"
import sys, json, netCDF4, numpy as np
d = sys.argv[1]
S = netCDF4.Dataset(d + "/store.nc")
s01 = S["bridge_a"]["s01"]
tr = {}
for name, v in s01.variables.items():
    tr.setdefault(v.getncattr("channel"), []).append((v.getncattr("starttime"), len(v), v))
for c in tr: tr[c].sort(key=lambda x: x[0])
t0 = 1709251200 * 10**9
# HNZ: 20 s, then the gap, then 10 s from 30 s, then the overlapping piece from 38 s
z = [(a - t0, n) for a, n, _ in tr["z"]]
assert z == [(0, 4000), (30 * 10**9, 2000), (38 * 10**9, 2000)], z
# HNE: record 5 rejected -> two pieces around it
assert len(tr["x"]) == 2 and sum(n for _, n, _ in tr["x"]) < 12000, [(a - t0, n) for a, n, _ in tr["x"]]
assert len(tr["y"]) == 1 and tr["y"][0][1] == 12000
v = tr["z"][0][2]
assert v.units == "m s-2" and v.kind == "accel" and v.calibration == 100 and list(v.orientation) == [0, 0, 1]
assert list(v.position) == [12.5, 0, 0]
# counts / 100 counts per mg -> m s-2: whole counts times 9.80665e-5
c = np.asarray(v[:], dtype=float) / 9.80665e-5
assert np.max(np.abs(c - np.round(c))) < 1e-2 * np.max(np.abs(c)) * 1e-3 + 0.01, np.max(np.abs(c - np.round(c)))
assert np.max(np.abs(c)) > 100
# CSV: the ramp on the grid equals the grid time; g -> m s-2; K -> degC
s02 = S["bridge_a"]["s02"]
ch = {s02[n].getncattr("channel"): s02[n] for n in s02.variables}
r = ch["ramp"]
# the grid starts at the straight line's time of the first stamp: within a microsecond of 00:00
assert r.sampling_rate == 100 and abs(r.starttime - t0) < 1000 and len(r) == 6000, (r.sampling_rate, r.starttime - t0, len(r))
k = np.arange(len(r))
err = np.max(np.abs(np.asarray(r[:], dtype=float)[1:-1] - ((r.starttime - t0) * 1e-9 + k[1:-1] / 100)))
assert err < 1e-5, err  # float32 storage of values up to 60
assert ch["acc_z"].units == "m s-2" and abs(np.max(np.asarray(ch["acc_z"][:])) - 0.01 * 9.80665) < 2e-4
assert ch["temp"].units == "degC" and abs(float(ch["temp"][0]) - 12.0) < 1e-3 and ch["temp"].kind == "temperature"
# the report: jitter of the CSV traces, rows = kept + rejected
R = netCDF4.Dataset(d + "/store.ingest.nc")
names = [str(x) for x in netCDF4.chartostring(R["channel"][:])]
i = names.index("ramp")
want = np.sqrt((1.5**2 + 2 * 0.75**2) / 3) * 1e-3
assert abs(R["jitter_rms"][i] - want) < 1e-6 and abs(R["jitter_max"][i] - 1.5e-3) < 1e-6, (R["jitter_rms"][i], want)
assert R.rows_read == R.rows_kept + R.rows_rejected and R.rows_rejected == 2, (R.rows_read, R.rows_kept, R.rows_rejected)
ov = {names[j]: int(R["overlap"][j]) for j in range(len(names)) if names[j] == "z"}
assert sum(int(R["overlap"][j]) for j in range(len(names)) if names[j] == "z") == 1
m = json.load(open(d + "/store.ingest.manifest.json"))
assert m["rows_read"] == m["rows_kept"] + m["rows_rejected"] and m["traces"] == len(names), m
assert {"rejects", "sensor store"} <= {o["role"] for o in m["outputs"]}
print("ok: gaps and an overlap as separate traces, calibrated counts, a ramp on the grid, jitter rms %.4g ms "
      "reported (put in %.4g ms), read %d = kept %d + rejected %d" % (R["jitter_rms"][i] * 1e3, want * 1e3,
      R.rows_read, R.rows_kept, R.rows_rejected))
EOF

# the report as CDO 2.1 and xarray read it: no warning, the numbers CDO lists, a trace by name
if command -v cdo >/dev/null; then
  cdo sinfo r1/store.ingest.nc >cdo.txt 2>&1 || { cat cdo.txt; fail "cdo sinfo cannot open the ingest report"; }
  ! grep -qi warn cdo.txt || { cat cdo.txt; fail "cdo sinfo: warnings on the ingest report (above)"; }
  names=" $(cdo -s showname r1/store.ingest.nc 2>/dev/null | tr -s ' \n' ' ') "
  for v in samples sampling_rate jitter_rms file_read file_rejected; do
    [[ $names == *" $v "* ]] || fail "cdo does not read $v in the ingest report (reads:$names)"
  done
  echo "ok: cdo sinfo reads the ingest report without a warning"
else
  echo "note: cdo not installed; the report's CDO check not run"
fi
/usr/bin/python3 - r1/store.ingest.nc <<'PYX' || fail "xarray reading the ingest report"
import sys, xarray as xr
d = xr.open_dataset(sys.argv[1])
assert {"structure", "sensor", "channel", "file_path"} <= set(d.coords), list(d.coords)
one = d.samples.set_xindex("channel").sel(channel=b"ramp")
assert int(one) == 6000, one
assert str(d.start_time.values[0]).startswith("2024-03-01"), d.start_time.values[:2]
print("ok: xarray opens the ingest report, decodes start_time and selects a trace by channel name")
PYX

# the rejects file: the bad number (file, line, reason, text) and the corrupt record
grep -q '^"../a.csv",6005,' r1/store.rejects.csv || { cat r1/store.rejects.csv; fail "rejects: the CSV line"; }
grep -Eq '^"../m.mseed",5,.*Steim' r1/store.rejects.csv || { cat r1/store.rejects.csv; fail "rejects: the miniSEED record"; }
echo "ok: rejects name the file, the line or record and the reason"

# an existing store ingested again: the same traces
run_np 2 ingest sensors --data r1/store.nc --output again.nc 2>again.log || { cat again.log; fail "re-ingest of a store"; }
cmp -s <(ncdump r1/store.nc | sed -n '/^group/,$p') <(ncdump again.nc | sed -n '/^group/,$p') || fail "a store ingested again differs"
echo "ok: a store ingested again holds the same traces"
# a store that says synthetic stays synthetic (and one input that does not: not)
cp r1/store.nc syn.nc
$PY -c "import netCDF4; d = netCDF4.Dataset('syn.nc', 'a'); d.synthetic = 1; d.close()"
run_np 1 ingest sensors --data syn.nc --output syn2.nc 2>/dev/null || fail "re-ingest of a synthetic store"
[[ $(ncdump -h syn2.nc | grep -c ':synthetic = "yes" ;') == 1 && $(ncdump -h again.nc | grep -c ':synthetic = "no" ;') == 1 ]] \
  || fail "the synthetic flag of ingested stores (an older store's integer 1)"
$PY -c "import netCDF4; d = netCDF4.Dataset('syn.nc', 'a'); d.synthetic = 'yes'; d.close()"
run_np 1 ingest sensors --data syn.nc --output syn3.nc 2>/dev/null || fail "re-ingest of a synthetic store (text)"
grep -q ':synthetic = "yes" ;' <(ncdump -h syn3.nc) || fail "the synthetic flag of an ingested store (\"yes\")"
echo "ok: the synthetic flag kept from synthetic stores (\"yes\" and an older store's 1)"
