# sensors_fixture.py OUT.h5 [days] [records_per_day] [record_s]: a small sensor store in the
# layout of docs/sensors.md, written directly with netCDF4 (not with regia), for the tests of
# regia sensors: two structures (S1 undamaged, S2 with a 4 % frequency drop from the
# start of day 5), each with two triaxial accelerometers (A1, A2) at 50 Hz and a temperature
# sensor (T1); one trace per channel and record; three modes (2.0 and 6.1 Hz along x, 2.6 Hz
# along y; 1.5 % damping) whose frequencies fall 0.3 %/degC with a daily temperature cycle.
# Seeded: the same file every time.
import sys, datetime as dt
import numpy as np, netCDF4
from scipy.signal import lfilter

out = sys.argv[1]
DAYS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
PER_DAY = int(sys.argv[3]) if len(sys.argv) > 3 else 12
REC = float(sys.argv[4]) if len(sys.argv) > 4 else 120.0
FS, XI = 50.0, 0.015
T0 = int(dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc).timestamp()) * 10**9
F0 = np.array([2.0, 2.6, 6.1])
# shapes over channels A1.x A1.y A1.z A2.x A2.y A2.z
SHAPE = np.array([[0.6, 0, 0, 1.0, 0, 0], [0, 0.55, 0, 0, 1.0, 0], [1.0, 0, 0, -0.65, 0, 0]])
CH = [("A1", "x"), ("A1", "y"), ("A1", "z"), ("A2", "x"), ("A2", "y"), ("A2", "z")]
ORIENT = {"x": [1.0, 0, 0], "y": [0, 1.0, 0], "z": [0, 0, 1.0]}
POS = {"A1": [0, 0, 3.0], "A2": [0, 0, 6.0], "T1": [0, 0, 0]}
rng = np.random.default_rng(20260301)

def stamp(ns):
    return dt.datetime.fromtimestamp(ns // 10**9, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + ".%06d" % (ns % 10**9 // 1000)

def trace(grp, st, sens, ch, kind, units, fs, start, x):
    name = "%s.%s..%s__%s__%s__raw_recording" % (st, sens, ch, stamp(start), stamp(start + round((len(x) - 1) * 1e9 / fs)))
    grp.createDimension(name, len(x))
    v = grp.createVariable(name, "f4", (name,), zlib=True, complevel=1, shuffle=True, chunksizes=(min(len(x), 65536),))
    v[:] = x.astype(np.float32)
    v.setncattr("sampling_rate", np.float64(fs))
    v.setncattr("starttime", np.int64(start))
    v.units = units
    v.kind = kind
    v.channel = ch
    v.setncattr("calibration", np.float64(1.0))
    v.setncattr("position", np.array(POS[sens], dtype=np.float64))
    v.setncattr("orientation", np.array(ORIENT.get(ch, [0, 0, 0]), dtype=np.float64))

def modal(f, n):
    """Acceleration-like response of an SDOF oscillator to white noise (AR(2)), n samples."""
    w, dtt = 2 * np.pi * f, 1 / FS
    r = np.exp(-XI * w * dtt)
    a = [1, -2 * r * np.cos(w * dtt * np.sqrt(1 - XI * XI)), r * r]
    e = rng.standard_normal(n + 2000)
    return lfilter([1.0], a, e)[2000:]

nc = netCDF4.Dataset(out, "w", format="NETCDF4")
nc.title = "regia test fixture: two structures, synthetic"
nc.source = "tests/cli/sensors_fixture.py"
nc.setncattr("synthetic", np.int32(1))
nc.setncattr("regia_sensor_store", np.int32(1))
nc.Conventions = "regia-sensor-store-1 (after ASDF 1.0.3 waveforms)"
n = int(round(REC * FS))
for st, damage_day in (("S1", None), ("S2", 5)):
    g = nc.createGroup(st)
    g.structure_kind = "building"
    g.description = "fixture frame"
    sg = {s: g.createGroup(s) for s in ("A1", "A2", "T1")}
    for d in range(DAYS):
        for k in range(PER_DAY):
            start = T0 + (d * 86400 + k * (86400 // PER_DAY)) * 10**9
            hour = (k * 24.0) / PER_DAY
            temp = 10 + 6 * np.sin(2 * np.pi * (hour - 9) / 24) + 0.3 * d
            f = F0 * (1 - 0.003 * (temp - 10))
            if damage_day is not None and d >= damage_day:
                f = f * 0.96
            q = np.array([modal(fm, n) for fm in f])
            q /= q.std(axis=1, keepdims=True)
            y = SHAPE.T @ (q * np.array([1.0, 0.8, 0.5])[:, None]) * 0.01
            y += 0.0005 * rng.standard_normal(y.shape)
            for c, (sens, ch) in enumerate(CH):
                trace(sg[sens], st, sens, ch, "accel", "m s-2", FS, start, y[c])
            trace(sg["T1"], st, "T1", "temperature", "temperature", "degC", 1 / 60.0, start,
                  np.array([temp, temp + 0.05] * int(REC // 120 + 1))[: max(2, int(REC / 60))])
nc.close()
