#!/usr/bin/env bash
# regia evt's products (drivers/evt_products.c): OUT.products/summary.csv has one row per
# series (names, fit status, blocks, GEV parameters with standard errors, return levels with
# their intervals) equal to the NetCDF's; a return-level plot per series for the
# --quicklook-max series of highest longest-period return level, plus the overview, each a
# valid PNG and SVG, all in the manifest.  The figures' curve and band come from the stored
# parameters and covariances (regia_gev_return_level): the delta-method interval recomputed
# here from those variables equals the stored return_level_lower/upper.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 - "$D/in.csv" <<'PY'
import datetime, random, sys
r = random.Random(11)
with open(sys.argv[1], "w") as f:
    f.write("time,value,series_id\n")
    for sid, mu, sg in (("north span", 10.0, 2.0), ("pier_2", 3.0, 0.5), ("deck B01", 6.0, 1.0), ("Ponte é", 1.0, 0.2)):
        d = datetime.datetime(2000, 1, 1, 5, 0)
        while d < datetime.datetime(2021, 1, 1):
            f.write(f'{d:%Y-%m-%dT%H:%M:%SZ},{mu + sg * r.gauss(0, 1):.4f},"{sid}"\n')
            d += datetime.timedelta(hours=13)
PY
"$REGIA" evt --input "$D/in.csv" --output "$D/e.nc" --return-periods 2,10,100 --units m --quicklook-max 2 \
  2>"$D/log" || { cat "$D/log"; fail "regia evt"; }
P=$D/e.products
[[ -f $P/summary.csv ]] || { ls -la "$D"; fail "no $P/summary.csv"; }
grep -q 'products: summary.csv (4 series), 2 return-level figures' "$D/log" || { cat "$D/log"; fail "products log line"; }
/usr/bin/python3 - "$D/e.nc" "$P" "$D/e.manifest.json" <<'PY' || fail "products checks"
import os, sys, math, numpy as np, netCDF4
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc, products_check as pc
nc, pdir, man = sys.argv[1:4]
d = netCDF4.Dataset(nc)
ids = forecast_nc.text(d["series_id"])
g = lambda v: np.ma.filled(d[v][:], np.nan)
gs = lambda v: g(v).T                                  # (return_period, series) in the file: series first
rows = pc.table(f"{pdir}/summary.csv")
assert [r["series_id"] for r in rows] == ids and len(ids) == 4 and "Ponte é" in ids, [r["series_id"] for r in rows]
T = g("return_period")
close = lambda a, b: abs(a - b) <= 1e-5 * max(1.0, abs(b))
for k, r in enumerate(rows):
    assert r["fit_status"] == "ok" and int(r["n_blocks"]) == int(d["n_blocks"][k]) == 21, r
    assert r["first_block"] == "2000-01-01" and r["last_block"] == "2020-01-01" and r["units"] == "m", r
    for v in ("location", "location_se", "scale", "scale_se", "shape", "shape_se"):
        assert close(pc.num(r[v]), g(v)[k]), (v, r[v], g(v)[k])
    for j, t in enumerate(T):
        tt = f"{t:g}"
        assert close(pc.num(r[f"return_level_{tt}"]), gs("return_level")[k, j])
        assert close(pc.num(r[f"lower95_{tt}"]), gs("return_level_lower")[k, j])
        assert close(pc.num(r[f"upper95_{tt}"]), gs("return_level_upper")[k, j])
    # the delta-method interval from the stored parameters and covariances = the stored one
    mu, sg, xi = g("location")[k], g("scale")[k], g("shape")[k]
    V = np.diag([g("location_se")[k], g("scale_se")[k], g("shape_se")[k]]) ** 2
    V[0, 1] = V[1, 0] = g("location_scale_covariance")[k]
    V[0, 2] = V[2, 0] = g("location_shape_covariance")[k]
    V[1, 2] = V[2, 1] = g("scale_shape_covariance")[k]
    for j, t in enumerate(T):
        y = -math.log(1 - 1 / t)
        z = mu - sg / xi * (1 - y ** -xi)
        grad = np.array([1, -(1 - y ** -xi) / xi, sg / xi ** 2 * (1 - y ** -xi) - sg / xi * y ** -xi * math.log(y)])
        se = math.sqrt(grad @ V @ grad)
        assert close(z, gs("return_level")[k, j]) and abs(z - 1.959964 * se - gs("return_level_lower")[k, j]) < 1e-4, \
            (ids[k], t, z, se, gs("return_level_lower")[k, j])
order = sorted(range(4), key=lambda k: -gs("return_level")[k, -1])
slug = lambda s: "-".join("".join(c.lower() if c.isalnum() and c.isascii() else " " for c in s).split())
stems = sorted([f"return_levels_{slug(ids[k])}" for k in order[:2]] + ["return_levels_overview"])
files = sorted(os.listdir(pdir))
assert files == sorted(["summary.csv"] + [s + x for s in stems for x in (".png", ".svg")]), files
for s in stems:
    pc.png(f"{pdir}/{s}.png"); pc.svg(f"{pdir}/{s}.svg")
roles = pc.manifest(man, pdir)
assert roles["summary.csv"] == "summary" and roles["return_levels_overview.png"] == "quicklook", roles
print(f"python: summary.csv = the NetCDF (4 series x 3 return periods); delta-method intervals recomputed; figures {stems}")
PY
echo "ok: summary.csv values = NetCDF; return-level plots of the 2 highest series and the overview; valid PNG/SVG; manifest"
