#!/usr/bin/env bash
# regia forecast's products (drivers/forecast_products.c): OUT.products/summary.csv has one
# row per series (names, model, lambda, last observation, first and last forecast steps with
# their bounds, backtest MASE/sMAPE) equal to the NetCDF's values; one figure (PNG + SVG) per
# series for the --quicklook-max largest series (mean |observed|), each a valid PNG and SVG;
# every product listed in the manifest with its SHA-256; --quicklook-max 0 leaves the table.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 - >"$D/in.csv" <<'PY'
import math, datetime as dt
d0 = dt.date(2024, 1, 1)
print("series_id,time,value")
for k, (sid, level) in enumerate((("Milano Centrale", 900.0), ("bergamo-nord", 40.0), ("Como, lago", 300.0),
                                   ("lodi", 5.0), ("Pavia", 120.0))):
    for i in range(120):
        v = level * (1 + 0.2 * math.sin(2 * math.pi * i / 7 + k)) + 0.05 * level * math.sin(12.9898 * i + k)
        print(f'"{sid}",{d0 + dt.timedelta(days=i)},{v:.3f}')
for i in range(3):  # too short to fit
    print(f"short,{d0 + dt.timedelta(days=i)},{10 + i}")
PY
run_np 2 forecast --input "$D/in.csv" --season 7 --horizon 10 --backtest 2 --quicklook-max 3 --output "$D/f.nc" \
  2>"$D/log" || { cat "$D/log"; fail "regia forecast"; }
P=$D/f.products
[[ -d $P && -f $P/summary.csv ]] || { ls -la "$D"; fail "no $P/summary.csv"; }
grep -q 'products: summary.csv (6 series), 3 forecast figures' "$D/log" || { cat "$D/log"; fail "products log line"; }
/usr/bin/python3 - "$D/f.nc" "$P" "$D/f.manifest.json" <<'PY' || fail "products checks"
import os, sys, math, numpy as np, netCDF4
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc, products_check as pc
nc, pdir, man = sys.argv[1:4]
d = netCDF4.Dataset(nc)
ids, models = forecast_nc.ids(d), forecast_nc.models(d)
rows = pc.table(f"{pdir}/summary.csv")
assert [r["series_id"] for r in rows] == ids and len(ids) == 6, [r["series_id"] for r in rows]
t = np.ma.filled(d["time"][:], np.nan)
obs = np.ma.filled(d["observed"][:], np.nan)
day = lambda s: str(np.datetime64(int(s), "s"))[:10]
close = lambda a, b: (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-5 * max(1.0, abs(b))
mase = np.ma.filled(d["backtest_series_mase"][:], np.nan)
smape = np.ma.filled(d["backtest_series_smape"][:], np.nan)
lam = np.ma.filled(d["boxcox_lambda"][:], np.nan)
checked = 0
for k, r in enumerate(rows):
    assert r["model"] == models[k], (r, models[k])
    assert int(r["n_obs"]) == int(d["n_obs"][k])
    assert close(pc.num(r["boxcox_lambda"]), lam[k])
    io = np.flatnonzero(~np.isnan(obs[:, k]))
    assert r["last_observed_time"] == day(t[io[-1]]) and close(pc.num(r["last_observed"]), obs[io[-1], k]), r
    ft, fc, lo, up = forecast_nc.steps(d, k)
    if not len(fc):
        assert r["model"] == "" and r["forecast_first"] == "" and r["lo80_first"] == "", r
        continue
    for col, i in (("first", 0), ("last", -1)):
        assert r[f"{'first' if i == 0 else 'last'}_forecast_time"] == day(ft[i]), (r, day(ft[i]))
        assert close(pc.num(r[f"forecast_{col}"]), fc[i]), (col, r, fc[i])
        for l, lev in enumerate((80, 95)):
            assert close(pc.num(r[f"lo{lev}_{col}"]), lo[l, i]) and close(pc.num(r[f"hi{lev}_{col}"]), up[l, i]), (r, lev)
    assert abs(pc.num(r["backtest_mase"]) - mase[k]) <= 5e-5, (r["backtest_mase"], mase[k])
    assert abs(pc.num(r["backtest_smape_percent"]) - smape[k]) <= 5e-4, (r["backtest_smape_percent"], smape[k])
    checked += 1
assert checked == 5, checked
# figures: the 3 largest series by mean |observed|, PNG + SVG each
size = {ids[k]: np.nanmean(np.abs(obs[:, k])) for k in range(6) if models[k]}
want = sorted(size, key=lambda s: -size[s])[:3]
slug = lambda s: "-".join("".join(c.lower() if c.isalnum() and c.isascii() else " " for c in s).split())
stems = sorted(f"forecast_{slug(s)}" for s in want)
files = sorted(os.listdir(pdir))
assert files == sorted(["summary.csv"] + [s + x for s in stems for x in (".png", ".svg")]), files
for s in stems:
    w, h = pc.png(f"{pdir}/{s}.png")
    pc.svg(f"{pdir}/{s}.svg")
roles = pc.manifest(man, pdir)
assert roles["summary.csv"] == "summary" and all(roles[s + ".png"] == "quicklook" and roles[s + ".svg"] == "quicklook-svg"
                                                 for s in stems), roles
print(f"python: summary.csv = the NetCDF for {checked} fitted series (+1 unfitted, empty cells); figures {stems}, "
      f"PNG {w} x {h}, SVG parsed; manifest lists {len(roles)} products with SHA-256")
PY
echo "ok: summary.csv values = NetCDF; the 3 largest series drawn; valid PNG/SVG; manifest"

# regia quicklook makes the same files again from the output alone
"$REGIA" quicklook "$D/f.nc" --out-dir "$D/ql" --quicklook-max 3 -q || fail "regia quicklook"
[[ $(cd "$D/ql/f.products" && ls) == $(cd "$P" && ls) ]] || fail "quicklook: $(ls "$D/ql/f.products") vs $(ls "$P")"
cmp "$D/ql/f.products/summary.csv" "$P/summary.csv" || fail "quicklook: another summary.csv"
echo "ok: regia quicklook remakes the same files (summary.csv byte for byte)"

run_np 1 forecast --input "$D/in.csv" --season 7 --horizon 10 --quicklook-max 0 --output "$D/g.nc" -q \
  || fail "--quicklook-max 0"
[[ $(ls "$D/g.products") == summary.csv ]] || fail "--quicklook-max 0: $(ls "$D/g.products")"
echo "ok: --quicklook-max 0 makes the summary only"
echo "ok: regia forecast products"
