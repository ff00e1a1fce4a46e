#!/usr/bin/env bash
# Points GDAL reads (regia/extract.h: regia_points_csv, through build/tools/nc_extract):
#   1. the env demo's output (scripts/demo.sh steps 1-3, in $TMP): ogrinfo -al -so reads the
#      CSV as a Point layer in WGS 84 with one feature per station, a station_name String
#      field and typed numbers (.csvt); every feature's point is the station's lon/lat; every
#      column equals the NetCDF's values (python csv + netCDF4), UTF-8 BOM, CRLF;
#   2. the fixture of test_nc_extract (tests/cli/extract_fixture.py): NC_STRING names with
#      an accent and a comma survive GDAL, a site without latitude has an empty geometry;
#   3. errors: a bad dimension, no latitude along the dimension: a message, no files.
source "$(dirname "$0")/lib.sh"
X=$BUILD/tools/nc_extract
PY=/usr/bin/python3
[[ -x $X ]] || fail "$X not built (make tests)"
command -v ogrinfo >/dev/null || skip "ogrinfo not found (gdal-bin: scripts/install-deps.sh)"
$PY -c 'import netCDF4' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 (scripts/install-deps.sh test)"

# --- 1. the env demo output -------------------------------------------------------------
d=$TMP/demo; mkdir -p "$d"
"$REGIA" gen env --stations 8 --years 2 --seed 2024 --end-date 2024-09-30 --output-dir "$d/data" >/dev/null
run_np 2 ingest env --registry "$d/data/sensors.csv" --data "$d/data/measurements.csv" --synthetic \
  --output "$d/lombardia.nc" >/dev/null
sed -e 's|^output = .*|output = env_forecast.nc|' -e 's|^file = .*|file = lombardia.nc|' \
  "$REGIA_ROOT/jobs/demo_env.ini" >"$d/env.ini"
