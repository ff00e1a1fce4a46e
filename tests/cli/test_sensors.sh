#!/usr/bin/env bash
# regia sensors end to end on a small store written without regia (tests/cli/sensors_fixture.py:
# structure S1 undamaged, S2 with a 4 % frequency drop from the start of day 5): at 2 ranks
# the summary, the detail and the manifest are written; S2 turns red on day 5 or 6 and never
# before, S1 is never red; the three modes are tracked at their frequencies; h5py reads the
# detail (spectra, poles, modes, tracks) and its rows agree with the summary; the summary
# passes the CF-1.10/ACDD-1.3 checker (when installed; skipped otherwise, see cf_check).
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, h5py, scipy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4, h5py or scipy"
/usr/bin/python3 "$REGIA_ROOT/tests/cli/sensors_fixture.py" "$D/store.h5" 7 8 120
cat >"$D/s.ini" <<'INI'
[job]
domain = sensors
output = s.nc
chunk = 8
[input]
store = store.h5
[records]
length = 120
[welch]
nperseg = 512
[ssi]
orders = 2:30:2
fmax = 12
[novelty]
model = linear
training_days = 4
[alerts]
yellow_records = 2
red_records = 4
[risk]
return_periods = 10, 100
INI
run_np 2 sensors "$D/s.ini" >"$D/s.log" 2>&1 || { cat "$D/s.log"; fail "regia sensors at 2 ranks"; }
for f in s.nc s_detail.h5 s.manifest.json; do [[ -s $D/$f ]] || fail "$f not written"; done
grep -q '"detail"' "$D/s.manifest.json" || fail "the manifest does not list the detail"
/usr/bin/python3 - "$D" <<'PY' || fail "summary or detail content"
import sys, numpy as np, netCDF4, h5py
d = sys.argv[1]
s = netCDF4.Dataset(d + "/s.nc")
names = [str(netCDF4.chartostring(x)) for x in s["structure_name"][:]]
assert names == ["S1", "S2"], names
lv = s["alert_level"][:].filled(-1)
assert s["alert_level"].flag_meanings == "green yellow red"
assert (lv[0] != 2).all(), "S1 (undamaged) red: %s" % lv[0]
assert (lv[1, :5] != 2).all(), "S2 red before its damage: %s" % lv[1]
red = np.where(lv[1] == 2)[0]
assert red.size and red[0] <= 6, "S2 not red on day 5 or 6: %s" % lv[1]
reason = str(netCDF4.chartostring(s["alert_reason"][1, red[0]]))
assert reason.startswith("red"), reason
f = s["track_frequency"][:]
for i in range(2):
    got = sorted(x for x in f[i] if np.isfinite(x))
    assert len(got) == 3 and all(abs(a - b) / b < 0.05 for a, b in zip(got, [2.0, 2.6, 6.1])), got
rl, lo, hi = s["return_level"][:], s["return_level_lower"][:], s["return_level_upper"][:]
assert np.all(np.isfinite(rl)) and np.all(lo <= rl) and np.all(rl <= hi) and np.all(rl[:, 1] >= rl[:, 0])
h = h5py.File(d + "/s_detail.h5", "r")
n = h["record_structure"].shape[0]
assert n == 2 * 7 * 8, n
assert h["psd"].shape == (n, 6, 257) and h["pole_frequency"].shape[0] == n
st = h["record_status"][:]
assert (st == 0).sum() >= n - 4, np.bincount(st)
mf, num = h["mode_frequency"][:], h["mode_number"][:]
assert ((num > 0).sum(axis=1) >= 2).mean() > 0.9
# the PSD of channel A2/x peaks near the first mode
fr = h["spectrum_frequency"][0]
psd = h["psd"][:, 3]
r = int(np.where(np.isfinite(psd).all(axis=1))[0][0])
k = int(np.argmax(psd[r])); assert abs(fr[k] - 2.0) < 0.3, fr[k]
nov = h["novelty"][:]; thr = h["novelty_threshold"][:]
assert np.isfinite(thr).all() and np.nanmax(nov[h["record_structure"][:] == 1]) > thr[1]
PY
echo "ok: regia sensors at 2 ranks: S2 red from day $(/usr/bin/python3 -c "
import netCDF4, numpy as np; l = netCDF4.Dataset('$D/s.nc')['alert_level'][:].filled(-1); print(int(np.where(l[1] == 2)[0][0]))"), S1 never red, 3 modes tracked, detail readable by h5py"
cf_check "$D/s.nc" sensors || fail "the summary fails the CF/ACDD checker"
echo "ok: the summary passes cf:1.10 and acdd:1.3"
