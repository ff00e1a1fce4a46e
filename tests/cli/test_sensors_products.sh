#!/usr/bin/env bash
# The products of regia sensors (drivers/sensors_products.c, docs/sensors-products.md) on the
# small store of tests/cli/sensors_fixture.py (S1 undamaged, S2 with a 4 % frequency drop
# from day 5): summary.csv has one row per structure x summary mode and its values equal the
# summary's (names, kind, track frequencies, threshold, latest alert, red days, GEV, return
# levels), S2 (red) has risk rank 1; the overview and, per structure, the tracks figure and
# (from the detail) the spectrum with the stabilisation diagram exist as PNG and SVG, listed
# in the manifest with their SHA-256; quicklook_max = 1 keeps only the highest-risk
# structure's tracks; regia quicklook on the summary alone (no manifest, no detail) makes
# the summary-only set.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, h5py, scipy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4, h5py or scipy"
/usr/bin/python3 "$REGIA_ROOT/tests/cli/sensors_fixture.py" "$D/store.h5" 7 8 120
job() { # job FILE OUTPUT QUICKLOOK_MAX
  cat >"$1" <<INI
[job]
domain = sensors
output = $2
chunk = 8
quicklook_max = $3
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
}
job "$D/s.ini" s.nc 24
run_np 2 sensors "$D/s.ini" >"$D/s.log" 2>&1 || { cat "$D/s.log"; fail "regia sensors at 2 ranks"; }
[[ -d $D/s.products ]] || fail "no s.products directory"
grep -q 'products: .* structures red on their latest day: S2' "$D/s.log" || fail "the log does not name S2 as red: $(grep products: "$D/s.log")"
# check DIR MANIFEST WANT: the CSV against the summary, the figures (WANT: stems, '|'-separated)
check() {
  /usr/bin/python3 - "$D/s.nc" "$1" "$2" "$3" <<'PY'
import csv, datetime as dt, io, json, hashlib, os, sys, xml.etree.ElementTree as ET
import numpy as np, netCDF4
nc, pdir, man, want = sys.argv[1:5]
s = netCDF4.Dataset(nc)
txt = lambda v: [str(x).strip() for x in s[v][:]]      # _Encoding utf-8: strings
V = lambda v: np.moveaxis(s[v][:], -1, 0)              # structure last in the file: first here
names, kinds = txt("structure_name"), txt("structure_kind")
raw = open(os.path.join(pdir, "summary.csv"), "rb").read()
assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw, "summary.csv: no BOM or CRLF"
rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))
nfeat = s["novelty_features"][:]
assert len(rows) == sum(max(1, int(n)) for n in nfeat), (len(rows), nfeat)
trk, thr = V("track_frequency"), s["novelty_threshold"][:]
lv = V("alert_level").filled(-1)
levels = {0: "green", 1: "yellow", 2: "red", -1: "none"}
cond = V("alert_condition")
meanings = s["alert_condition"].flag_meanings.split()
det = pdir[:-len(".products")] + "_detail.h5"          # the reasons: the summary's, or the detail's,
det = netCDF4.Dataset(det) if os.path.exists(det) else None  # or from the flags
sreason = V("alert_reason") if "alert_reason" in s.variables else None
def reason(i, k):
    if sreason is not None:
        return str(sreason[i, k]).strip()
    if det is not None:
        return str(det["alert_reason"][i, k]).strip()
    w = [m for b, m in enumerate(meanings) if int(cond[i, k]) & (1 << b)]
    return levels[int(lv[i, k])] + (": " + ", ".join(w) if w else "")
day = s["day"][:]
rp = s["return_period"][:]
def close(a, b, what):                                 # an empty cell is a missing value
    b = float(np.ma.filled(b, np.nan))
    if a == "" or not np.isfinite(b):
        assert a == "" and not np.isfinite(b), f"{what}: CSV {a!r}, file {b}"
        return
    a = float(a)
    assert abs(a - b) <= 1e-5 * max(1.0, abs(b)), f"{what}: CSV {a} != file {b}"
