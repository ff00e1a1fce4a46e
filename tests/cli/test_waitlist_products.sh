#!/usr/bin/env bash
# regia waitlist's products (drivers/waitlist_products.c, docs/waitlist-products.md) on the
# fixture's three services (two visits guaranteed per district, a CT per ASL; districts D1,
# D2 in ASL A1, D3 in A2), k = 5 so that some cells are published and others suppressed:
#   - OUT.products/ holds summary.csv and the figures, each listed in the manifest;
#   - summary.csv: UTF-8 with BOM, one row per service x area x class U B D P, names equal
#     to the output's (services, areas), every value equal to the output's (empty exactly
#     where the output has NaN / a fill value), SDC status names equal to sdc_status_*;
#   - suppressed cells stay suppressed: no count, share or statistic of a suppressed cell
#     (sdc_status != published, or NaN in the output) appears in the table;
#   - figures: the two overviews always, per-item figures at most [job] quicklook_max, each
#     a PNG (signature, size) and an SVG that parses as XML; none when products = no;
#   - regia quicklook remakes the same files (the same summary.csv, byte for byte);
#   - a district's extract (regia/extract.h, by the domain's item_dim/region_var) gets its
#     own products: rows of that district only, values equal to the extract's.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c 'import netCDF4, numpy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 / numpy"
cd "$TMP"
$PY "$REGIA_ROOT/tests/cli/waitlist_fixture.py" bookings.nc 150
cat > agendas.csv <<'EOF'
provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to
PR1,Ospedale,AG1,89.7A.3,D1,40,12345,2024-01-01,
PR1,Ospedale,AG2,89.13,D2,20,12345,2024-01-01,
PR2,Clinica,AG4,89.13,D1,12,135,2024-01-01,
PR3,Centro,AG5,89.13,D3,25,12345,2024-01-01,
PR1,Ospedale,AG3,87.41,D3,20,135,2024-01-01,
EOF
job() { # job NAME QUICKLOOK_MAX [PRODUCTS]
  printf '[job]\ndomain = waitlist\noutput = %s.nc\nthreads = 1\nquicklook_max = %s\nproducts = %s\n' "$1" "$2" "${3:-yes}"
  printf '[waitlist]\ninput = bookings.nc\nagendas = agendas.csv\nas_of = 2025-04-01\n'
  printf '[privacy]\nk = 5\n[demand]\nhorizon = 6\n[risk]\npaths = 100\nweeks = 4\n[allocation]\nmax_extra = 20\n'
}
job wl 3 > wl.ini
job none 3 no > none.ini
run_np 2 waitlist wl.ini > wl.log 2>&1 || { cat wl.log; fail "regia waitlist failed"; }
grep -q "products: " wl.log || { cat wl.log; fail "the log does not report the products"; }
grep -Eq "waitlist products: .*(likely to miss|no service x area cell)" wl.log || fail "no at-risk note in the log"
[[ -d wl.products ]] || fail "no wl.products directory beside wl.nc"
run_np 1 waitlist none.ini > none.log 2>&1 || { cat none.log; fail "regia waitlist with products = no failed"; }
[[ ! -e none.products ]] || fail "products = no still made none.products"
echo "ok: wl.products made, none with products = no"
"$REGIA" quicklook wl.nc --out-dir again --quicklook-max 3 > again.log 2>&1 || { cat again.log; fail "regia quicklook failed"; }
diff <(ls wl.products) <(ls again/wl.products) || fail "regia quicklook made another set of files"
cmp wl.products/summary.csv again/wl.products/summary.csv || fail "regia quicklook made another summary.csv"
echo "ok: regia quicklook remakes the same $(ls wl.products | wc -l) files, the same summary.csv"
X=$BUILD/tools/nc_extract
if [[ -x $X ]]; then
  "$X" region wl.nc d1.nc area area_name "Distretto Uno" || fail "nc_extract of Distretto Uno failed"
  "$REGIA" quicklook d1.nc --out-dir ex --quicklook-max 4 > ex.log 2>&1 || { cat ex.log; fail "regia quicklook of the extract failed"; }
  EXTRACT=ex/d1.products
else
  echo "note: no $X (make tests builds it): the extract's products are not checked"
  EXTRACT=
fi

EXTRACT=$EXTRACT REGIA_ROOT=$REGIA_ROOT $PY - <<'PY' || fail "summary and figure checks"
import csv, json, math, os, sys, xml.etree.ElementTree as ET
import numpy as np
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/cli")
from waitlist_layout import Output

