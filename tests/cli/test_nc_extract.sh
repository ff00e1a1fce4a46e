#!/usr/bin/env bash
# Per-region extracts (regia/extract.h: regia_nc_regions, regia_nc_extract) through the test
# tool build/tools/nc_extract, checked with netCDF4, xarray, ncdump and the CF checker:
#   1. the env demo's output (scripts/demo.sh steps 1-3, here in $TMP) cut by province:
#      every extract's rows equal the source's rows (tests/cli/extract_check.py: values,
#      attributes, storage), ncdump -h and -hs identical but for the dimension's length,
#      history, geospatial_* and the new regia_* attributes, xarray's isel of the source
#      equals the extract, the provinces partition the stations;
#   2. a fixture with groups, an unlimited item dimension, NC_STRING and char region
#      variables, names with accents (tests/cli/extract_fixture.py), items in a given order,
#      index variables (regia_index_dim = the extracted dimension) remapped into the extract;
#   3. errors: a bad dimension or variable name, a non-text region variable, items out of
#      range or twice, a compound type, out = in, an index variable (regia_index_dim) that is
#      not a signed integer or holds a value that is no index: a clear message and no file (an older
#      extract under the name is kept);
#   4. the CF checker (cf:1.10, acdd:1.3, as test_cf_compliance.sh) passes on an extract.
source "$(dirname "$0")/lib.sh"
X=$BUILD/tools/nc_extract
PY=/usr/bin/python3
[[ -x $X ]] || fail "$X not built (make tests)"
$PY -c 'import netCDF4, xarray' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 or xarray (scripts/install-deps.sh test)"
command -v ncdump >/dev/null || skip "ncdump not found (scripts/install-deps.sh test)"
check=$REGIA_ROOT/tests/cli/extract_check.py

# --- 1. the env demo's output, by province ------------------------------------------
d=$TMP/demo; mkdir -p "$d"
"$REGIA" gen env --stations 8 --years 2 --seed 2024 --end-date 2024-09-30 --output-dir "$d/data" >/dev/null
run_np 2 ingest env --registry "$d/data/sensors.csv" --data "$d/data/measurements.csv" --synthetic \
  --output "$d/lombardia.nc" >/dev/null
sed -e 's|^output = .*|output = env_forecast.nc|' -e 's|^file = .*|file = lombardia.nc|' \
  "$REGIA_ROOT/jobs/demo_env.ini" >"$d/env.ini"
run_np 2 env "$d/env.ini" >"$d/env.log" 2>&1 || { cat "$d/env.log"; fail "regia env"; }
src=$d/env_forecast.nc
# the provinces: the env output's own province variable (H2's layout), else the input's
# (the same stations in the same order: checked)
if $PY -c "import netCDF4,sys; sys.exit('province' not in netCDF4.Dataset('$src').variables)"; then
  regions_of=$src
else
  regions_of=$d/lombardia.nc
  echo "note: $(basename "$src") has no province variable yet: the provinces of $(basename "$regions_of")"
  $PY - "$src" "$regions_of" <<'PY' || fail "the env output's stations are not the input's"
import sys, netCDF4, numpy as np
a, b = (netCDF4.Dataset(p).variables["station_id"][:] for p in sys.argv[1:])
sys.exit(0 if np.array_equal(a, b) else 1)
PY
fi
"$X" regions "$regions_of" station province >"$TMP/regions.txt" || fail "regions of $regions_of"
cat "$TMP/regions.txt"
nreg=$(grep -vc '^#' "$TMP/regions.txt")
((nreg >= 2)) || fail "expected several provinces, got $nreg"
# the provinces partition the stations, each once, and match the names in the file
$PY - "$regions_of" "$TMP/regions.txt" <<'PY' || fail "regions do not partition the stations"
import sys, netCDF4, numpy as np
v = netCDF4.Dataset(sys.argv[1]).variables["province"]
v.set_auto_chartostring(False)
prov = [bytes(np.asarray(r, dtype="S1")).decode().rstrip("\0 ") for r in v[:].filled(b"")]
got = {}
for line in open(sys.argv[2]):
    if line.startswith("#"): continue
    name, items = line.rstrip("\n").split("\t")
    got[name] = [int(i) for i in items.split(",")]
want = {}
for i, p in enumerate(prov):
    want.setdefault(p, []).append(i)
if got != want or list(got) != list(want):
    print("regions", got, "expected", want); sys.exit(1)
