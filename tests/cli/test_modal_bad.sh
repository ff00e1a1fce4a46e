#!/usr/bin/env bash
# regia modal refuses bad inputs with a message naming the file and what is wrong (and the
# line, column or channel), writes no output then; a CSV of the same record gives the same
# modes as its .npy; the window and channel options select what they say.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import numpy, h5py' 2>/dev/null || skip "Debian python3 without numpy/h5py"
D=$TMP
/usr/bin/python3 - "$D" <<'PY' || fail "fixtures"
import os, sys, numpy as np
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
from modal_fixture import modal_record, two_mode_record
d = sys.argv[1]
rng = np.random.default_rng(7)
# two modes (1.1 and 2.9 Hz, 2 %) seen by 3 channels at 20 Hz, 200 s
fs, n = 20.0, 4000
t = np.arange(n) / fs
y = two_mode_record(rng, fs, n)
np.save(f"{d}/good.npy", y)
with open(f"{d}/good.csv", "w") as f:
    f.write("a,b,c\n")
    for r in y: f.write(",".join(repr(float(v)) for v in r) + "\n")
np.save(f"{d}/i4.npy", (1000 * y).astype(np.int32))  # float32 is read (test_modal_npy), integers not
with open(f"{d}/export.csv", "w") as f:  # a sensor export: time column, units, comments
    f.write("# structure: bridge_a\n# sensor: s01\ntime,acc_x [m/s2],acc_y [m/s2],acc_z [m/s2],temp [degC]\n")
    t0 = np.datetime64("2024-03-01T00:00:00.000")
    for k, r in enumerate(y):
        f.write(str(t0 + np.timedelta64(50 * k, "ms")) + "Z," + ",".join(repr(float(v)) for v in r) + ",12.5\n")
t0 = np.datetime64("2024-03-01T23:59:00.000")  # the same, written mm/dd/yyyy across midnight
with open(f"{d}/mdy.csv", "w") as g:
    g.write("time,acc_x [m/s2],acc_y [m/s2],acc_z [m/s2]\n")
    for k, r in enumerate(y):
        t = (t0 + np.timedelta64(50 * k, "ms")).astype(object)
        g.write(t.strftime("%m/%d/%Y %H:%M:%S.%f")[:-3] + "," + ",".join(repr(float(v)) for v in r) + "\n")
with open(f"{d}/export.csv") as g:  # its last line cut short: rejected, not dropped unseen
    lines = g.readlines()
with open(f"{d}/cut.csv", "w") as g:
    g.writelines(lines[:-1] + [lines[-1].split(",")[0] + ",0.1\n"])
