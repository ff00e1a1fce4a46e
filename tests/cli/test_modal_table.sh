#!/usr/bin/env bash
# regia modal on a researcher's plain tables: a CSV header NAME [UNITS] gives the channel
# names without the bracket and the units (sensor unit table, samples converted to SI as a
# sensor export's are, channel_units in the output); units the table does not know, a
# column without units among columns with them, two columns of one name and channels of
# different quantities are errors naming the file, the line and the column; ';' with
# decimal commas reads as ','; a header may end in a separator (its empty column must stay
# empty); a first line of numbers is data (even "0,0,0"); a '# sampling_rate: 20 Hz' line
# before the header states the rate (--fs must agree).  Also the checks of odd records:
# a channels x samples .npy, a constant channel, --orders that cannot give a mode
# (errors), a record without modes (a warning, exit 0), -q, and the default --orders
# capped without a warning (given ones with one).
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import numpy, h5py' 2>/dev/null || skip "Debian python3 without numpy/h5py"
D=$TMP
/usr/bin/python3 - "$D" <<'PY' || fail "fixtures"
import os, sys, numpy as np
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
from modal_fixture import two_mode_record
d = sys.argv[1]
rng = np.random.default_rng(11)
fs, n = 20.0, 4000  # two modes (1.1 and 2.9 Hz, 2 %) seen by 3 channels
y = two_mode_record(rng, fs, n)
def table(name, header, cols, sep=",", comma=False, pre="", end=""):
    with open(f"{d}/{name}", "w") as f:
        if header is not None:
            f.write(pre + sep.join(header) + end + "\n")
        for r in cols:
            f.write(sep.join(repr(float(v)).replace(".", ",") if comma else repr(float(v)) for v in r) + end + "\n")
table("plain.csv", ["ax", "ay", "az"], y)
table("ms2.csv", ["ax [m/s2]", "ay [m/s2]", "az [m/s2]"], y)
table("trail.csv", ["ax [m/s2]", "ay [m/s2]", "az [m/s2]"], y, end=",")  # a spreadsheet's trailing separator
table("nohdr.csv", None, np.r_[np.zeros((1, 3)), y])  # no header, a first line "0.0,0.0,0.0"
table("nohdr_semi.csv", None, y, sep=";", comma=True)
table("stated.csv", ["ax [m/s2]", "ay [m/s2]", "az [m/s2]"], y, pre="# deck, 2024-03-01\n# sampling_rate: 20 Hz\n")
table("stated_bad.csv", ["ax [m/s2]", "ay [m/s2]", "az [m/s2]"], y[:100], pre="# fs = 2O\n")
with open(f"{d}/trail_bad.csv", "w") as f:
    f.write("ax [m/s2],ay [m/s2],\n" + "".join(f"{a!r},{b!r},{'7' if k == 9 else ''}\n" for k, (a, b) in enumerate(y[:100, :2])))
# each channel in other units: g, m/s2, mg (the converted samples equal y to rounding)
g0 = 9.80665
table("mixed.csv", ["ax [g]", "ay [m/s2]", "az [mg]"], np.c_[y[:, 0] / g0, y[:, 1], y[:, 2] / (g0 * 1e-3)])
table("semi.csv", ["ax [mm/s2]", "ay [mm/s2]", "az [mm/s2]"], y * 1e3, sep=";", comma=True,
      pre="# bridge B, deck, mm/s2\n")
table("unknown.csv", ["ax [m/s2]", "ay [furlong/s2]", "az [m/s2]"], y[:100], pre="# one comment\n")
table("partial.csv", ["ax [m/s2]", "ay", "az [m/s2]"], y[:100])
table("dup.csv", ["a [m/s2]", "a [g]", "b [m/s2]"], y[:100])
table("tcol.csv", ["t [s]", "ay [m/s2]", "az [m/s2]"], np.c_[np.arange(100) / fs, y[:100, 1:]])
table("qty.csv", ["ax [m/s2]", "ay [m/s2]", "temp [degC]"], np.c_[y[:, :2], 12 + 0.01 * rng.standard_normal(n)])
table("noname.csv", ["[m/s2]", "ay [m/s2]", "az [m/s2]"], y[:100])
table("unclosed.csv", ["ax [m/s2", "ay", "az"], y[:100])  # once read as a channel named 'ax [m/s2'
np.save(f"{d}/rec.npy", y)
np.save(f"{d}/transposed.npy", y.T.copy())
c = y.copy(); c[:, 1] = 0.0; np.save(f"{d}/dead.npy", c)
np.save(f"{d}/noise.npy", rng.standard_normal((n, 3)))
PY
m() { run_np 1 modal "$@"; }
for f in plain ms2 mixed semi trail nohdr nohdr_semi; do
  m --input "$D/$f.csv" --fs 20 --output "$D/$f.h5" >"$D/log_$f" 2>&1 || { cat "$D/log_$f"; fail "$f.csv run"; }
