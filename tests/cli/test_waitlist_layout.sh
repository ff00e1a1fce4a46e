#!/usr/bin/env bash
# The layout of the `regia waitlist` output for its readers (issue 12, docs/waitlist.md):
#   - `cdo sinfo` prints no warning on the output nor on its monthly file, and `cdo
#     showname` lists their main variables (CDO 2.1: time first, at most 3 other
#     dimensions, one character coordinate per dimension, no char data variable);
#   - xarray selects by service code, area name and class name, the forecast and risk
#     weeks by date (week is the time coordinate; forecast_step, risk_step say which);
#   - the integer index variables carry regia_index_dim (the dimension their values index);
#   - the monthly file is named by monthly_file, names the output in weekly_file, and is in
#     the manifest (role monthly) with its SHA-256.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
command -v cdo >/dev/null || skip "no cdo command (apt-get install cdo)"
$PY -c 'import netCDF4, numpy, xarray' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 / numpy / xarray"
cd "$TMP"
$PY "$REGIA_ROOT/tests/cli/waitlist_fixture.py" bookings.nc 60
cat > agendas.csv <<'EOF'
provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to
PR1,Ospedale,AG1,89.7A.3,D1,40,12345,2024-01-01,
PR1,Ospedale,AG2,89.13,D2,20,12345,2024-01-01,
PR1,Ospedale,AG3,87.41,D3,20,135,2024-01-01,
EOF
printf '%s\n' '[job]' 'domain = waitlist' 'output = wl.nc' 'products = no' '[waitlist]' 'input = bookings.nc' \
  'agendas = agendas.csv' 'as_of = 2025-04-01' '[privacy]' 'k = 5' '[demand]' 'horizon = 3' 'levels = 80, 97.5' \
  '[risk]' 'paths = 50' 'weeks = 5' >wl.ini
run_np 2 waitlist wl.ini > wl.log 2>&1 || { cat wl.log; fail "regia waitlist"; }
grep -q "wrote wl.nc, wl.monthly.nc" wl.log || { cat wl.log; fail "the log does not name the monthly file"; }

for f in wl.nc wl.monthly.nc; do
  cdo sinfo "$f" > "$f.sinfo" 2>&1 || { cat "$f.sinfo"; fail "cdo sinfo $f failed"; }
  if grep -i warn "$f.sinfo"; then fail "cdo sinfo $f prints warnings (above)"; fi
  cdo -s showname "$f" > "$f.names" 2>&1 || { cat "$f.names"; fail "cdo showname $f"; }
done
# horizon 3 < risk weeks 5 + 1: the week axis reaches the last risk week
for v in count_requests_week sdc_status_requests_week share_ex_ante_week light_week demand_forecast demand_lower_80 \
         demand_upper_97p5 risk_p_miss risk_share_q50 alloc_extra_slots alloc_reserve_slots nhsr_demand limit \
         alloc_move_slots alloc_agenda_reserve_slots; do
  grep -qw "$v" wl.nc.names || { cat wl.nc.names; fail "cdo showname wl.nc lacks $v"; }
done
for v in count_requests_month count_not_delivered_month sdc_status_within_month share_ex_post_month wait_p90_month \
         light_month; do
  grep -qw "$v" wl.monthly.nc.names || { cat wl.monthly.nc.names; fail "cdo showname wl.monthly.nc lacks $v"; }
done
grep -q "week : *[0-9]* steps" wl.nc.sinfo || grep -qi "Time coordinate" wl.nc.sinfo || fail "CDO found no time axis in wl.nc"
echo "ok: cdo sinfo prints no warning on wl.nc and wl.monthly.nc; cdo showname lists their variables"

$PY - <<'PY' || fail "xarray and attribute checks"
import json
import numpy as np, xarray as xr, netCDF4
d = xr.open_dataset("wl.nc")
m = xr.open_dataset("wl.monthly.nc")
assert d.attrs["monthly_file"] == "wl.monthly.nc" and m.attrs["weekly_file"] == "wl.nc"
for n in ("service_code", "service_code_new", "service_name", "service_group", "area_code", "area_name", "class_name"):
    assert n in d.coords and isinstance(d[n].values[0], str), n
