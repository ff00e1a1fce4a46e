#!/usr/bin/env bash
# regia sensors flags a channel whose DC offset wanders across records ([qc] offset_drift,
# docs/sensors-methods.md "Offset drift across records"): on a generated store (regia gen
# sensors: each structure has one channel with a drift of 10-30 mm s-2 per day from a
# record on, in the truth), the drifting channel's records from the time its drift passes
# the limit (0.01 m s-2; one record interval either side unjudged) carry `drift` in
# channel_flags and record_flags of the detail, and the summary's quality_flags of those
# days, and none before; of the other channels at most 2 records per structure get a
# `drift` that the in-record check (offset_drift = 0) did not give (measured: 0); the
# flagged records are not left out of modal identification nor counted against the alerts
# (record_status, modes, records left out, novelty and alerts as at offset_drift = 0, which
# flags nothing from offsets).  The detail is the same at 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, h5py' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 or h5py"
"$REGIA" gen sensors --structures 2 --days 4 --rate 50 --record-minutes 5 --interval-minutes 90 --sensors 3 \
  --seed 2026 --output-dir "$D/store" >"$D/gen.log" 2>&1 || { cat "$D/gen.log"; fail "regia gen sensors"; }
job() { # name offset_drift
  sed -e "s#../demo-out/sensor-store#store#" -e "s#../demo-out/sensors#$1#" -e 's/training_days = 10/training_days = 1/' \
    -e "s/^clock_tolerance.*/&\noffset_drift = $2/" "$REGIA_ROOT/jobs/sensors_demo.ini"
}
job s 0.01 >"$D/s.ini"
job z 0 >"$D/z.ini"
for j in s z; do
  run_np 1 sensors "$D/$j.ini" >"$D/$j.log" 2>&1 || { cat "$D/$j.log"; fail "regia sensors $j.ini"; }
done
cp "$D/s_detail.h5" "$D/s1_detail.h5"
run_np 3 sensors "$D/s.ini" >"$D/s3.log" 2>&1 || { cat "$D/s3.log"; fail "regia sensors s.ini at 3 ranks"; }
h5_same "$D/s1_detail.h5" "$D/s_detail.h5" || fail "the detail at 3 ranks differs from 1 rank"
/usr/bin/python3 - "$D" <<'PY' || fail "offset drift flags"
import sys, h5py, netCDF4, numpy as np
D = sys.argv[1]
DRIFT, FLAT, DEAD, SHORT = 1 << 7, 1 << 5, 1 << 8, 1 << 10
LIMIT, REC_S = 0.01, 300.0
det, ref = h5py.File(f"{D}/s_detail.h5", "r"), h5py.File(f"{D}/z_detail.h5", "r")
cf, rf, rs = det["channel_flags"][:], det["record_flags"][:], det["record_structure"][:]
t = det["record_time"][:]
interval = np.diff(t[rs == 0]).min()
bad = 0
for i, nm in enumerate(det["structure_name"][:]):
    name = b"".join(nm).decode()
    truth = h5py.File(f"{D}/store/{name}.h5", "r")["truth"][name]
    chans = [b"".join(c).decode() for c in det["channel_name"][i]]
    drifting = {}
    for k in np.where(truth["fault_kind"][:] == 5)[0]:
        ch = b"".join(truth["fault_sensor"][k]).decode() + "/" + b"".join(truth["fault_channel"][k]).decode()
        reach = truth["fault_start"][k] * 1e-9 + LIMIT / truth["fault_value"][k] * 86400 - REC_S / 2
        drifting[chans.index(ch)] = reach
    assert drifting, f"{name}: no drift in the truth"
    sel = np.where(rs == i)[0]
    false = 0
    for c, ch in enumerate(chans):
        if not ch: continue
        rc = ref["channel_flags"][:][sel, c]
        got = (cf[sel, c] & DRIFT) != 0
        was = (rc & DRIFT) != 0           # the in-record drift, without the offset check
        judged = (cf[sel, c] & (FLAT | DEAD | SHORT)) == 0
        if c in drifting:
            after = t[sel] >= drifting[c] + interval
            before = t[sel] < drifting[c] - interval
            miss = np.sum(after & judged & ~got)
            early = np.sum(before & judged & got & ~was)
            print(f"{name} {ch}: drift passes {LIMIT} m s-2 at {np.datetime64(int(drifting[c]), 's')}; "
                  f"{np.sum(after & judged)} records after, {miss} not flagged; {early} flagged before")
            assert np.sum(after & judged) >= 5, f"{name} {ch}: too few records after the drift passes the limit"
            assert miss == 0 and early == 0, f"{name} {ch}: offset drift missed or early"
        else:
            false += np.sum(got & ~was)
    print(f"{name}: {false} records of other channels flagged drift by the offset")
    assert false <= 2, f"{name}: {false} false offset-drift flags"
    # record_flags carry it
    for c, reach in drifting.items():
        g = sel[(cf[sel, c] & DRIFT) != 0]
        assert np.all(rf[g] & DRIFT), f"{name}: record_flags lack drift"
# not left out: record_status, modes the same as with offset_drift = 0
assert np.array_equal(det["record_status"][:], ref["record_status"][:]), "record_status changed by the offset check"
assert np.array_equal(det["mode_frequency"][:], ref["mode_frequency"][:], equal_nan=True), "modes changed"
# the summary's quality_flags (day, structure): drift on every day with a flagged record
nc = netCDF4.Dataset(f"{D}/s.nc")
qf, days = np.asarray(nc["quality_flags"][:]), np.asarray(nc["day"][:])
n = 0
for g in np.where((rf & DRIFT) != 0)[0]:
    d = np.where(days == np.floor(t[g] / 86400))[0][0]
    assert qf[d, rs[g]] & DRIFT, f"summary quality_flags lack drift on day {days[d]} of structure {rs[g]}"
    n += 1
print(f"summary quality_flags carry drift on the days of all {n} flagged records")
# the rest of the summary is that of offset_drift = 0: the alerts respect the flags by not
# counting drift against a record
nz = netCDF4.Dataset(f"{D}/z.nc")
for v in ("records_analysed", "records_left_out", "novelty_score", "alert_level", "alert_reason", "modal_frequency"):
    a, b = np.asarray(nc[v][:]), np.asarray(nz[v][:])
    same = np.array_equal(a, b, equal_nan=True) if a.dtype.kind == "f" else np.array_equal(a, b)
    assert same, f"summary {v} changed by the offset check"
PY
echo "ok: the drifting channel's records flagged from the truth's drift passing 0.01 m s-2, no other channel's, none left out, the same at 1 and 3 ranks"