def check(nc, pdir, max_items, manifest):
  d = Output(nc)
  text, val = d.text, d.val
  scode, sname, acode, aname, cname = (text(n) for n in ("service_code", "service_name", "area_code", "area_name", "class_name"))
  mreq = 0  # count_requests_* is measure 0 of val("count_week")

  raw = open(f"{pdir}/summary.csv", "rb").read()
  assert raw.startswith(b"\xef\xbb\xbf"), "summary.csv has no UTF-8 byte-order mark"
  assert b"\r\n" in raw, "summary.csv lines do not end in CRLF"
  rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
  ns, na = len(scode), len(acode)
  assert len(rows) == ns * na * 4, f"{len(rows)} rows, expected {ns} x {na} x 4"
  print(f"ok: {len(rows)} rows = {ns} services x {na} areas x 4 classes")

  # the latest complete week before as_of and its month
  ws = val("week"); wb = val("week_bounds").T; wm = val("week_month").astype(int)
  import datetime as dt
  from zoneinfo import ZoneInfo
  as_of = dt.datetime.strptime(d.attrs["as_of"], "%Y-%m-%d").replace(tzinfo=ZoneInfo("Europe/Rome")).timestamp()
  w = max(i for i in range(len(ws)) if wb[i, 1] <= as_of)
  m = wm[w] if w + 1 >= len(ws) or wm[w + 1] != wm[w] else wm[w] - 1
  wk = dt.datetime.fromtimestamp(ws[w], ZoneInfo("Europe/Rome")).strftime("%Y-%m-%d")
  mo = d.month_names()[m]

  LIGHT = ["green", "yellow", "red"]
  SDC = ["published", "primary_suppressed", "secondary_suppressed"]
  METH = ["suppressed", "ets", "croston_classic", "croston_sba", "croston_optimized", "tsb", "adida", "imapa"]
  LEV = ["district", "asl", "region"]
  V = {n: val(n) for n in ("limit", "target", "share_ex_ante_week", "light_week", "share_ex_ante_month",
                           "share_ex_post_month", "wait_median_month", "wait_p90_month", "light_month",
                           "demand_forecast", "demand_lower", "demand_upper", "demand_method", "nhsr_demand",
                           "risk_share_mean", "risk_p_miss", "alloc_extra_slots", "alloc_added_slots",
                           "alloc_spare_slots", "alloc_target_met", "alloc_reserve_slots", "service_kind",
                           "service_area_level", "area_level")}
  cw = val("count_week")[..., mreq]; sw = val("sdc_status_week")[..., mreq]
  cm = val("count_month")[..., mreq]; sm = val("sdc_status_month")[..., mreq]
  iv = val("interval")

  def num(cell, ref, dec, what):
      if math.isnan(ref):
          assert cell == "", f"{what}: '{cell}' where the output has NaN / a fill value"
          return 0
      assert cell != "", f"{what}: empty, the output has {ref}"
      assert abs(float(cell) - ref) <= 0.5 * 10 ** -dec + 1e-9, f"{what}: {cell} != {ref}"
      return 1
  def name(cell, ref, names, what, first=0):
      exp = "" if math.isnan(ref) else names[int(ref) - first]
      assert cell == exp, f"{what}: '{cell}' != '{exp}'"

  checked = published = suppressed = 0
  for r in rows:
      s, a, c = scode.index(r["service_code"]), acode.index(r["area_code"]), cname.index(r["class"])
      where = f"row {r['service_code']} {r['area_code']} {r['class']}"
      assert r["service_name"] == sname[s] and r["service_name"], f"{where}: service name"
      assert r["area_name"] == aname[a] and r["area_name"], f"{where}: area name"
      name(r["area_level"], V["area_level"][a], LEV, where + " area_level")
      name(r["guarantee_area_level"], V["service_area_level"][s], LEV, where + " guarantee_area_level")
      assert r["service_kind"] == ("diagnostic" if V["service_kind"][s] == 1 else "visit"), where
      assert r["week_start"] == wk and r["month"] == mo, f"{where}: week {r['week_start']} / month {r['month']} != {wk} / {mo}"
      n = 0
      n += num(r["limit_days"], V["limit"][s, c], 3, where + " limit")
      n += num(r["target_percent"], V["target"][s, c], 1, where + " target")
      n += num(r["requests_week"], cw[s, a, c, w], 0, where + " requests_week")
      name(r["requests_week_sdc"], sw[s, a, c, w], SDC, where + " requests_week_sdc")
      n += num(r["share_ex_ante_week"], V["share_ex_ante_week"][s, a, c, w], 2, where + " share_ex_ante_week")
      name(r["light_week"], V["light_week"][s, a, c, w], LIGHT, where + " light_week")
      n += num(r["requests_month"], cm[s, a, c, m], 0, where + " requests_month")
      name(r["requests_month_sdc"], sm[s, a, c, m], SDC, where + " requests_month_sdc")
      for col, var, dec in (("share_ex_ante_month", "share_ex_ante_month", 2), ("share_ex_post_month", "share_ex_post_month", 2),
                            ("wait_median_days_month", "wait_median_month", 3), ("wait_p90_days_month", "wait_p90_month", 3)):
          n += num(r[col], V[var][s, a, c, m], dec, f"{where} {col}")
      name(r["light_month"], V["light_month"][s, a, c, m], LIGHT, where + " light_month")
      name(r["demand_method"], V["demand_method"][s, a, c], METH, where + " demand_method", first=-1)
      n += num(r["forecast_demand_week1"], V["demand_forecast"][s, a, c, 0], 3, where + " forecast")
      for i, lev in enumerate(iv):
          n += num(r[f"forecast_lower_{lev:g}_week1"], V["demand_lower"][s, a, c, i, 0], 3, f"{where} lower {lev:g}")
          n += num(r[f"forecast_upper_{lev:g}_week1"], V["demand_upper"][s, a, c, i, 0], 3, f"{where} upper {lev:g}")
      n += num(r["forecast_demand_mean_risk_weeks"], V["nhsr_demand"][s, a, c], 3, where + " nhsr_demand")
      n += num(r["risk_share_within_week1_percent"], 100 * V["risk_share_mean"][s, a, c, 0], 2, where + " risk share")
      n += num(r["p_miss_week1"], V["risk_p_miss"][s, a, c, 0], 4, where + " p_miss_week1")
      pm = V["risk_p_miss"][s, a, c]
      n += num(r["p_miss_max"], np.nanmax(pm) if np.isfinite(pm).any() else np.nan, 4, where + " p_miss_max")
      for col, var in (("area_extra_slots_week", "alloc_extra_slots"), ("area_added_slots_week", "alloc_added_slots"),
                       ("area_spare_slots_week", "alloc_spare_slots")):
          n += num(r[col], V[var][s, a], 0, f"{where} {col}")
      met = V["alloc_target_met"][s, a]
      assert r["area_target_reachable"] == ("" if math.isnan(met) else "yes" if met == 1 else "no"), where
      n += num(r["reserve_slots_week"], V["alloc_reserve_slots"][s, a, c], 0, where + " reserve")
      checked += n
      # disclosure control: a suppressed count is never in the table, nor a statistic the output blanked
      if sw[s, a, c, w] != 0:
          assert r["requests_week"] == "" and r["share_ex_ante_week"] == "", f"{where}: a suppressed week shows values"
          suppressed += 1
      else:
          published += 1
      if sm[s, a, c, m] != 0:
          assert r["requests_month"] == "", f"{where}: a suppressed month count shows a value"
  assert checked > 5 * len(rows), f"only {checked} values compared"
  if manifest:  # the whole output (an extract of one district may lack either)
      assert suppressed > 0 and published > 0, f"the fixture should have both published ({published}) and suppressed ({suppressed}) weekly cells"
  print(f"ok: {checked} values equal the output's; {suppressed} suppressed latest-week cells stay empty, {published} published")

  # figures: overviews always, per-item ones at most quicklook_max, PNG + SVG each, in the manifest
  files = sorted(os.listdir(pdir))
  png = [f for f in files if f.endswith(".png")]
  stems = [f[:-4] for f in png]
  assert "compliance" in stems and "capacity" in stems, f"overview figures missing: {stems}"
  items = [s for s in stems if s not in ("compliance", "capacity")]
  assert 1 <= len(items) <= max_items, f"{len(items)} per-item figures with quicklook_max = {max_items}: {items}"
  assert any(s.startswith("risk-") for s in items), f"no risk fan among {items}"
  for s in stems:
      b = open(f"{pdir}/{s}.png", "rb").read()
      assert b[:8] == b"\x89PNG\r\n\x1a\n" and len(b) > 20000, f"{s}.png is not a PNG figure ({len(b)} bytes)"
      root = ET.parse(f"{pdir}/{s}.svg").getroot()
      assert root.tag.endswith("svg"), f"{s}.svg: root element {root.tag}"
  if manifest:
      listed = json.dumps(json.load(open(manifest)))
      for f in files:
          assert f in listed, f"{f} is not in the manifest"
  print(f"ok: figures {stems}: valid PNG and SVG" + (f", all {len(files)} files in the manifest" if manifest else ""))
  return ns, na

check("wl.nc", "wl.products", 3, "wl.manifest.json")
if os.environ.get("EXTRACT"):
    ns, na = check("d1.nc", os.environ["EXTRACT"], 4, None)
    assert na == 1, f"the extract of Distretto Uno has {na} areas"
    rows = list(csv.DictReader(open(os.environ["EXTRACT"] + "/summary.csv", encoding="utf-8-sig")))
    assert {r["area_name"] for r in rows} == {"Distretto Uno"}, "the extract's table names other areas"
    print("ok: the district extract's products hold Distretto Uno only")
PY
echo "PASS"
