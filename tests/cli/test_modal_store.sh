#!/usr/bin/env bash
# regia modal on a sensor store (docs/sensors.md, written here with Python netCDF4): the
# acceleration channels of the chosen structure (SENSOR.CHANNEL), temperature left out, give
# the same modes as the same float32 samples in a .npy; several structures need --structure;
# --start/--duration cut the store's record; a gap inside the record is refused.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import numpy, h5py, netCDF4' 2>/dev/null || skip "Debian python3 without numpy/h5py/netCDF4"
D=$TMP
/usr/bin/python3 - "$D" <<'PY' || fail "fixtures"
import os, sys, numpy as np, netCDF4
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
from modal_fixture import modal_record
d = sys.argv[1]
rng = np.random.default_rng(11)
fs, n = 20.0, 6000
y = modal_record(rng, fs, n, ((1.3, 0.02, (1.0, 0.7, -0.4)), (3.4, 0.015, (0.5, -1.0, 0.9))))
y = y.astype(np.float32)
np.save(f"{d}/same.npy", y.astype(np.float64))
t0 = 1772323200 * 10**9  # 2026-03-01T00:00:00Z
def iso(ns):
    return np.datetime_as_string(np.datetime64(ns, "ns"), unit="us")
def trace(g, st, se, ch, x, kind, units, start):
    name = f"{st}.{se}..{ch}__{iso(start)}__{iso(start + round((len(x) - 1) * 1e9 / fs))}__raw_recording"
    g.createDimension(name, len(x))
    v = g.createVariable(name, "f4", (name,))
    v[:] = x
    v.sampling_rate = np.float64(fs); v.starttime = np.int64(start); v.units = units; v.kind = kind
    v.channel = ch; v.calibration = np.float64(1.0)
    v.position = np.array([0.0, 0.0, 0.0]); v.orientation = np.array([1.0, 0.0, 0.0])
for fname, structures, gap in (("one.h5", ["B01"], False), ("two.h5", ["B01", "B02"], False), ("gap.h5", ["B01"], True)):
    nc = netCDF4.Dataset(f"{d}/{fname}", "w", format="NETCDF4")
    nc.title = "test store"; nc.source = "test_modal_store.sh"; nc.history = ""; nc.synthetic = np.int32(1)
    nc.regia_sensor_store = np.int32(1); nc.Conventions = "regia-sensor-store-1 (after ASDF 1.0.3 waveforms)"
    for st in structures:
        g = nc.createGroup(st); g.structure_kind = "building"; g.description = "test"
        for k, se in enumerate(("A01", "A02", "A03")):
            s = g.createGroup(se)
            if gap and k == 1:  # channel A02.x in two traces with 1 s missing at 100 s
                trace(s, st, se, "x", y[:2000, k], "accel", "m s-2", t0)
                trace(s, st, se, "x", y[2020:, k], "accel", "m s-2", t0 + 2020 * 50_000_000)
            else:
                trace(s, st, se, "x", y[:, k], "accel", "m s-2", t0)
        tg = g.createGroup("T01")
        trace(tg, st, "T01", "temperature", np.full(n, 12.5, np.float32), "temperature", "degC", t0)
    nc.close()
PY
run_np 1 modal --input "$D/one.h5" --output "$D/s.h5" >"$D/log_s" 2>&1 || { cat "$D/log_s"; fail "store run"; }
run_np 1 modal --input "$D/same.npy" --fs 20 --output "$D/n.h5" >"$D/log_n" 2>&1 || { cat "$D/log_n"; fail "npy run"; }
grep -q "(store): 3 channels x 6000 samples at 20 Hz" "$D/log_s" || { cat "$D/log_s"; fail "store: channels"; }
run_np 1 modal --input "$D/two.h5" --structure B02 --start 30 --duration 200 --output "$D/w.h5" >"$D/log_w" 2>&1 ||
  { cat "$D/log_w"; fail "store window run"; }
grep -q "(store): 3 channels x 4000 samples" "$D/log_w" || { cat "$D/log_w"; fail "store: window"; }
/usr/bin/python3 - "$D" <<'PY' || fail "store and npy runs"
import sys, h5py, numpy as np
d = sys.argv[1]
s, n, w = (h5py.File(f"{d}/{x}.h5", "r") for x in "snw")
names = [bytes(x).rstrip(b"\0").decode() for x in s["channel_name"][()]]
assert names == ["A01.x", "A02.x", "A03.x"], names
units = [bytes(x).rstrip(b"\0").decode() for x in s["channel_units"][()]]
assert units == ["m s-2"] * 3, units
fs_, fn = s["mode_frequency"][()], n["mode_frequency"][()]
print("store:", fs_, "npy:", fn, "window of B02:", w["mode_frequency"][()])
assert np.array_equal(fs_, fn) and np.array_equal(s["pole_damping"][()], n["pole_damping"][()])
assert len(fs_) == 2 and abs(fs_[0] - 1.3) < 0.02 and abs(fs_[1] - 3.4) < 0.05
rs = lambda f: f.attrs["record_start"].decode() if isinstance(f.attrs["record_start"], bytes) else str(f.attrs["record_start"])
assert rs(s).startswith("2026-03-01T00:00:00"), rs(s)
assert rs(w).startswith("2026-03-01T00:00:30"), rs(w)
PY
echo "ok: a store's acceleration channels give the npy's modes; --structure, --start, --duration"
expect_fail "two structures" "two.h5: the store holds 2 structures \(B01, B02\): choose one with --structure" \
  run_np 1 modal --input "$D/two.h5" --output "$D/x.h5"
expect_fail "unknown structure" "no structure 'B09'" run_np 1 modal --input "$D/two.h5" --structure B09 --output "$D/x.h5"
expect_fail "gap" "gap.h5: channel A02.x of B01 has 20 missing samples \(gaps\) in the window 0.000 .. 300.000 s; .*its 2 traces are its gap-free pieces, the first that ends after the window's start is --start 0.000 --duration 100.000" \
  run_np 1 modal --input "$D/gap.h5" --output "$D/x.h5"
expect_fail "window over the gap" "the window 90.000 .. 110.000 s; .*--start 0.000 --duration 100.000" \
  run_np 1 modal --input "$D/gap.h5" --start 90 --duration 20 --output "$D/x.h5"
expect_fail "window after the first piece" "the window 100.500 .. 120.500 s; .*--start 101.000 --duration 199.000" \
  run_np 1 modal --input "$D/gap.h5" --start 100.5 --duration 20 --output "$D/x.h5"
run_np 1 modal --input "$D/gap.h5" --start 101 --duration 199 --output "$D/g.h5" >"$D/log_g" 2>&1 ||
  { cat "$D/log_g"; fail "the window the gap message gives"; }
expect_fail "fs disagrees" "one.h5: --fs 50 Hz, but the file is sampled at 20 Hz" \
  run_np 1 modal --input "$D/one.h5" --fs 50 --output "$D/x.h5"