run_np 2 env "$d/env.ini" >"$d/env.log" 2>&1 || { cat "$d/env.log"; fail "regia env"; }
src=$d/env_forecast.nc
"$X" points "$src" station "$TMP/points.csv" || fail "points of $src"
[[ -f $TMP/points.csvt && -f $TMP/points.prj ]] || fail "points.csvt / points.prj not written beside points.csv"
ogrinfo -al -so "$TMP/points.csv" >"$TMP/so.txt" 2>&1 || { cat "$TMP/so.txt"; fail "ogrinfo cannot read points.csv"; }
nst=$($PY -c "import netCDF4; print(len(netCDF4.Dataset('$src').dimensions['station']))")
grep -q '^Geometry: Point$' "$TMP/so.txt" || { cat "$TMP/so.txt"; fail "ogrinfo: the layer's geometry is not Point"; }
grep -q "^Feature Count: $nst\$" "$TMP/so.txt" || { cat "$TMP/so.txt"; fail "ogrinfo: feature count is not $nst stations"; }
grep -q '^station_name: String' "$TMP/so.txt" || fail "ogrinfo: no station_name String field"
grep -q '^station_id: Integer' "$TMP/so.txt" || fail "ogrinfo: station_id is not an Integer field"
grep -q '^pm10_p_breach: Real' "$TMP/so.txt" || fail "ogrinfo: pm10_p_breach is not a Real field"
grep -q 'GEOGCRS\["WGS 84"\|GEOGCS\["GCS_WGS_1984"\|"WGS 84"' "$TMP/so.txt" || fail "ogrinfo: the layer's CRS is not WGS 84"
echo "ok: ogrinfo: $(grep -E '^(Geometry|Feature Count):' "$TMP/so.txt" | tr '\n' ' ')in WGS 84, station_name String, station_id Integer"
ogrinfo -al -q "$TMP/points.csv" >"$TMP/all.txt" || fail "ogrinfo -al"
$PY - "$src" "$TMP/points.csv" "$TMP/all.txt" <<'PY' || fail "points.csv does not hold the NetCDF's values"
import csv, math, re, sys
import netCDF4, numpy as np
src, path, dump = sys.argv[1:]
raw = open(path, "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark"
assert raw.count(b"\r\n") == raw.count(b"\n"), "line ends are not CRLF"
rows = list(csv.DictReader(open(path, encoding="utf-8-sig", newline="")))
ds = netCDF4.Dataset(src)
n = len(ds.dimensions["station"])
assert len(rows) == n, f"{len(rows)} rows for {n} stations"
cols = 0
for name, v in ds.variables.items():
    dims = v.dimensions
    text = v.dtype == str or (v.dtype.kind == "S" and len(dims) == 2)
    if not (dims == ("station",) or (text and dims[0] == "station" and len(dims) == 2)):
        assert name not in rows[0], f"{name}{dims} should not be a column"
        continue
    assert name in rows[0], f"column {name} missing"
    cols += 1
    vals = v[:]
    if v.dtype.kind == "S":
        vals = netCDF4.chartostring(vals) if vals.dtype.kind == "S" and vals.ndim == 2 else vals
    for i, r in enumerate(rows):
        cell = r[name]
        x = vals[i]
        if text:
            assert cell == str(x).rstrip(), f"{name}[{i}]: {cell!r} vs {x!r}"
        elif np.ma.is_masked(x) or (isinstance(x, float) and math.isnan(x)) or (np.issubdtype(type(x), np.floating) and np.isnan(x)):
            assert cell == "", f"{name}[{i}]: missing value written as {cell!r}"
        else:
            assert v.dtype.type(cell) == x, f"{name}[{i}]: {cell!r} vs {x!r}"
lon, lat = ds.variables["lon"][:], ds.variables["lat"][:]
for i, r in enumerate(rows):
    assert r["geometry_wkt"] == f"POINT ({r['lon']} {r['lat']})", r["geometry_wkt"]
pts = [tuple(map(float, m)) for m in re.findall(r"^\s+POINT \(([-0-9.e]+) ([-0-9.e]+)\)$", open(dump).read(), re.M)]
assert len(pts) == n, f"GDAL read {len(pts)} point geometries, expected {n}"
for i, (x, y) in enumerate(pts):
    assert (x, y) == (float(lon[i]), float(lat[i])), f"feature {i}: GDAL point ({x} {y}) vs lon/lat ({lon[i]} {lat[i]})"
print(f"ok: {n} rows x {cols} variables equal the NetCDF's; GDAL's {n} points are the stations' lon/lat; BOM, CRLF")
PY

# --- 2. the fixture: NC_STRING names, accents, a comma, a site without latitude ----------
$PY "$REGIA_ROOT/tests/cli/extract_fixture.py" "$TMP/fx.nc" >/dev/null || fail "fixture"
"$X" points "$TMP/fx.nc" site "$TMP/fx.csv" || fail "points of the fixture"
ogrinfo -al -so "$TMP/fx.csv" >"$TMP/fx_so.txt" || fail "ogrinfo fixture"
grep -q '^Geometry: Point$' "$TMP/fx_so.txt" && grep -q '^Feature Count: 6$' "$TMP/fx_so.txt" ||
  { cat "$TMP/fx_so.txt"; fail "fixture: not a Point layer of 6 features"; }
ogrinfo -al -q "$TMP/fx.csv" >"$TMP/fx_all.txt"
grep -q 'site_name (String) = Cantù$' "$TMP/fx_all.txt" || fail "fixture: GDAL does not read 'Cantù'"
grep -q 'site_name (String) = Milano, Senato$' "$TMP/fx_all.txt" || fail "fixture: GDAL does not read 'Milano, Senato' (quoting)"
grep -q 'POINT (9.08 45.8)$' "$TMP/fx_all.txt" || fail "fixture: the first site's point is not (9.08 45.8) (float lon written as the float's decimal)"
np=$(grep -c '^  POINT' "$TMP/fx_all.txt")
((np == 5)) || fail "fixture: $np points, expected 5 (the site with a fill latitude has none)"
$PY - "$TMP/fx.csv" <<'PY' || fail "fixture CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
b = rows[4]
assert b["site_name"] == "Bormio" and b["lat"] == "" and b["geometry_wkt"] == "", b
assert rows[0]["region"] == "Nord" and rows[2]["region"] == "", rows
print("ok: fixture: names with an accent and a comma, a fill latitude gives empty lat and geometry; 5 points of 6 sites")
PY

# --- 3. errors ------------------------------------------------------------------------------
expect_fail "bad dimension" "no dimension 'stations' \(the file has: station" "$X" points "$src" stations "$TMP/bad.csv"
$PY - "$TMP/nolat.nc" <<'PY'
import sys, netCDF4
with netCDF4.Dataset(sys.argv[1], "w") as ds:
    ds.createDimension("site", 2)
    v = ds.createVariable("lon", "f8", ("site",)); v.standard_name = "longitude"; v[:] = [9, 10]
PY
expect_fail "no latitude" "no latitude variable along 'site'" "$X" points "$TMP/nolat.nc" site "$TMP/bad.csv"
for f in bad.csv bad.csvt bad.prj bad.csv.tmp; do [[ ! -e $TMP/$f ]] || fail "a failed points CSV left $f"; done
echo "ok: failed points CSVs leave no file"
echo "PASS"
