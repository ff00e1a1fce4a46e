#!/usr/bin/env bash
# regia env's products (drivers/env_products.c, docs/env-products.md): a run on 6 synthetic
# stations with [job] quicklook_max = 3 leaves out.products/ beside out.nc with
#   summary.csv   one row per station x pollutant whose values equal the NetCDF's (read
#                 here with netCDF4 by name: a variable the output lacks must give empty
#                 cells), with station names and provinces;
#   provinces.csv one row per province x pollutant, equal to the provincial aggregates;
#   points.csv    read by GDAL (ogrinfo) as 6 points with a station_name field;
#   figures       3 station figures (the highest-risk series), a map per pollutant with a
#                 daily limit, the two provincial figures, the PM10 days in a row against
#                 the trigger (pm10_consecutive_days): each a valid PNG (header, size)
#                 and SVG (XML), registered in the manifest with its role and SHA-256.
# regia quicklook remakes the same file set from the output alone.
source "$(dirname "$0")/lib.sh"
D=$TMP/d; mkdir -p "$D"
run_np 1 gen env --stations 6 --years 2 --seed 2024 --end-date 2024-09-30 --output-dir "$D" >/dev/null
run_np 1 ingest env --registry "$D/sensors.csv" --data "$D/measurements.csv" --synthetic --output "$D/in.nc" \
  >/dev/null 2>&1 || fail "ingest"
cat >"$D/job.ini" <<INI
[job]
output = out.nc
seed = 5
quicklook_max = 3
[input]
file = in.nc
as_of = 2024-09-30
[analysis]
pollutants = pm10, pm2p5, no2, o3
horizon = 14
levels = 80, 95
history_days = 600
paths = 400
INI
run_np 2 env "$D/job.ini" >"$D/env.log" 2>&1 || { cat "$D/env.log"; fail "regia env"; }
P=$D/out.products
[[ -d $P ]] || { cat "$D/env.log"; fail "no products directory $P"; }
grep -q 'products: summary.csv (24 rows' "$D/env.log" || { cat "$D/env.log"; fail "log line of the products"; }

/usr/bin/python3 - "$D" <<'PY' || fail "tables"
import csv, json, math, sys, hashlib, os
import numpy as np, netCDF4
d = sys.argv[1]
P = f"{d}/out.products"
ds = netCDF4.Dataset(f"{d}/out.nc")
mds = netCDF4.Dataset(f"{d}/out.model.nc")   # the model file: the ETS internals
bad = []
def var(name, grp=None):
    g = mds if grp == "model" else ds
    if name not in g.variables:
        return None
    v = g.variables[name]
    v.set_auto_mask(False)
    x = v[...]
    if x.dtype.kind == "S":  # char arrays (station, name_strlen) without _Encoding
        return np.array([b"".join(r).decode().rstrip(" \0") for r in x])
    if x.dtype.kind in "UO":  # with _Encoding = utf-8 netCDF4 gives strings
        return np.array([str(r).rstrip(" \0") for r in x])
    x = x.astype(float)
    fv = getattr(v, "_FillValue", None)
    if fv is None and v.dtype.kind == "i":
        fv = netCDF4.default_fillvals[v.dtype.str[1:]]
    if fv is not None and not (isinstance(fv, float) and math.isnan(fv)):
        x[x == fv] = np.nan
    return x
def rows(name):
    with open(f"{P}/{name}", encoding="utf-8") as f:
        raw = f.read()
    if not raw.startswith("\ufeff"):
        bad.append(f"{name}: no UTF-8 byte-order mark")
    return list(csv.DictReader(raw.lstrip("\ufeff").splitlines()))
def same(what, cell, want, tol):
    if want is None or (isinstance(want, float) and math.isnan(want)):
        if cell != "":
            bad.append(f"{what}: '{cell}' where the NetCDF has no value")
        return
    if cell == "":
        bad.append(f"{what}: empty where the NetCDF has {want}")
    elif abs(float(cell) - want) > tol * max(1.0, abs(want)):
        bad.append(f"{what}: {cell} != {want}")
label = {"pm10": "PM10", "pm2p5": "PM2.5", "no2": "NO2", "o3": "O3"}
pols = [p for p in label if p + "_daily" in ds.variables]
names, ids, prov = var("station_name"), var("station_id"), var("province")
ns = len(names)
S = rows("summary.csv")
if len(S) != ns * len(pols):
    bad.append(f"summary.csv: {len(S)} rows, not {ns} stations x {len(pols)} pollutants")
need = ["station_id", "station_name", "province", "lat", "lon", "pollutant", "exceed_days_so_far", "allowed_days",
        "p_breach", "expected_exceed_days", "next_day_over_limit", "p_next_day_over_limit", "consecutive_days_now",
        "p_trigger", "annual_mean_so_far", "annual_limit", "o3_hours_over_180", "o3_hours_over_240", "model",
        "boxcox_lambda", "at_risk"]
