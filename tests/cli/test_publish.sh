#!/usr/bin/env bash
# regia publish: two env runs (4 synthetic stations) published into one catalog.
#  - STAC: every JSON reachable from catalog.json is valid STAC 1.1.0 by stac-validator
#    (build/stac-venv, scripts/install-stac-validator.sh) against the core schemas pystac
#    ships, mapped over their URLs (no network: schemas.stacspec.org is not reached); the
#    file extension's fields are checked against the files (tests/cli/stac_check.py);
#  - every href/src of every index.html resolves to a file in the catalog, no scripts, no
#    external references; headless chromium renders the pages (screenshots under
#    $BUILD/test-publish/) and its DOM has the downloads table and the summary table;
#  - SHA256SUMS of every run passes sha256sum -c;
#  - per-region extracts (one per province) when the output has its province variable, each
#    with its model file cut to the region's stations (regions/SLUG.model.nc, the files
#    naming each other) and products made with them; none when the run made no products;
#  - a changed output, or a changed product, is refused (named), nothing is added;
#  - publishing again adds the second run; the same run again replaces it.
source "$(dirname "$0")/lib.sh"
venv=
for v in "${BUILD:-$REGIA_ROOT/build}/stac-venv" "$REGIA_ROOT/build/stac-venv"; do
  [[ -x $v/bin/python ]] && "$v/bin/python" -c 'import stac_validator, pystac' 2>/dev/null && { venv=$v; break; }
done
[[ -n $venv ]] || skip "no stac-validator: install it with scripts/install-stac-validator.sh (make deps-test)"
command -v chromium >/dev/null || skip "no chromium (headless rendering of the pages): scripts/install-deps.sh test"
check=$REGIA_ROOT/tests/cli/stac_check.py
D=$TMP; mkdir -p "$D/data" "$D/run"
run_np 1 gen env --stations 4 --years 2 --seed 11 --end-date 2024-09-30 --output-dir "$D/data" >/dev/null 2>&1 ||
  fail "gen env"
run_np 2 ingest env --registry "$D/data/sensors.csv" --data "$D/data/measurements.csv" --synthetic \
  --output "$D/run/l.nc" >/dev/null 2>&1 || fail "ingest env"
for k in 1 2; do
  cat >"$D/run/job$k.ini" <<EOF