seen = set()
for r in rows:
    i = names.index(r["structure"])                    # every row names a structure of the file
    seen.add(r["structure"])
    assert r["kind"] == kinds[i], (r["kind"], kinds[i])
    j = int(r["mode"]) - 1
    assert 0 <= j < nfeat[i]
    close(r["mean_frequency_hz"], trk[i, j], f"{names[i]} mode {j + 1} mean frequency")
    close(r["novelty_threshold"], thr[i], f"{names[i]} threshold")
    ok = np.where(lv[i] >= 0)[0]
    last = ok[-1]
    assert r["latest_day"] == str(dt.date(1970, 1, 1) + dt.timedelta(days=int(day[last]))), r["latest_day"]
    assert r["alert_level"] == levels[int(lv[i, last])], (r["alert_level"], lv[i, last])
    assert r["alert_reason"] == reason(i, last), (r["alert_reason"], reason(i, last))
    close(r["latest_novelty_score"], V("novelty_score")[i, last], "latest novelty")
    assert int(r["red_days"]) == int((lv[i] == 2).sum()) and int(r["yellow_days"]) == int((lv[i] == 1).sum())
    close(r["gev_location_m_s2"], s["gev_location"][i], "GEV location")
    for k, p in enumerate(rp):
        close(r["return_level_%gd_m_s2" % p], V("return_level")[i, k], "return level")
        close(r["return_level_%gd_upper_m_s2" % p], V("return_level_upper")[i, k], "return level upper")
    tf = np.nanmean(V("modal_frequency")[i, :4, j].filled(np.nan))  # (structure, day, mode)
    close(r["training_frequency_hz"], tf, "training frequency")
assert seen == set(names), (seen, names)
s2 = [r for r in rows if r["structure"] == "S2"][0]
assert s2["risk_rank"] == "1" and s2["alert_level"] == "red", s2
assert float(s2["frequency_change_percent"]) < -2, s2["frequency_change_percent"]   # the 4 % drop
# figures: every wanted stem as PNG and SVG, valid, and nothing else
stems = sorted(f[:-4] for f in os.listdir(pdir) if f.endswith(".png"))
assert stems == sorted(want.split("|")), (stems, want)
for st in stems:
    png = open(os.path.join(pdir, st + ".png"), "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000, st
    root = ET.parse(os.path.join(pdir, st + ".svg")).getroot()
    assert root.tag.endswith("svg"), root.tag
if man != "-":
    m = json.load(open(man))
    listed = {o["path"]: o for o in m["outputs"]}
    base = os.path.basename(pdir)
    for f in os.listdir(pdir):
        o = listed.get(base + "/" + f)
        assert o, f"{f} not in the manifest"
        assert o["sha256"] == hashlib.sha256(open(os.path.join(pdir, f), "rb").read()).hexdigest(), f
        assert o.get("title"), f
    roles = sorted(o["role"] for p, o in listed.items() if p.startswith(base + "/"))
    assert roles.count("quicklook") == roles.count("quicklook-svg") == len(stems) and "summary" in roles, roles
print(f"{len(rows)} rows, {len(stems)} figures")
PY
}
out=$(check "$D/s.products" "$D/s.manifest.json" "overview-alerts|s1-tracks|s1-spectrum|s2-tracks|s2-spectrum") \
  || fail "products of the run"
echo "ok: summary.csv and figures of the run: $out; S2 risk rank 1, red"
# at most quicklook_max per-structure figures, the highest risk first
job "$D/q.ini" q.nc 1
run_np 1 sensors "$D/q.ini" >"$D/q.log" 2>&1 || { cat "$D/q.log"; fail "regia sensors with quicklook_max = 1"; }
out=$(check "$D/q.products" "$D/q.manifest.json" "overview-alerts|s2-tracks") || fail "quicklook_max = 1"
echo "ok: quicklook_max = 1: $out (S2's tracks only)"
# the summary alone (an extract, a download without the detail): the summary-only figures
mkdir "$D/alone"
cp "$D/s.nc" "$D/alone/s.nc"
"$REGIA" quicklook "$D/alone/s.nc" >"$D/ql.log" 2>&1 || { cat "$D/ql.log"; fail "regia quicklook on the summary alone"; }
out=$(check "$D/alone/s.products" - "overview-alerts|s1-tracks|s2-tracks") || fail "summary-only products"
grep -q 'no detail file' "$D/ql.log" || fail "regia quicklook does not say the detail is missing"
echo "ok: regia quicklook on the summary alone: $out"
