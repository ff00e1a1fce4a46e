#!/usr/bin/env bash
# The demo's alerts (scripts/demo.sh steps 8 and 9, jobs/sensors_demo.ini) at 2 ranks: the
# generator's truth says which structures are damaged and when; no undamaged structure is
# ever red; a damaged structure is never red before its damage time, and the documented
# detection (docs/sensors-run.md, "Alerts": red within 3 days of the damage time) holds
# for every damaged structure.  Prints each structure's first red day against its damage
# time.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, h5py' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 or h5py"
run_np 2 gen sensors --structures 4 --days 21 --rate 50 --record-minutes 5 --interval-minutes 240 --sensors 3 \
  --seed 2026 --output-dir "$D/store" >"$D/gen.log" 2>&1 || { cat "$D/gen.log"; fail "regia gen sensors"; }
sed -e "s#^output = .*#output = $D/s.nc#" -e "s#^detail = .*#detail = $D/s_detail.h5#" \
    -e "s#^store = .*#store = $D/store#" "$REGIA_ROOT/jobs/sensors_demo.ini" >"$D/demo.ini"
run_np 2 sensors "$D/demo.ini" >"$D/s.log" 2>&1 || { cat "$D/s.log"; fail "regia sensors on the demo job"; }
/usr/bin/python3 - "$D" <<'PY' || fail "demo alerts"
import sys, glob, numpy as np, netCDF4, h5py
d = sys.argv[1]
s = netCDF4.Dataset(d + "/s.nc")
names = [str(x) for x in s["structure_name"][:]]  # _Encoding utf-8: strings
lv, day0 = s["alert_level"][:].filled(-1).T, int(s["day"][0])  # (day, structure) in the file
# every damaged structure is promised red within 3 days of its damage (docs/sensors-run.md)
bad = []
for i, n in enumerate(names):
    t = h5py.File(glob.glob(d + "/store/%s.h5" % n)[0], "r")["truth/" + n]
    dt = t.attrs.get("damage_time")
    red = np.where(lv[i] == 2)[0]
    first = day0 + red[0] if red.size else None
    if dt is None:
        print("%s undamaged: %d red days, %d yellow" % (n, red.size, (lv[i] == 1).sum()))
        if red.size: bad.append("%s is undamaged but red on day %d" % (n, first))
        continue
    dday = int(np.ravel(dt)[0]) // 86400 // 10**9
    print("%s damaged from day %d (%.1f %% stiffness): first red day %s" % (n, dday, 100 * float(np.ravel(t.attrs["damage_stiffness_loss"])[0]), first))
    if red.size and first < dday: bad.append("%s red on day %d before its damage (day %d)" % (n, first, dday))
    if not red.size or first > dday + 3: bad.append("%s not red within 3 days of its damage" % n)
if bad: print("\n".join(bad)); sys.exit(1)
PY
echo "ok: demo alerts: no false red; every damaged structure red within 3 days"