[job]
name = publish$k
output = out$k.nc
[input]
file = l.nc
as_of = 2024-09-$((31 - k))
[analysis]
pollutants = pm10
history_days = 400
paths = 100
EOF
done
# run 2 without products: its extracts are published without products either
sed -i 's/^\[job\]$/[job]\nproducts = no/' "$D/run/job2.ini"
run_np 2 env "$D/run/job1.ini" >"$D/env1.log" 2>&1 || fail "env run 1: $(tail -5 "$D/env1.log")"
cat=$D/cat
out=$("$REGIA" publish --catalog "$cat" --title "Test catalog" "$D/run/out1.nc" 2>&1) || fail "publish: $out"
echo "$out" | sed 's/^/  /'
run1=$(ls -d "$cat"/env/*-out1) || fail "no run directory env/*-out1: $(ls -R "$cat" | head)"
[[ -f $run1/out1.nc && -f $run1/out1.manifest.json && -f $run1/SHA256SUMS && -f $run1/index.html &&
   -f $run1/collection.json && -f $run1/out1.item.json && -f $cat/catalog.json && -f $cat/index.html &&
   -f $cat/env/collection.json ]] || fail "missing files: $(cd "$cat" && find . -type f | sort)"
cmp -s "$D/run/out1.nc" "$run1/out1.nc" || fail "the published output differs from the run's"
if [[ -d $D/run/out1.products ]]; then
  n_src=$(find "$D/run/out1.products" -type f | wc -l)
  n_pub=$(find "$run1/out1.products" -type f | wc -l)
  ((n_src > 0 && n_src == n_pub)) || fail "products: $n_src files beside the output, $n_pub published"
  echo "ok: the output's $n_pub products published"
fi
(cd "$run1" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c SHA256SUMS in $run1"
echo "ok: SHA256SUMS of run 1 ($(wc -l <"$run1/SHA256SUMS") files) checks"

# per-region extracts: one per distinct province of the stations
if grep -q "char province(station" <<<"$(ncdump -h "$D/run/out1.nc")"; then
  /usr/bin/python3 - "$D/run/out1.nc" "$run1" <<'PY' || fail "regions"
import glob, json, os, sys, netCDF4
src, run = sys.argv[1], sys.argv[2]
with netCDF4.Dataset(src) as ds:
    v = ds["province"]
    v.set_auto_chartostring(False)
    prov = [str(x).strip() for x in netCDF4.chartostring(v[:])]
want = sorted({p for p in prov if p})
items = sorted(glob.glob(run + "/regions/*.item.json"))
got = sorted(json.load(open(i))["properties"]["regia:region"] for i in items)
assert got == want, (got, want)
for i in items:
    j = json.load(open(i))
    nc = os.path.join(os.path.dirname(i), j["assets"]["data"]["href"])
    with netCDF4.Dataset(nc) as ds:
        r = ds.getncattr("regia_region")
        n = ds.dimensions["station"].size
        assert r == j["properties"]["regia:region"], (r, i)
        assert n == prov.count(r), (nc, n, prov.count(r))
        ids = list(ds["station_id"][:])
        slug = os.path.basename(nc)[:-3]
        assert ds.getncattr("model_file") == slug + ".model.nc", ds.getncattr("model_file")
    # the model file of the region: its stations only, naming the region's output
    assert j["assets"][slug + ".model.nc"]["roles"][-1] == "model", j["assets"].keys()
    with netCDF4.Dataset(os.path.join(run, "regions", slug + ".model.nc")) as ms:
        assert list(ms["station_id"][:]) == ids, (slug, list(ms["station_id"][:]), ids)
        assert ms.getncattr("forecast_file") == slug + ".nc", ms.getncattr("forecast_file")
        assert ms.getncattr("regia_region") == r
    # the run made products: so does each extract
    prods = [a for a in j["assets"] if ".products/" in j["assets"][a]["href"]]
    assert prods, (slug, list(j["assets"]))
coll = json.load(open(run + "/collection.json"))
assert sum(l["rel"] == "item" for l in coll["links"]) == len(want) + 1, coll["links"]
print(f"ok: {len(want)} per-region extracts ({', '.join(want)}), each with its stations only, its model file cut "
      "to them, its products, an item each")
PY
else
  echo "note: out1.nc has no province variable: this env output has no per-region extracts to check"
fi

# STAC and HTML
"$venv/bin/python" "$check" "$cat" || fail "STAC checks"
/usr/bin/python3 "$check" --html "$cat" || fail "HTML checks"
shots=${BUILD:-$REGIA_ROOT/build}/test-publish; rm -rf "$shots"; mkdir -p "$shots"
chrome() { timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/chrome" "$@" 2>/dev/null; }
chrome --window-size=1280,2000 --screenshot="$shots/run.png" "file://$run1/index.html" >/dev/null
chrome --window-size=1280,800 --screenshot="$shots/root.png" "file://$cat/index.html" >/dev/null
for p in run root; do
  [[ $(head -c 8 "$shots/$p.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$p.png is not a PNG"
  (($(stat -c %s "$shots/$p.png") > 20000)) || fail "$p.png is nearly empty ($(stat -c %s "$shots/$p.png") bytes)"
done
dom=$(chrome --dump-dom "file://$run1/index.html")
grep -q '<h2>Downloads</h2>' <<<"$dom" || fail "the rendered run page has no Downloads section"
grep -q "href=\"out1.nc\" download" <<<"$dom" || fail "the rendered run page has no download link of out1.nc"
grep -q "$(sha256sum <"$run1/out1.nc" | cut -c1-64)" <<<"$dom" || fail "the rendered run page lacks out1.nc's SHA-256"
summary=$(ls "$run1"/out1.products/summary.csv 2>/dev/null || true)
if [[ -n $summary ]]; then
  first=$(head -1 "$summary" | sed 's/^\xEF\xBB\xBF//' | cut -d, -f1 | tr -d '"\r')
  grep -q "<th>$first</th>" <<<"$dom" || fail "the rendered summary table lacks its header cell '$first'"
  echo "ok: the summary table is rendered (header '$first')"
fi
if ls "$run1"/out1.products/*.png >/dev/null 2>&1; then
  grep -q '<img src="out1.products/[^"]*\.png"' <<<"$dom" || fail "the rendered run page has no figure thumbnails"
  echo "ok: $(grep -o '<img src=' <<<"$dom" | wc -l) figure thumbnails on the run page"
fi
rdom=$(chrome --dump-dom "file://$cat/index.html")
grep -q "$(basename "$run1")/index.html" <<<"$rdom" || fail "the rendered root page does not link run 1"
echo "ok: chromium renders the pages ($shots/run.png, root.png); the DOM has the downloads and checksums"

# a changed output, then a changed product: refused, named, nothing added
before=$(cd "$cat" && find . | sort | sha256sum)
mkdir -p "$D/changed"; cp -r "$D/run/out1".* "$D/changed/"
printf 'x' >>"$D/changed/out1.nc"
expect_fail "a changed output" "out1.nc: changed since the run" "$REGIA" publish --catalog "$cat" "$D/changed/out1.nc"
if [[ -f $D/run/out1.products/summary.csv ]]; then
  cp "$D/run/out1.nc" "$D/changed/out1.nc"
  printf 'x' >>"$D/changed/out1.products/summary.csv"
  expect_fail "a changed product" "summary.csv: changed since the run" "$REGIA" publish --catalog "$cat" \
    "$D/changed/out1.nc"
fi
rm "$D/changed/out1.manifest.json"
expect_fail "no manifest" "out1.manifest.json: missing" "$REGIA" publish --catalog "$cat" "$D/changed/out1.nc"
[[ $(cd "$cat" && find . | sort | sha256sum) == "$before" ]] || fail "a refused publish changed the catalog"
echo "ok: the catalog is unchanged after the refusals (no temporary directories left)"

# publishing again: a second run is added; the same run again replaces it
run_np 2 env "$D/run/job2.ini" >"$D/env2.log" 2>&1 || fail "env run 2: $(tail -5 "$D/env2.log")"
"$REGIA" publish -q --catalog "$cat" "$D/run/out2.nc" >/dev/null || fail "publish run 2"
[[ ! -d $D/run/out2.products ]] || fail "run 2 (products = no) made products"
if grep -q "char province(station" <<<"$(ncdump -h "$D/run/out2.nc")"; then
  run2=$(ls -d "$cat"/env/*-out2)
  ls "$run2"/regions/*.model.nc >/dev/null || fail "run 2: no regional model files"
  [[ -z $(find "$run2" -name '*.products') ]] || fail "run 2 made no products, but its publication has: $(find "$run2" -name '*.products')"
  echo "ok: run 2 (products = no) published with its regional extracts and model files, no products"
fi
"$REGIA" publish -q --catalog "$cat" "$D/run/out1.nc" "$D/run/out1.nc" >/dev/null || fail "publish run 1 again (twice)"
/usr/bin/python3 - "$cat" <<'PY' || fail "catalog after republishing"
import json, os, sys
cat = sys.argv[1]
root = json.load(open(cat + "/catalog.json"))
assert root["title"] == "Test catalog", root["title"]  # kept without --title
env = json.load(open(cat + "/env/collection.json"))
runs = [l["href"] for l in env["links"] if l["rel"] == "child"]
assert len(runs) == 2 and any("-out1/" in r for r in runs) and any("-out2/" in r for r in runs), runs
left = [f for f in os.listdir(cat + "/env") if f.startswith(".")]
assert not left, left
page = open(cat + "/index.html").read()
assert all(r.split("/")[0] in page for r in runs), "root page lacks a run"
print(f"ok: after publishing run 2 and run 1 again the domain lists {len(runs)} runs, the root page both")
PY
"$venv/bin/python" "$check" "$cat" | tail -1 || fail "STAC checks after republishing"
for r in "$cat"/env/*/; do (cd "$r" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c in $r"; done
# an output without the ACDD geospatial_* attributes: the box from its lat/lon variables
mkdir -p "$D/nogeo"
ncatted -h -a geospatial_lat_min,global,d,, -a geospatial_lat_max,global,d,, -a geospatial_lon_min,global,d,, \
  -a geospatial_lon_max,global,d,, "$D/run/out2.nc" "$D/nogeo/out2.nc" || fail "ncatted"
/usr/bin/python3 - "$D/run/out2.manifest.json" "$D/nogeo" <<'PY' || fail "manifest of the copy"
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
m["outputs"] = [dict(o, sha256=hashlib.sha256(open(sys.argv[2] + "/out2.nc", "rb").read()).hexdigest())
                for o in m["outputs"] if o["path"] == "out2.nc"]
json.dump(m, open(sys.argv[2] + "/out2.manifest.json", "w"))
PY
"$REGIA" publish -q --no-regions --catalog "$D/cat3" "$D/nogeo/out2.nc" >/dev/null || fail "publish without geospatial_*"
/usr/bin/python3 - "$D/nogeo/out2.nc" "$D/cat3" <<'PY' || fail "bbox from lat/lon"
import glob, json, sys, netCDF4
with netCDF4.Dataset(sys.argv[1]) as ds:
    assert "geospatial_lat_min" not in ds.ncattrs()
    lat, lon = ds["lat"][:], ds["lon"][:]
want = [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]
item = json.load(open(glob.glob(sys.argv[2] + "/env/*/out2.item.json")[0]))
assert all(abs(a - b) < 1e-6 for a, b in zip(item["bbox"], want)), (item["bbox"], want)
print("ok: without geospatial_* the item's bbox is the range of lat/lon:", item["bbox"])
PY
expect_fail "no catalog" "--catalog DIR is required" "$REGIA" publish "$D/run/out1.nc"
expect_fail "not a regia output" "publish takes the NetCDF outputs" "$REGIA" publish --catalog "$D/cat2" "$D/data/sensors.csv"
echo "PASS: test_publish"