for n in ("service_code", "service_code_new", "service_name", "area_code", "area_name", "class_name"):
    assert n in m.coords and isinstance(m[n].values[0], str), n
assert d.count_requests_week.dims == ("week", "class", "area", "service"), d.count_requests_week.dims
assert m.count_requests_month.dims == ("month", "class", "area", "service"), m.count_requests_month.dims
assert np.issubdtype(d.week.dtype, np.datetime64) and np.issubdtype(m.month.dtype, np.datetime64)
x = d.set_xindex("service_code").set_xindex("area_name").set_xindex("class_name")
cell = x.sel(service_code="89.7/08", area_name="region", class_name="all")
assert float(cell.count_requests_week.sum()) == float(
    m.set_xindex("service_code").set_xindex("area_name").set_xindex("class_name")
     .count_requests_month.sel(service_code="89.7/08", area_name="region", class_name="all").sum()) > 0
# the forecasts on their dates: step 1 is the week of as_of (2025-04-01, a Tuesday: week of 2025-03-31)
fs = d.forecast_step.values
wk = d.week.values[fs == 1][0]
assert str(np.datetime64(wk, "D")) in ("2025-03-30", "2025-03-31"), wk   # Rome midnight in UTC
pub = np.argwhere(d.demand_method.values >= 0)          # (class, area, service) of published series
assert len(pub) > 0, "no published demand series"
c, a, s = pub[0]
sel = dict(service_code=d.service_code.values[s], area_name=d.area_name.values[a], class_name=d.class_name.values[c])
f = x.demand_forecast.sel(**sel)
assert np.isfinite(f.values[fs > 0]).all() and np.isnan(f.values[fs == 0]).all(), (sel, f.values)
assert (x.demand_lower_97p5.sel(**sel).values[fs > 0] <= x.demand_lower_80.sel(**sel).values[fs > 0] + 1e-9).all()
assert (x.demand_upper_97p5.sel(**sel).values[fs > 0] >= x.demand_upper_80.sel(**sel).values[fs > 0] - 1e-9).all()
assert d.demand_lower_97p5.attrs["interval"] == 97.5 and list(d.attrs["demand_interval_levels"]) == [80, 97.5]
rs = d.risk_step.values
assert sorted(rs[rs > 0]) == [1, 2, 3, 4, 5] and d.attrs["risk_weeks"] == 5, rs
r1 = d.week.values[rs == 1][0]
assert str(np.datetime64(r1, "D")) in ("2025-04-06", "2025-04-07"), r1   # the first Monday on or after as_of
assert np.isnan(d.risk_p_miss.values[rs == 0]).all()
# integer index variables: values along the dimension regia_index_dim names
nc = netCDF4.Dataset("wl.nc")
want = {"area_parent": "area", "week_month": "month", "agenda_service": "service", "agenda_district": "area"}
for v, dim in want.items():
    assert nc[v].regia_index_dim == dim, (v, getattr(nc[v], "regia_index_dim", None))
assert netCDF4.Dataset("wl.monthly.nc")["area_parent"].regia_index_dim == "area"
assert (d.week_month.values.max() + 1) == m.sizes["month"]
# no char data variable is left out of the coordinates (CDO would skip it)
for ds in (nc, netCDF4.Dataset("wl.monthly.nc")):
    listed = set()
    for v in ds.variables.values():
        listed |= set(getattr(v, "coordinates", "").split())
    for name, v in ds.variables.items():
        if v.dtype == "S1":
            assert name in listed, f"{name}: a char variable no coordinates attribute lists"
man = json.load(open("wl.manifest.json"))
roles = {o["path"].split("/")[-1]: o["role"] for o in man["outputs"]}
assert roles.get("wl.monthly.nc") == "monthly", roles
print("ok: xarray selects by service code, area and class names; forecasts and risk on their weeks; "
      "regia_index_dim on", ", ".join(want), "; the monthly file in the manifest")
PY
echo "PASS"