np.save(f"{d}/three.npy", np.zeros((10, 2, 2)))
z = y.copy(); z[100, 1] = np.nan; np.save(f"{d}/nan.npy", z)
raw = open(f"{d}/good.npy", "rb").read(); open(f"{d}/trunc.npy", "wb").write(raw[: len(raw) // 2])
# a table with a NUL byte in a number (once read as "5") and one with a Latin-1 header
rows = "".join(",".join(repr(float(v)) for v in r) + "\n" for r in y)
open(f"{d}/nul.csv", "wb").write(b"a,b,c\n5\0e300,1,2\n" + rows.encode())
open(f"{d}/latin1.csv", "wb").write(b"a,b,c\xe0\n" + rows.encode())
# three modes seen by 4 channels, and the same with channels 2-3 one sample late (a late
# sensor's clock): SSI loses modes that FDD still shows
r3 = np.random.default_rng(3)
y3 = modal_record(r3, 20.0, 12000, ((1.1, 0.02, (1.0, 0.6, -0.3, 0.5)), (2.9, 0.02, (0.4, -1.0, 0.8, 0.6)),
                                    (5.3, 0.02, (0.7, 0.3, 0.9, -1.0))))
y3 += 0.05 * y3.std() * r3.standard_normal(y3.shape)
np.save(f"{d}/modes3.npy", y3)
np.save(f"{d}/huge_values.npy", y3 * 1e300)  # covariances overflow
y3[1:, 2:] = y3[:-1, 2:].copy()
np.save(f"{d}/late.npy", y3)
# shapes whose product overflows 64 bits (a 0-byte buffer once), or that the file cannot hold
hl = int.from_bytes(raw[8:10], "little")
for name, shape in (("ovf", "(4611686018427387904, 4)"), ("huge", "(400000000000, 3)")):
    h = raw[10:10 + hl].decode().replace("(4000, 3)", shape)
    assert shape in h
    open(f"{d}/{name}.npy", "wb").write(raw[:10] + (h[:hl - 1].ljust(hl - 1) + "\n").encode() + raw[10 + hl:])
open(f"{d}/text.npy", "w").write("not numpy\n")
open(f"{d}/bad.csv", "w").write("a,b\n1,2\n3,x\n")
open(f"{d}/gap.csv", "w").write("a,b\n1,2\n3,\n")
open(f"{d}/short.csv", "w").write("a,b\n" + "".join(f"{k},{k % 3}\n" for k in range(20)))
open(f"{d}/rec.dat", "w").write("1\n")
open(f"{d}/junk.h5", "w").write("not HDF5\n")
PY
m() { run_np 1 modal "$@"; }
expect_fail "no input" "--input FILE is required" m --output "$D/o.h5"
expect_fail "missing file" "nothing.npy: cannot open" m --input "$D/nothing.npy" --fs 20 --output "$D/o.h5"
expect_fail "text as npy" "text.npy: not a NumPy .npy file" m --input "$D/text.npy" --fs 20 --output "$D/o.h5"
expect_fail "int32 npy" "i4.npy: dtype '<i4' not supported \\(float64 or float32" m --input "$D/i4.npy" --fs 20 --output "$D/o.h5"
expect_fail "3-D npy" "three.npy: .*not 2-D|three.npy: the array has more than 2 dimensions" \
  m --input "$D/three.npy" --fs 20 --output "$D/o.h5"
expect_fail "truncated npy" "trunc.npy: data truncated" m --input "$D/trunc.npy" --fs 20 --output "$D/o.h5"
expect_fail "NUL byte in a table" "nul.csv.*not a text CSV" m --input "$D/nul.csv" --fs 20 --output "$D/o.h5"
expect_fail "Latin-1 byte in a table's header" "latin1.csv.*not a text CSV" m --input "$D/latin1.csv" --fs 20 \
  --output "$D/o.h5"
/usr/bin/python3 -c "import h5py; h5py.File('$D/empty.h5', 'w').close()"
expect_fail "HDF5 that is not a store" "empty.h5: no structure in this HDF5 file: not a sensor store" m \
  --input "$D/empty.h5" --output "$D/o2.h5"
m --input "$D/modes3.npy" --fs 20 --output "$D/modes3.h5" >"$D/log3" 2>&1 || { cat "$D/log3"; fail "three modes"; }
grep -q " 3 modes (SSI" "$D/log3" && ! grep -q warning "$D/log3" || { cat "$D/log3"; fail "three modes: 3 modes, no warning"; }
m --input "$D/late.npy" --fs 20 --output "$D/late.h5" >"$D/logl" 2>&1 || { cat "$D/logl"; fail "late channels"; }
grep -q "warning: modal: .*late.npy: SSI found 1 mode, FDD 3 peaks: if the channels come from several sensors, their clocks may disagree" \
  "$D/logl" || { cat "$D/logl"; fail "late channels: no warning"; }
echo "ok: channels one sample late: 1 SSI mode of 3, and a warning naming the clocks"
expect_fail "values whose covariances overflow" "huge_values.npy: SSI: the Hankel matrix has a non-finite entry" m \
  --input "$D/huge_values.npy" --fs 20 --output "$D/o.h5"
expect_fail "nperseg beyond the record" "modes3.npy: FDD: a record of 12000 samples is shorter than nperseg = 100000" m \
  --input "$D/modes3.npy" --fs 20 --nperseg 100000 --output "$D/o.h5"
expect_fail "npy shape overflowing" "ovf.npy: data truncated: the shape \(4611686018427387904, 4\) needs" m \
  --input "$D/ovf.npy" --fs 20 --output "$D/o.h5"
expect_fail "npy shape beyond the file" "huge.npy: data truncated: the shape \(400000000000, 3\) needs 400000000000 x 3 values, the file holds 12000" m \
  --input "$D/huge.npy" --fs 20 --output "$D/o.h5"
expect_fail "npy without fs" "good.npy: the npy file does not state its sampling rate: give --fs" \
  m --input "$D/good.npy" --output "$D/o.h5"
expect_fail "NaN sample" "nan.npy: channel ch1, sample 100 is nan" m --input "$D/nan.npy" --fs 20 --output "$D/o.h5"
expect_fail "CSV word" "bad.csv: line 3, column 2 \(b\): not a number 'x'" m --input "$D/bad.csv" --fs 20 --output "$D/o.h5"
expect_fail "CSV gap" "gap.csv: line 3, column 2 \(b\): missing value" m --input "$D/gap.csv" --fs 20 --output "$D/o.h5"
expect_fail "short record" "short.csv: SSI: 20 samples for block_rows = 20" \
  m --input "$D/short.csv" --fs 20 --output "$D/o.h5"
expect_fail "unknown format" "rec.dat: unknown input format '.dat'" m --input "$D/rec.dat" --fs 20 --output "$D/o.h5"
expect_fail "output name" "--output .*o.txt: expected a .nc or .h5" m --input "$D/good.npy" --fs 20 --output "$D/o.txt"
expect_fail "orders syntax" "--orders '2-40': expected MIN:MAX" m --input "$D/good.npy" --fs 20 --orders 2-40 --output "$D/o.h5"
expect_fail "unknown channel" "--channels: no channel 'zz' \(channels: ch0, ch1, ch2" \
  m --input "$D/good.npy" --fs 20 --channels ch0,zz --output "$D/o.h5"
expect_fail "reference not used" "--references: 'ch2' is not one of the channels used" \
  m --input "$D/good.npy" --fs 20 --channels ch0,ch1 --references ch2 --output "$D/o.h5"
expect_fail "window outside" "window --start 150 s --duration 100 s outside the record \(200.000 s\)" \
  m --input "$D/good.npy" --fs 20 --start 150 --duration 100 --output "$D/o.h5"
expect_fail "negative fs" "--fs '-3': expected a number" m --input "$D/good.csv" --fs -3 --output "$D/o.h5"
expect_fail "bad window name" "window" m --input "$D/good.npy" --fs 20 --window biased --output "$D/o.h5"
expect_fail "not a store" "junk.h5" m --input "$D/junk.h5" --output "$D/o.h5"
[[ ! -e $D/o.h5 ]] || fail "an output was written by a failed run"
# the output is the input store under another spelling: refused, the store intact
run_np 1 ingest sensors --data "$D/export.csv" --output "$D/st.h5" -q || fail "store of export.csv"
sum0=$(sha256sum <"$D/st.h5")
expect_fail "output is the input" "--output .*st.h5 is the input file .*st.h5: the results would replace the record" \
  bash -c "cd '$D' && '$REGIA' modal --input st.h5 --output ./st.h5"
[[ $(sha256sum <"$D/st.h5") == "$sum0" ]] || fail "the input store st.h5 was overwritten"
echo "ok: no output after the failures"
# the same record as .npy and as CSV: the same modes; the two modes are found
m --input "$D/good.npy" --fs 20 --output "$D/a.h5" >"$D/log_a" 2>&1 || { cat "$D/log_a"; fail "npy run"; }
grep -Eq "  FDD: [0-9]+ peaks? of prominence >= [0-9.]+ dB \(6 dB, or 6.5 x the estimate's [0-9.]+ dB sd\) at [0-9.]+ Hz \((EFDD xi [0-9.]+|no EFDD xi)\)" "$D/log_a" ||
  { cat "$D/log_a"; fail "the log does not list the FDD peaks"; }
m --input "$D/good.csv" --fs 20 --output "$D/b.h5" >"$D/log_b" 2>&1 || { cat "$D/log_b"; fail "csv run"; }
m --input "$D/good.npy" --fs 20 --channels 2,ch0 --references ch0 --start 10 --duration 150 --output "$D/c.h5" \
  >"$D/log_c" 2>&1 || { cat "$D/log_c"; fail "selection run"; }
m --input "$D/export.csv" --output "$D/e.h5" >"$D/log_e" 2>&1 || { cat "$D/log_e"; fail "sensor-export run"; }
grep -q "(sensor-csv): 3 channels x 4000 samples at 20 Hz" "$D/log_e" || { cat "$D/log_e"; fail "sensor export: channels"; }
expect_fail "export fs disagrees" "export.csv" m --input "$D/export.csv" --fs 25 --output "$D/o.h5"
expect_fail "mm/dd dates read as dd/mm" "mdy.csv: line [0-9]+: read as dd/mm/yyyy .*e.g. --date-format mdy" \
  m --input "$D/mdy.csv" --output "$D/o.h5"
expect_fail "a rejected line" "cut.csv: line 4003: 2 fields, expected 5 as in the header \(1 of 4000 lines rejected" \
  m --input "$D/cut.csv" --output "$D/o.h5"
[[ ! -e $D/o.h5 ]] || fail "an output was written by a failed run"
m --input "$D/mdy.csv" --date-format mdy --output "$D/d.h5" >"$D/log_d" 2>&1 || { cat "$D/log_d"; fail "--date-format mdy"; }
grep -q "(sensor-csv): 3 channels x 4000 samples at 20 Hz" "$D/log_d" || { cat "$D/log_d"; fail "--date-format mdy: channels"; }
/usr/bin/python3 - "$D" <<'PY' || fail "npy and CSV runs"
import sys, h5py, numpy as np
d = sys.argv[1]
a, b, c = (h5py.File(f"{d}/{x}.h5", "r") for x in "abc")
fa, fb = a["mode_frequency"][()], b["mode_frequency"][()]
print("npy modes:", fa, "csv modes:", fb)
assert np.array_equal(fa, fb) and np.array_equal(a["pole_frequency"][()], b["pole_frequency"][()])
assert len(fa) == 2 and abs(fa[0] - 1.1) < 0.02 and abs(fa[1] - 2.9) < 0.05, fa
names = [bytes(x).rstrip(b"\0").decode() for x in b["channel_name"][()]]
assert names == ["a", "b", "c"], names
names = [bytes(x).rstrip(b"\0").decode() for x in c["channel_name"][()]]
assert names == ["ch2", "ch0"], names
assert list(c["reference_channel"][()]) == [1]
assert c.attrs["record_samples"] == 3000 and c["hankel_singular_value"].shape[0] == 20
e = h5py.File(f"{d}/e.h5", "r")
assert np.allclose(e["mode_frequency"][()], fa, rtol=1e-9), (e["mode_frequency"][()], fa)
enames = [bytes(x).rstrip(b"\0").decode() for x in e["channel_name"][()]]
assert enames == ["acc_x", "acc_y", "acc_z"], enames
print("sensor export:", enames, e["mode_frequency"][()])
print("selection:", names, c["mode_frequency"][()])
# provenance names files, not machine paths
for f in (a, b, c, e):
    for k in ("history", "input"):
        v = f.attrs[k]; v = v.decode() if isinstance(v, bytes) else str(v)
        assert d not in v, (k, v)
PY
echo "ok: npy and CSV give the same modes; channel, reference and window selection; no machine path in history or input"