done
m --input "$D/stated.csv" --output "$D/stated.h5" -q || fail "a table with '# sampling_rate: 20 Hz' and no --fs"
/usr/bin/python3 -c "import sys, h5py, numpy as np; a, b = (h5py.File(f) for f in sys.argv[1:]); \
assert np.array_equal(a['pole_frequency'][()], b['pole_frequency'][()])" "$D/stated.h5" "$D/ms2.h5" ||
  fail "'# sampling_rate: 20 Hz' gives other poles than --fs 20"
expect_fail "--fs against the stated rate" "stated.csv: --fs 25 Hz, but the file is sampled at 20 Hz" \
  m --input "$D/stated.csv" --fs 25 --output "$D/o.h5"
expect_fail "a bad stated rate" "stated_bad.csv: line 1: sampling rate '2O' is not a positive number of Hz" \
  m --input "$D/stated_bad.csv" --output "$D/o.h5"
expect_fail "no rate at all" "ms2.csv: the csv file does not state its sampling rate: give --fs HZ \(or a line '# sampling_rate: HZ'" \
  m --input "$D/ms2.csv" --output "$D/o.h5"
/usr/bin/python3 - "$D" <<'PY' || fail "NAME [UNITS] tables"
import sys, h5py, numpy as np
d = sys.argv[1]
f = {k: h5py.File(f"{d}/{k}.h5", "r") for k in ("plain", "ms2", "mixed", "semi", "trail", "nohdr", "nohdr_semi")}
txt = lambda ds: [bytes(x).rstrip(b"\0").decode() for x in ds[()]]
for k in ("plain", "ms2", "mixed", "semi", "trail"):
    assert txt(f[k]["channel_name"]) == ["ax", "ay", "az"], (k, txt(f[k]["channel_name"]))
for k in ("nohdr", "nohdr_semi"):
    assert txt(f[k]["channel_name"]) == ["ch0", "ch1", "ch2"], (k, txt(f[k]["channel_name"]))
assert f["nohdr"].attrs["record_samples"] == 4001 and f["nohdr_semi"].attrs["record_samples"] == 4000
# ';' with decimal commas and no header: the very samples of the ',' table
assert np.array_equal(f["nohdr_semi"]["pole_frequency"][()], f["plain"]["pole_frequency"][()])
assert np.array_equal(f["trail"]["pole_frequency"][()], f["ms2"]["pole_frequency"][()])
assert txt(f["plain"]["channel_units"]) == ["", "", ""], txt(f["plain"]["channel_units"])
for k in ("ms2", "mixed", "semi"):
    assert txt(f[k]["channel_units"]) == ["m s-2"] * 3, (k, txt(f[k]["channel_units"]))
# units m/s2 (scale 1): the very samples of the plain table, so the very same poles
assert np.array_equal(f["plain"]["pole_frequency"][()], f["ms2"]["pole_frequency"][()])
fa = f["ms2"]["mode_frequency"][()]
assert len(fa) == 2 and abs(fa[0] - 1.1) < 0.02 and abs(fa[1] - 2.9) < 0.05, fa
def mac(a, b):
    a = a[..., 0] + 1j * a[..., 1]; b = b[..., 0] + 1j * b[..., 1]
    return abs(np.vdot(a, b)) ** 2 / (np.vdot(a, a).real * np.vdot(b, b).real)
for k in ("mixed", "semi"):
    fk = f[k]["mode_frequency"][()]
    assert len(fk) == 2 and np.allclose(fk, fa, rtol=0.01), (k, fk, fa)
    for j in range(2):  # unconverted g / mg columns would scale the shape's components by 10 and 100
        mj = mac(f[k]["mode_shape"][j], f["ms2"]["mode_shape"][j])
        assert mj > 0.999, (k, j, mj)
    print(k, "modes", fk, "MAC with the m/s2 table", [round(mac(f[k]["mode_shape"][j], f["ms2"]["mode_shape"][j]), 6) for j in range(2)])
PY
echo "ok: NAME [UNITS] headers: names without the bracket, units m s-2, samples in g, mg, mm/s2 converted (same modes and shapes)"
expect_fail "unknown units" "unknown.csv: line 2: column 2 'ay \[furlong/s2\]': unknown units 'furlong/s2' \(accepted: m/s2, .*counts\)" \
  m --input "$D/unknown.csv" --fs 20 --output "$D/o.h5"