missing = [c for c in need if S and c not in S[0]]
if missing:
    bad.append(f"summary.csv lacks the columns {missing}")
    print("\n".join(bad)); sys.exit(1)
n_checked = 0
for r in S:
    i = int(np.where(ids == int(r["station_id"]))[0][0])
    p = [q for q in pols if label[q] == r["pollutant"]][0]
    w = f"summary.csv {r['station_name']} {p}"
    if r["station_name"] != names[i] or not r["station_name"]:
        bad.append(f"{w}: station name '{r['station_name']}' != '{names[i]}'")
    if prov is not None and r["province"] != prov[i]:
        bad.append(f"{w}: province '{r['province']}' != '{prov[i]}'")
    limit = float(ds.variables[p + "_p_exceed"].limit_value)
    has = not math.isnan(limit)
    def at(name, k=None, grp=None, need_limit=False):
        x = var(f"{p}_{name}", grp)
        if x is None or (need_limit and not has):
            return None
        return float(x[i] if k is None else x[k, i])   # (forecast_day, station): time first
    same(f"{w} lat", r["lat"], float(var("lat")[i]), 1e-5)
    same(f"{w} exceed_days_so_far", r["exceed_days_so_far"], at("exceed_days_observed", need_limit=True), 0)
    same(f"{w} p_breach", r["p_breach"], at("p_breach", need_limit=True), 1e-4)
    same(f"{w} expected_exceed_days", r["expected_exceed_days"], at("exceed_days_expected", need_limit=True), 1e-2)
    same(f"{w} p_next_day_over_limit", r["p_next_day_over_limit"], at("p_exceed", 0, need_limit=True), 1e-4)
    same(f"{w} next_day_forecast", r["next_day_forecast"], at("forecast", 0), 1e-2)
    same(f"{w} consecutive_days_now", r["consecutive_days_now"], at("consecutive_days_observed", need_limit=True), 0)
    same(f"{w} p_trigger", r["p_trigger"], at("p_trigger", need_limit=True), 1e-4)
    same(f"{w} annual_mean_so_far", r["annual_mean_so_far"], at("annual_mean_observed"), 1e-2)
    same(f"{w} annual_valid_days", r["annual_valid_days"], at("annual_valid_days"), 0)
    al = None
    if p + "_annual_mean_observed" in ds.variables:
        al = getattr(ds.variables[p + "_annual_mean_observed"], "annual_limit_value", None)
    same(f"{w} annual_limit", r["annual_limit"], None if al is None else float(al), 1e-6)
    same(f"{w} o3_hours_over_180", r["o3_hours_over_180"], at("hours_over_information") if p == "o3" else None, 0)
    same(f"{w} o3_hours_over_240", r["o3_hours_over_240"], at("hours_over_alert") if p == "o3" else None, 0)
    same(f"{w} boxcox_lambda", r["boxcox_lambda"], at("boxcox_lambda"), 1e-5)
    m = var(p + "_model", "model")
    if m is None:
        bad.append(f"{w}: no {p}_model in out.model.nc")
    elif r["model"] != m[i]:
        bad.append(f"{w}: model '{r['model']}' != '{m[i]}'")
    pb = at("p_breach", need_limit=True)
    want = "" if pb is None or math.isnan(pb) else ("yes" if pb >= 0.5 else "no")
    if r["at_risk"] != want:
        bad.append(f"{w}: at_risk '{r['at_risk']}' != '{want}'")
    if has and r["allowed_days"] != str(int(ds.variables[p + "_p_breach"].allowed_exceedance_days)):
        bad.append(f"{w}: allowed_days {r['allowed_days']}")
    n_checked += 1
# provinces.csv: the provincial aggregates
R = rows("provinces.csv")
pn = var("province_name")
if pn is None:
    pn = np.array(sorted(set(prov), key=list(prov).index)) if prov is not None else np.array([])
if len(R) != len(pn) * len(pols):
    bad.append(f"provinces.csv: {len(R)} rows, not {len(pn)} provinces x {len(pols)} pollutants")
for r in R:
    g = int(np.where(pn == r["province"])[0][0])
    p = [q for q in pols if label[q] == r["pollutant"]][0]
    w = f"provinces.csv {r['province']} {p}"
    members = [i for i in range(ns) if prov is not None and prov[i] == r["province"]]
    if int(r["stations"]) != len(members):
        bad.append(f"{w}: stations {r['stations']} != {len(members)}")
    has = not math.isnan(float(ds.variables[p + "_p_exceed"].limit_value))
    def pv(name, k=None):
        x = var(f"{p}_province_{name}")
        return None if x is None else float(x[g] if k is None else x[k, g])  # (forecast_day, province_index)
    same(f"{w} stations_at_risk", r["stations_at_risk"], pv("stations_at_risk") if has else None, 0)
    same(f"{w} max_p_breach", r["max_p_breach"], pv("max_p_breach") if has else None, 1e-4)
    same(f"{w} next_day_forecast", r["next_day_forecast"], pv("forecast", 0), 1e-2)
    if has and members:
        pb = var(p + "_p_breach")[members]
        if not np.all(np.isnan(pb)) and r["highest_risk_station"] != names[members[int(np.nanargmax(pb))]]:
            bad.append(f"{w}: highest_risk_station '{r['highest_risk_station']}'")
