#!/usr/bin/env bash
# regia stage JOB copies everything the run's manifest lists as outputs: the summary, the
# extra outputs (here the sensors' detail HDF5, written by [job] detail into another
# directory than the output), the products directory, then the manifest; each copy equals
# its source byte for byte.  A file changed after the run (its SHA-256 no longer the one
# the manifest records) and a listed product that is missing are refused, naming the file,
# and a refused stage leaves no staged manifest behind.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, scipy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 or scipy"
/usr/bin/python3 "$REGIA_ROOT/tests/cli/sensors_fixture.py" "$D/store.h5" 6 6 120
mkdir -p "$D/det"
cat >"$D/s.ini" <<'INI'
[job]
domain = sensors
output = s.nc
detail = det/x_detail.h5
[input]
store = store.h5
[records]
length = 120
[welch]
nperseg = 512
[ssi]
orders = 2:20:2
fmax = 12
[novelty]
model = linear
training_days = 3
[slurm]
profile = local
stage_to = staged
INI
run_np 1 sensors "$D/s.ini" >"$D/s.log" 2>&1 || { cat "$D/s.log"; fail "regia sensors"; }
[[ -s $D/det/x_detail.h5 && -d $D/s.products ]] || fail "the run wrote no detail or no products: $(ls -R "$D")"
"$REGIA" stage "$D/s.ini" >"$D/stage.log" 2>&1 || { cat "$D/stage.log"; fail "stage of the sensors job"; }
for f in s.nc x_detail.h5 s.manifest.json; do
  src=$D/$f; [[ $f == x_detail.h5 ]] && src=$D/det/$f
  cmp -s "$src" "$D/staged/$f" || fail "staged $f missing or different: $(ls "$D/staged")"
done
diff -r "$D/s.products" "$D/staged/s.products" >/dev/null || fail "staged products differ"
/usr/bin/python3 - "$D/staged" <<'PY' || fail "the staged files are not the manifest's"
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(d + "/s.manifest.json"))
for f in m["outputs"]:
    p = os.path.join(d, f["path"])
    assert os.path.isfile(p), "not staged: " + f["path"]
    assert hashlib.sha256(open(p, "rb").read()).hexdigest() == f["sha256"], f["path"]
print("ok: %d outputs of the manifest staged with its SHA-256" % len(m["outputs"]))
PY
echo "ok: regia stage copies the summary, the detail from [job] detail's directory, the products and the manifest"
rm -rf "$D/staged"
printf 'x' >>"$D/det/x_detail.h5"
expect_fail "stage of a detail changed after the run" \
  "x_detail.h5 has sha256 [0-9a-f]{16}\.\.\., but the run's manifest records [0-9a-f]{16}\.\.\.: the file changed after the run" \
  "$REGIA" stage "$D/s.ini"
[[ ! -e $D/staged/s.manifest.json && ! -e $D/staged/x_detail.h5 ]] || fail "a refused stage left a manifest or the detail"
truncate -s -1 "$D/det/x_detail.h5"
fig=$(ls "$D/s.products" | grep '\.png$' | head -1)
[[ -n $fig ]] || fail "no figure among the products"
mv "$D/s.products/$fig" "$D/$fig"
expect_fail "stage with a listed product missing" "the manifest lists s.products/$fig, but .*s.products/$fig is missing" \
  "$REGIA" stage "$D/s.ini"
[[ ! -e $D/staged/s.manifest.json ]] || fail "a refused stage left a manifest"
mv "$D/$fig" "$D/s.products/$fig"
"$REGIA" stage "$D/s.ini" >/dev/null 2>&1 || fail "stage after the files were restored"
echo "ok: restored files stage again"
