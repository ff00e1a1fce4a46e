#!/usr/bin/env bash
# The products step of the run skeleton (issue 12), with regia forecast's products hook:
# OUTPUT_STEM.products/ beside the output, every file in the manifest with its role,
# SHA-256 and title, no temporary directory left; a rerun replaces the directory (a stray
# file goes); a fault at the products phase on any rank leaves no output, no manifest and
# no products directory (and an older run's files untouched); --no-products / [job]
# products = no makes none and removes an older directory; --quicklook-max and [job]
# quicklook_max limit the per-item figures; regia quicklook makes the same file set again
# (same summary table) beside the output or in --out-dir, and warns about an output changed
# since its manifest; a file that is no regia output is refused, naming the attribute.
source "$(dirname "$0")/lib.sh"
D=$TMP
help=$("$REGIA" forecast --help 2>&1) || true
grep -q -- '--products' <<<"$help" ||
  skip "regia forecast has no products hook in this build (drivers/forecast_products.c)"
/usr/bin/python3 - >"$D/in.csv" <<'PY'
import math, datetime as dt
print("series_id,time,value")
d0 = dt.date(2024, 1, 1)
for k in range(1, 5):
    for i in range(120):
        noise = math.sin(12.9898 * i + 78.233 * k) * 43758.5453 % 2 - 1
        v = 40 + 10 * k + 6 * math.sin(2 * math.pi * i / 7 + k) + 0.05 * i + 2 * noise
        print(f"s{k},{(d0 + dt.timedelta(days=i)).isoformat()},{v:.3f}")
PY
# check_products STEM: the manifest lists exactly the files of STEM.products/ with matching
# SHA-256, roles and titles; PNGs are PNGs, SVGs parse as XML; nothing temporary is left.
check_products() {
  /usr/bin/python3 - "$1" <<'PY'
import sys, os, json, hashlib, xml.dom.minidom
stem = sys.argv[1]; d = stem + ".products"; base = os.path.dirname(stem)
m = json.load(open(stem + ".manifest.json"))
prod = [o for o in m["outputs"] if "/" in o["path"]]
names = sorted(os.listdir(d))
listed = sorted(o["path"].split("/", 1)[1] for o in prod)
assert names == listed, f"directory {names} != manifest {listed}"
assert all(o["path"].startswith(os.path.basename(d) + "/") for o in prod), "products not under STEM.products/"
for o in prod:
    p = os.path.join(base, o["path"])
    assert hashlib.sha256(open(p, "rb").read()).hexdigest() == o["sha256"], f"{p}: SHA-256 differs"
    assert o["role"] and o.get("title"), f"{p}: role or title missing: {o}"
    if p.endswith(".png"):
        assert open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"{p}: not a PNG"; assert o["role"] == "quicklook", o
    if p.endswith(".svg"):
        xml.dom.minidom.parse(p); assert o["role"] == "quicklook-svg", o
assert any(o["role"] == "summary" for o in prod), "no summary table"
assert "products" in m["timings_s"], "no products timing"
left = [f for f in os.listdir(base) if ".tmp" in f]
assert not left, f"temporary files left: {left}"
print(f"ok: {len(prod)} products listed with SHA-256 ({', '.join(sorted(set(o['role'] for o in prod)))})")
PY
}
nfig() { ls "$1" | grep -c '\.png$' || true; }

run_np 2 forecast --input "$D/in.csv" --season 7 --horizon 10 --output "$D/fc.nc" >"$D/run1.log" 2>&1 ||
  { cat "$D/run1.log"; fail "forecast with products"; }
check_products "$D/fc" || fail "products of the first run"
grep -q 'products: .* files for fc.products' "$D/run1.log" || fail "the log does not say the products: $(cat "$D/run1.log")"
(($(nfig "$D/fc.products") == 4)) || fail "4 series should give 4 figures, got $(nfig "$D/fc.products")"

# a rerun replaces the directory as a whole
touch "$D/fc.products/stale.txt"
run_np 2 forecast --input "$D/in.csv" --season 7 --horizon 10 --output "$D/fc.nc" >/dev/null 2>&1 || fail "rerun"
[[ ! -e $D/fc.products/stale.txt ]] || fail "the rerun left a stray file of the older products directory"
check_products "$D/fc" || fail "products of the rerun"
echo "ok: a rerun replaces the products directory"

# a fault at the products phase, on rank 1 and on rank 0: no output, no manifest, no directory
for r in 1 0; do
  expect_fail "fault at products on rank $r" "fault injected at products on rank $r" \
    env REGIA_FAULT=products:$r mpirun -np 2 --oversubscribe "$REGIA" forecast --input "$D/in.csv" --season 7 \
    --horizon 10 --output "$D/f$r.nc"
  for f in "f$r.nc" "f$r.manifest.json" "f$r.products" "f${r}_forecast.csv"; do
    [[ ! -e $D/$f ]] || fail "fault on rank $r left $f"
  done
  ! ls "$D" | grep -q '\.tmp' || fail "fault on rank $r left temporary files: $(ls "$D" | grep '\.tmp')"