expect_fail "a value under a trailing separator" "trail_bad.csv: line 11: a value '7' in column 3, which the header leaves unnamed" \
  m --input "$D/trail_bad.csv" --fs 20 --output "$D/o.h5"
expect_fail "a column without units" "partial.csv: line 1: column 2 'ay' states no units, column 1 'ax \[m/s2\]' does" \
  m --input "$D/partial.csv" --fs 20 --output "$D/o.h5"
expect_fail "one name twice" "dup.csv: line 1: columns 1 'a \[m/s2\]' and 2 'a \[g\]' name the same channel 'a'" \
  m --input "$D/dup.csv" --fs 20 --output "$D/o.h5"
expect_fail "a time column in seconds" "tcol.csv: line 1: column 1 't \[s\]': unknown units 's' .*a time column is read only" \
  m --input "$D/tcol.csv" --fs 20 --output "$D/o.h5"
expect_fail "no channel name" "noname.csv: line 1: column 1 '\[m/s2\]' has units but no channel name" \
  m --input "$D/noname.csv" --fs 20 --output "$D/o.h5"
expect_fail "an unclosed bracket" "unclosed.csv: line 1: column 1 'ax \[m/s2': malformed units: write NAME or NAME \[UNITS\]" \
  m --input "$D/unclosed.csv" --fs 20 --output "$D/o.h5"
expect_fail "two quantities" "qty.csv: channel ax is in 'm s-2', channel temp in 'degC': .*--channels" \
  m --input "$D/qty.csv" --fs 20 --output "$D/o.h5"
expect_fail "channels x samples npy" "transposed.npy: 3 rows x 4000 columns: more channels than samples" \
  m --input "$D/transposed.npy" --fs 20 --output "$D/o.h5"
expect_fail "a dead channel" "dead.npy: channel ch1 is constant \(all 4000 samples equal 0\)" \
  m --input "$D/dead.npy" --fs 20 --output "$D/o.h5"
expect_fail "one order" "--orders 2:2 gives 1 model order .*a mode needs 3 stable poles" \
  m --input "$D/rec.npy" --fs 20 --orders 2:2 --output "$D/o.h5"
expect_fail "orders beyond the Hankel matrix" "--orders 100:120: the lowest order 100 exceeds the 57 that 20 block rows of 3 channels" \
  m --input "$D/rec.npy" --fs 20 --orders 100:120 --output "$D/o.h5"
[[ ! -e $D/o.h5 ]] || fail "an output was written by a failed run"
m --input "$D/qty.csv" --fs 20 --channels ay,ax --output "$D/q.h5" -q >"$D/log_q" 2>&1 || { cat "$D/log_q"; fail "qty.csv with --channels"; }
! grep -q " modal: wrote" "$D/log_q" || { cat "$D/log_q"; fail "-q: info lines printed"; }
! grep -q "warning" "$D/log_q" || { cat "$D/log_q"; fail "a warning for the default --orders (capped)"; }
grep -q "warning: modal: --orders up to 60 exceed what 20 block rows of 3 channels" "$D/log_ms2" &&
  fail "the default --orders capped: warned of"
m --input "$D/rec.npy" --fs 20 --orders 2:60:2 --output "$D/w.h5" -q >"$D/log_w" 2>&1 || { cat "$D/log_w"; fail "--orders 2:60:2"; }
grep -q "warning: modal: --orders up to 60 exceed what 20 block rows of 3 channels (3 references) give; using orders up to 56" "$D/log_w" ||
  { cat "$D/log_w"; fail "--orders 2:60:2 given: no warning that it is capped"; }
[[ -s $D/q.h5 ]] || fail "qty.csv with --channels: no output"
m --input "$D/noise.npy" --fs 20 --output "$D/n.h5" >"$D/log_n" 2>&1 || { cat "$D/log_n"; fail "a record without modes failed"; }
grep -q "warning: modal: .*noise.npy: no mode found" "$D/log_n" || { cat "$D/log_n"; fail "no warning for a record without modes"; }
/usr/bin/python3 -c "import h5py, sys; f = h5py.File(sys.argv[1]); assert f.attrs['mode_count'] == 0 and 'pole_reason' in f" "$D/n.h5" ||
  fail "n.h5: no mode_count 0 or no stabilisation diagram"
echo "ok: odd records: channels x samples, dead channel, too few orders refused; white noise: no mode, a warning, exit 0"