print(f"ok: {len(got)} provinces partition {len(prov)} stations")
PY
mkdir -p "$TMP/ex"
n=0
while IFS=$'\t' read -r name items; do
  [[ $name == \#* ]] && continue
  out=$TMP/ex/env_$name.nc
  "$X" items "$src" "$out" station "$items" "$name" || fail "extract of $name"
  $PY "$check" "$src" "$out" station "$items" "$name" >"$TMP/check.txt" || { cat "$TMP/check.txt"; fail "extract $name"; }
  tail -1 "$TMP/check.txt"
  # ncdump -h and -hs: identical but for these lines
  for opt in -h -hs; do
    diff <(ncdump $opt "$src" | sed 1d) <(ncdump $opt "$out" | sed 1d) | grep '^[<>]' |
      grep -Ev '^[<>] [[:space:]]+station = [0-9]+ ;$|^[<>] [[:space:]]+:(history|geospatial_(lat|lon|vertical)_(min|max)|geospatial_bounds) = |^> [[:space:]]+:regia_(extract_of|extract_of_sha256|extract_dim|region) = ' \
      >"$TMP/hdiff.txt" || true
    [[ ! -s $TMP/hdiff.txt ]] || { cat "$TMP/hdiff.txt"; fail "ncdump $opt of the $name extract differs from the source's beyond the station count and the extract's attributes"; }
  done
  grep -q "station = $(tr ',' '\n' <<<"$items" | wc -l) ;" <(ncdump -h "$out") || fail "$name: station count"
  # xarray: the source's isel is the extract (values, coordinates, dimensions)
  $PY - "$src" "$out" "$items" <<'PY' || fail "xarray: the $name extract is not the source's isel"
import sys, xarray as xr
items = [int(i) for i in sys.argv[3].split(",")]
with xr.open_dataset(sys.argv[1]) as s, xr.open_dataset(sys.argv[2]) as e:
    # the output has no group (the ETS internals are in its model file, not extracted here)
    xr.testing.assert_equal(s.isel(station=items), e)
PY
  n=$((n + 1))
done <"$TMP/regions.txt"
echo "ok: $n province extracts of $(basename "$src") equal their rows of the source (netCDF4, xarray, ncdump -h/-hs)"
# the input file too (hourly and daily variables), by its own province variable
"$X" region "$d/lombardia.nc" "$TMP/ex/in_MI.nc" station province MI || fail "extract of the input, MI"
$PY "$check" "$d/lombardia.nc" "$TMP/ex/in_MI.nc" station "$(awk -F'\t' '$1 == "MI" {print $2}' "$TMP/regions.txt")" MI |
  tail -1 || fail "input extract"
# a multi-station selection in a given order
"$X" items "$src" "$TMP/ex/env_752.nc" station 7,5,2 || fail "extract 7,5,2"
$PY "$check" "$src" "$TMP/ex/env_752.nc" station 7,5,2 | tail -1 || fail "extract 7,5,2"
grep -q regia_region <(ncdump -h "$TMP/ex/env_752.nc") && fail "regia_region written without a region"

# --- 2. the fixture: groups, unlimited dim, string and char regions ------------------
fx=$TMP/fx.nc
$PY "$REGIA_ROOT/tests/cli/extract_fixture.py" "$fx" >/dev/null || fail "fixture"
for var in region region_c; do
  "$X" regions "$fx" site "$var" >"$TMP/fx_regions.txt" || fail "regions of $var"
  printf 'Nord\t0,3\nSud\t1,4\nEst\t5\n# 6 items, 1 in no region\n' | diff - "$TMP/fx_regions.txt" ||
    fail "fixture regions by $var (NC_STRING / char): expected Nord 0,3, Sud 1,4, Est 5, one site in no region"
done
echo "ok: regions by an NC_STRING and by a char variable: Nord 0,3; Sud 1,4; Est 5; 1 site in none"
"$X" region "$fx" "$TMP/fx_sud.nc" site region Sud || fail "fixture Sud"
$PY "$check" "$fx" "$TMP/fx_sud.nc" site 1,4 Sud | tail -1 || fail "fixture Sud"
"$X" items "$fx" "$TMP/fx_503.nc" site 5,0,3 || fail "fixture 5,0,3"
$PY "$check" "$fx" "$TMP/fx_503.nc" site 5,0,3 || fail "fixture 5,0,3"
ncdump -hs "$TMP/fx_503.nc" >"$TMP/fx_503.cdl"
grep -q 'site = UNLIMITED ; // (3 currently)' "$TMP/fx_503.cdl" || fail "the unlimited dimension is not unlimited with 3 sites"
grep -q 'x:_ChunkSizes = 3, 5 ;' "$TMP/fx_503.cdl" || fail "x's chunk along site not cut to 3"
grep -q 'nofill:_NoFill = "true"' "$TMP/fx_503.cdl" || fail "no-fill mode of nofill lost"
grep -q 'z:_Endianness = "big"' "$TMP/fx_503.cdl" || fail "big-endian z lost"
grep -q 'y:_Fletcher32 = "true"' "$TMP/fx_503.cdl" || fail "fletcher32 of y lost"
grep -q ':geospatial_lon_min = 9.08 ;' "$TMP/fx_503.cdl" || fail "geospatial_lon_min not the float's 9.08"
echo "ok: fixture extract keeps the unlimited dimension, chunks (cut to 3), no-fill, big-endian, fletcher32; geospatial_* from the items"
# index variables (regia_index_dim = "site"): remapped into the extract's sites 5,0,3
$PY - "$TMP/fx_503.nc" <<'PY' || fail "index variables of the 5,0,3 extract not remapped"
import sys, netCDF4
with netCDF4.Dataset(sys.argv[1]) as ds:
    ds.set_auto_mask(False)
    got = {k: ds[k][:].tolist() for k in ("parent", "t_site", "t_region")}
# parent at sites 5,0,3 is [2, 3, 5]: site 2 not kept -> -1, site 3 is the extract's 2, site 5 its 0
want = {"parent": [-1, 2, 0], "t_site": [1, 2, -999, -1, 0], "t_region": [2, 0, 0]}
if got != want:
    print("got", got, "expected", want); sys.exit(1)
PY
echo "ok: index variables along site remapped (parent -> [-1, 2, 0]; t_site keeps -1 and its fill value), one along another dimension kept"

# variables over 1 MiB with few items (a slab per item, not read whole): both axis orders
$PY - "$TMP/slab.nc" <<'PY' || fail "slab fixture"
import sys, netCDF4, numpy as np
with netCDF4.Dataset(sys.argv[1], "w") as ds:
    ds.createDimension("site", 200); ds.createDimension("t", 1400)
    rng = np.random.default_rng(1)
    a = ds.createVariable("a", "f4", ("site", "t"), zlib=True, chunksizes=(1, 1400)); a[:] = rng.random((200, 1400))
    b = ds.createVariable("b", "f8", ("t", "site"), zlib=True, chunksizes=(700, 50)); b[:] = rng.random((1400, 200))
PY
"$X" items "$TMP/slab.nc" "$TMP/slab_ex.nc" site 150,3,77,199 || fail "slab extract"
$PY "$check" "$TMP/slab.nc" "$TMP/slab_ex.nc" site 150,3,77,199 | tail -1 || fail "slab extract"

# the other formats (netCDF-4 classic model, classic, 64-bit offset, CDF-5) and a quantized,
# deflated variable (BitRound): kept as they are
$PY - "$TMP" <<'PY' || fail "format fixtures"
import sys, netCDF4, numpy as np
for fmt in ("NETCDF4_CLASSIC", "NETCDF3_CLASSIC", "NETCDF3_64BIT_OFFSET", "NETCDF3_64BIT_DATA", "NETCDF4"):
    with netCDF4.Dataset(f"{sys.argv[1]}/k_{fmt}.nc", "w", format=fmt) as ds:
        ds.createDimension("site", None); ds.createDimension("t", 3); ds.createDimension("s", 5)
        v = ds.createVariable("x", "f4", ("site", "t"), fill_value=-9.0); v[0:4] = np.arange(12).reshape(4, 3)
        n = ds.createVariable("name", "S1", ("site", "s")); n[0:4] = netCDF4.stringtochar(np.array(["a", "bb", "c", "dd"], dtype="S5"))
        la = ds.createVariable("lat", "f8", ("site",)); la.standard_name = "latitude"; la[0:4] = [1, 2, 3, 4]
        c = ds.createVariable("c", "i2", ("t",)); c[:] = [1, 2, 3]
        ds.geospatial_lat_min, ds.geospatial_lat_max = 1.0, 4.0
        if fmt == "NETCDF4":
            q = ds.createVariable("q", "f4", ("site", "t"), significant_digits=3, quantize_mode="BitRound", zlib=True)
            q[0:4] = np.arange(12).reshape(4, 3) * np.float32(np.pi)
PY
for fmt in NETCDF4_CLASSIC NETCDF3_CLASSIC NETCDF3_64BIT_OFFSET NETCDF3_64BIT_DATA NETCDF4; do
  "$X" items "$TMP/k_$fmt.nc" "$TMP/k_${fmt}_ex.nc" site 3,1 || fail "extract of a $fmt file"
  $PY "$check" "$TMP/k_$fmt.nc" "$TMP/k_${fmt}_ex.nc" site 3,1 | tail -1 || fail "extract of a $fmt file"
  [[ $(ncdump -k "$TMP/k_$fmt.nc") == $(ncdump -k "$TMP/k_${fmt}_ex.nc") ]] || fail "$fmt: the extract's format is $(ncdump -k "$TMP/k_${fmt}_ex.nc")"
done
ncdump -hs "$TMP/k_NETCDF4_ex.nc" >"$TMP/k4.cdl"
grep -q 'q:_QuantizeBitRoundNumberOfSignificantBits = ' "$TMP/k4.cdl" && grep -q 'q:_DeflateLevel = ' "$TMP/k4.cdl" ||
  fail "the quantized variable lost its quantization or deflate"
echo "ok: netCDF-4 classic, classic, 64-bit offset and CDF-5 extracts keep their format; a BitRound-quantized variable stays quantized"

# --- 3. errors: a clear message, no file ------------------------------------------------
echo old >"$TMP/ex/kept.nc"
expect_fail "bad dimension" "no dimension 'stations' \(the file has: station, " "$X" items "$src" "$TMP/ex/kept.nc" stations 0
expect_fail "bad region variable" "no variable 'provincia' \(the file has: .*station_name" "$X" regions "$regions_of" station provincia
expect_fail "non-text region variable" "variable 'lat' is not text along 'station'" "$X" regions "$src" station lat
expect_fail "item out of range" "index 8\) is out of range: 'station' has 8" "$X" items "$src" "$TMP/ex/kept.nc" station 1,8
expect_fail "item twice" "station index 1 is selected twice" "$X" items "$src" "$TMP/ex/kept.nc" station 1,2,1
expect_fail "extract over its source" "would replace its source" "$X" items "$src" "$src" station 0
$PY "$REGIA_ROOT/tests/cli/extract_fixture.py" "$TMP/fxc.nc" compound >/dev/null
expect_fail "compound type" "defines 1 user type \(compound, enum, vlen or opaque\)" "$X" items "$TMP/fxc.nc" "$TMP/ex/kept.nc" site 0
$PY - "$TMP" <<'PY' || fail "index fixtures"
import sys, netCDF4
for name, typ, vals in (("float", "f4", [0, 1, 2]), ("range", "i4", [0, 3, -1]), ("neg", "i4", [0, -2, 1])):
    with netCDF4.Dataset(f"{sys.argv[1]}/ix_{name}.nc", "w") as ds:
        ds.createDimension("site", 3)
        v = ds.createVariable("up", typ, ("site",)); v.regia_index_dim = "site"; v[:] = vals
PY
expect_fail "float index variable" "up has regia_index_dim = \"site\" but is not of a signed integer type" \
  "$X" items "$TMP/ix_float.nc" "$TMP/ex/kept.nc" site 0
expect_fail "index out of range" "up: value 3 is neither -1 \(none\) nor an index along 'site' \(0 to 2\)" \
  "$X" items "$TMP/ix_range.nc" "$TMP/ex/kept.nc" site 0,1
expect_fail "negative index" "up: value -2 is neither -1" "$X" items "$TMP/ix_neg.nc" "$TMP/ex/kept.nc" site 1
[[ $(cat "$TMP/ex/kept.nc") == old ]] || fail "a failed extract replaced the older file under its name"
[[ -z $(find "$TMP/ex" -name '*.tmp') ]] || fail "temporary files left: $(find "$TMP/ex" -name '*.tmp')"
for f in "$TMP"/ex/*stations* "$TMP"/fxc_*; do [[ ! -e $f ]] || fail "file left by a failed extract: $f"; done
echo "ok: failed extracts leave no file and keep an older one"

# --- 4. the CF checker on an extract ----------------------------------------------------------
first=$(awk -F'\t' '!/^#/ {print $1; exit}' "$TMP/regions.txt")
cf_checker_find
cf_check "$TMP/ex/env_$first.nc" env || fail "CF/ACDD check of the $first extract"
echo "ok: the $first extract passes cf:1.10 and acdd:1.3 as the env output does"
echo "PASS"
