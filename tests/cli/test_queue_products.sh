#!/usr/bin/env bash
# regia queue's products (drivers/queue_products.c): OUT.products/summary.csv has one row per
# priority class (name, rank, rates, customers, mean wait with its standard error, P(W > 0),
# P(W > t) at every --t and the quantiles) equal to the NetCDF's; the risk figure
# queue_risk.png/.svg is a valid PNG and SVG; every product is in the manifest.
source "$(dirname "$0")/lib.sh"
D=$TMP
run_np 2 queue --classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 --customers 20000 --warmup 50 \
  --reps 8 --t 0.5,1,2 --quantiles 0.5,0.9 --output "$D/q.nc" 2>"$D/log" || { cat "$D/log"; fail "regia queue"; }
P=$D/q.products
[[ -f $P/summary.csv ]] || { ls -la "$D"; fail "no $P/summary.csv"; }
grep -q 'products: summary.csv (4 classes) and the risk figure' "$D/log" || { cat "$D/log"; fail "products log line"; }
/usr/bin/python3 - "$D/q.nc" "$P" "$D/q.manifest.json" <<'PY' || fail "products checks"
import os, sys, numpy as np, netCDF4
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc, products_check as pc
nc, pdir, man = sys.argv[1:4]
d = netCDF4.Dataset(nc)
g = lambda v: np.ma.filled(d[v][:].astype(float), np.nan)
rows = pc.table(f"{pdir}/summary.csv")
names = forecast_nc.text(d["class_name"])
assert [r["class_name"] for r in rows] == names == ["U", "B", "D", "P"], [r["class_name"] for r in rows]
close = lambda a, b: abs(a - b) <= 1e-5 * max(1e-3, abs(b))
for k, r in enumerate(rows):
    assert int(r["priority_rank"]) == k + 1 and r["time_unit"] == "hour", r
    assert int(r["customers"]) == int(d["customers"][k]) and int(r["unserved"]) == int(d["unserved"][k]), r
    for v in ("arrival_rate", "service_mean", "service_cv", "wait_mean", "wait_mean_se", "wait_sd", "p_wait", "p_wait_se"):
        assert close(pc.num(r[v]), g(v)[k]), (v, r[v], g(v)[k])
    for j, t in enumerate((0.5, 1, 2)):
        assert close(pc.num(r[f"p_wait_gt_{t:g}"]), g("p_wait_gt")[j, k]), (t, r)
        assert close(pc.num(r[f"p_wait_gt_{t:g}_se"]), g("p_wait_gt_se")[j, k]), (t, r)
    for j, q in enumerate((50, 90)):
        assert close(pc.num(r[f"wait_q{q}"]), g("wait_quantile")[j, k]), (q, r)
# priority: lower classes wait longer (the figure's story)
w = [pc.num(r["wait_mean"]) for r in rows]
assert w == sorted(w), w
files = sorted(os.listdir(pdir))
assert files == ["queue_risk.png", "queue_risk.svg", "summary.csv"], files
pc.png(f"{pdir}/queue_risk.png"); pc.svg(f"{pdir}/queue_risk.svg")
roles = pc.manifest(man, pdir)
assert roles == {"summary.csv": "summary", "queue_risk.png": "quicklook", "queue_risk.svg": "quicklook-svg"}, roles
print(f"python: summary.csv = the NetCDF for 4 classes (mean waits {', '.join(f'{x:.3f}' for x in w)} h); figure valid")
PY
echo "ok: summary.csv values = NetCDF; queue_risk PNG/SVG valid; manifest"