# figures: 3 station figures, a map per pollutant with a daily limit, two provincial ones,
# the PM10 consecutive days
files = sorted(os.listdir(P))
png = [f for f in files if f.endswith(".png")]
maps = [f"map_{p}.png" for p in pols if not math.isnan(float(ds.variables[p + "_p_exceed"].limit_value))]
prov_figs = ["provinces_risk.png", "provinces_daily.png"] if len(pn) else []
# the consecutive days over the PM10 limit against the trigger (pm10_consecutive_days_forecast)
runs = ["pm10_consecutive_days.png"] if "pm10_consecutive_days_forecast" in ds.variables else []
station = [f for f in png if f not in maps and f not in prov_figs and f not in runs]
if len(station) != 3:
    bad.append(f"{len(station)} station figures ({station}), not quicklook_max = 3")
for f in maps + prov_figs + runs:
    if f not in png:
        bad.append(f"no figure {f}")
import xml.etree.ElementTree as ET
for f in png:
    b = open(f"{P}/{f}", "rb").read()
    if b[:8] != b"\x89PNG\r\n\x1a\n" or len(b) < 5000:
        bad.append(f"{f}: not a PNG or too small ({len(b)} bytes)")
    svg = f[:-4] + ".svg"
    if svg not in files:
        bad.append(f"{f} has no {svg}")
    else:
        try:
            root = ET.parse(f"{P}/{svg}").getroot()
            if not root.tag.endswith("svg"):
                bad.append(f"{svg}: root element {root.tag}")
        except ET.ParseError as e:
            bad.append(f"{svg}: not XML: {e}")
# the manifest lists every product with its role and SHA-256
man = json.load(open(f"{d}/out.manifest.json"))
listed = {}
def walk(o):
    if isinstance(o, dict):
        if "sha256" in o and ("path" in o or "file" in o or "name" in o):
            listed[os.path.basename(o.get("path") or o.get("file") or o.get("name"))] = o
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(man)
roles = {"summary.csv": "summary", "provinces.csv": "table", "points.csv": "points", "points.csvt": "points-aux",
         "points.prj": "points-aux"}
for f in files:
    e = listed.get(f)
    if e is None:
        bad.append(f"manifest does not list {f}"); continue
    if e["sha256"] != hashlib.sha256(open(f"{P}/{f}", "rb").read()).hexdigest():
        bad.append(f"manifest: wrong SHA-256 of {f}")
    want = roles.get(f, "quicklook" if f.endswith(".png") else "quicklook-svg")
    if e.get("role") != want:
        bad.append(f"manifest: role of {f} is {e.get('role')}, not {want}")
if bad:
    print("\n".join(bad[:40])); sys.exit(1)
print(f"summary.csv: {n_checked} rows equal the NetCDF's; provinces.csv: {len(R)} rows; {len(png)} figures")
PY

command -v ogrinfo >/dev/null || skip "ogrinfo (gdal-bin) not installed"
ogrinfo -ro -al -so "$P/points.csv" >"$D/ogr.txt" 2>&1 ||
  { cat "$D/ogr.txt"; fail "ogrinfo points.csv"; }
grep -q 'Geometry: Point' "$D/ogr.txt" || { cat "$D/ogr.txt"; fail "points.csv: not points"; }
grep -q 'Feature Count: 6' "$D/ogr.txt" || { cat "$D/ogr.txt"; fail "points.csv: not 6 features"; }
grep -q '^station_name: String' "$D/ogr.txt" || { cat "$D/ogr.txt"; fail "points.csv: no station_name field"; }

# regia quicklook makes the same files again from the output alone
run_np 1 quicklook "$D/out.nc" --out-dir "$D/again" --quicklook-max 3 >"$D/ql.log" 2>&1 ||
  { cat "$D/ql.log"; fail "regia quicklook"; }
diff <(ls "$P") <(ls "$D/again/out.products") || fail "regia quicklook made another file set"
for f in summary.csv provinces.csv points.csv; do
  cmp "$P/$f" "$D/again/out.products/$f" || fail "regia quicklook: another $f"
done
echo "env products: tables equal the NetCDF, figures valid, points read by GDAL, quicklook the same"