done
# ... and an older run's output and products stay as they were
before=$(cd "$D" && sha256sum fc.nc fc.manifest.json fc.products/*)
expect_fail "fault at products over an older run" "fault injected at products" \
  env REGIA_FAULT=products:0 mpirun -np 2 --oversubscribe "$REGIA" forecast --input "$D/in.csv" --season 7 \
  --horizon 12 --output "$D/fc.nc"
[[ $(cd "$D" && sha256sum fc.nc fc.manifest.json fc.products/*) == "$before" ]] ||
  fail "a failed run changed the older output or its products"
echo "ok: a failed products step commits nothing and leaves the older run's files"

# --no-products: none made, an older directory removed, none in the manifest
cp -r "$D/fc.products" "$D/np.products"
run_np 1 forecast --input "$D/in.csv" --season 7 --horizon 10 --no-products --output "$D/np.nc" >/dev/null 2>&1 ||
  fail "--no-products"
[[ ! -e $D/np.products ]] || fail "--no-products left an older products directory"
! grep -q '\.products/' "$D/np.manifest.json" || fail "--no-products: products in the manifest"
echo "ok: --no-products"

# the per-item figure limit, as an option and as a job-file key
run_np 1 forecast --input "$D/in.csv" --season 7 --horizon 10 --quicklook-max 1 --output "$D/q1.nc" >/dev/null 2>&1 ||
  fail "--quicklook-max 1"
(($(nfig "$D/q1.products") == 1)) || fail "--quicklook-max 1: $(nfig "$D/q1.products") figures"
cat >"$D/job.ini" <<EOF
[job]
name = products-test
output = q2.nc
quicklook_max = 2
[forecast]
input = in.csv
season = 7
horizon = 10
EOF
if run_np 1 forecast "$D/job.ini" >"$D/job.log" 2>&1; then
  (($(nfig "$D/q2.products") == 2)) || fail "[job] quicklook_max = 2: $(nfig "$D/q2.products") figures"
  check_products "$D/q2" || fail "products of the job-file run"
  echo "ok: [job] quicklook_max"
else
  grep -q "quicklook_max" "$D/job.log" && fail "the job file's [job] quicklook_max is refused: $(cat "$D/job.log")"
  echo "note: the forecast job file is laid out differently here: $(head -1 "$D/job.log")"
fi

# regia quicklook: the same file set from the output alone, beside it or in --out-dir
( cd "$D" && ls fc.products ) >"$D/set.run"
sha_sum=$(sha256sum <"$D/fc.products/summary.csv")
run_np 1 quicklook "$D/fc.nc" --out-dir "$D/ql" >"$D/ql.log" 2>&1 || { cat "$D/ql.log"; fail "regia quicklook --out-dir"; }
( cd "$D/ql" && ls fc.products ) >"$D/set.ql"
diff "$D/set.run" "$D/set.ql" || fail "regia quicklook made another file set"
[[ $(sha256sum <"$D/ql/fc.products/summary.csv") == "$sha_sum" ]] || fail "regia quicklook: another summary table"
same=0; for f in "$D"/fc.products/*; do cmp -s "$f" "$D/ql/fc.products/$(basename "$f")" && same=$((same + 1)); done
echo "ok: regia quicklook --out-dir: the same $(wc -l <"$D/set.run") files ($same byte-identical)"
rm -rf "$D/fc.products"
run_np 1 quicklook "$D/fc.nc" >/dev/null 2>&1 || fail "regia quicklook beside the output"
( cd "$D" && ls fc.products ) | diff "$D/set.run" - || fail "regia quicklook beside the output: another file set"
! ls "$D" | grep -q '\.tmp' || fail "regia quicklook left temporary files"
echo "ok: regia quicklook beside the output"
# an output changed since the run: quicklook says so (the manifest's SHA-256 no longer matches)
mkdir -p "$D/chg" && cp "$D/fc.nc" "$D/fc.model.nc" "$D/fc.manifest.json" "$D/fc_forecast.csv" "$D/chg/"
ncatted -h -a comment,global,o,c,"changed after the run" "$D/chg/fc.nc"
run_np 1 quicklook "$D/chg/fc.nc" >"$D/chg.log" 2>&1 || { cat "$D/chg.log"; fail "quicklook of a changed output"; }
grep -q "differs from the file .*fc.manifest.json lists" "$D/chg.log" || fail "no warning for a changed output: $(cat "$D/chg.log")"
echo "ok: regia quicklook warns about an output changed since its manifest"
ncgen -k nc4 -o "$D/plain.nc" <<<'netcdf plain { dimensions: x = 2 ; variables: int x(x) ; data: x = 1, 2 ; }'
expect_fail "quicklook of a file that is no regia output" "no global attribute regia_domain" \
  "$REGIA" quicklook "$D/plain.nc"
expect_fail "quicklook without a file" "expected OUTPUT.nc" "$REGIA" quicklook
echo "PASS"
