#!/usr/bin/env bash
# regia waitlist: demand forecasts, queue risk and allocation on the fixture's three
# services (two visits guaranteed per district, one CT per ASL; districts D1, D2 in ASL A1,
# D3 alone in A2):
#   - probabilities and shares within [0, 1], quantiles ordered, NaN exactly outside the
#     guarantee areas; forecasts >= 0 inside their intervals; suppressed series NaN;
#   - allocation: extra slots in 0..max_extra, added = extra - slots moved in, moves only
#     between the districts of one ASL and never more than the donors' spare slots, the
#     per-agenda reservations sum to their area's, the regional totals;
#   - more capacity (every agenda +10 slots a week) never raises P(miss) nor the extra
#     slots needed (common random numbers: the same requests and fates on both runs);
#   - 1 and 3 ranks give identical values.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c 'import netCDF4, xarray, numpy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 / xarray / numpy"
cd "$TMP"
$PY "$REGIA_ROOT/tests/cli/waitlist_fixture.py" bookings.nc 100
cat > agendas.csv <<'EOF'
provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to
PR1,Ospedale,AG1,89.7A.3,D1,40,12345,2024-01-01,
PR1,Ospedale,AG2,89.13,D2,30,12345,2024-01-01,
PR2,Clinica,AG4,89.13,D1,12,135,2024-01-01,
PR3,Centro,AG5,89.13,D3,25,12345,2024-01-01,
PR1,Ospedale,AG3,87.41,D3,20,135,2024-01-01,
EOF
awk -F, 'BEGIN { OFS = "," } NR > 1 { $6 += 10 } { print }' agendas.csv > more.csv
job() { # job NAME AGENDAS
  printf '[job]\ndomain = waitlist\noutput = %s.nc\nthreads = 1\n[waitlist]\ninput = bookings.nc\nagendas = %s\n' "$1" "$2"
  printf 'as_of = 2025-04-01\n[privacy]\nk = 5\n[risk]\npaths = 100\nweeks = 3\n[allocation]\nmax_extra = 40\n'
}
job one agendas.csv > one.ini
job three agendas.csv > three.ini
job more more.csv > more.ini
run_np 1 waitlist one.ini > one.log 2>&1 || { cat one.log; fail "regia waitlist at 1 rank failed"; }
run_np 3 waitlist three.ini > three.log 2>&1 || { cat three.log; fail "regia waitlist at 3 ranks failed"; }
run_np 3 waitlist more.ini > more.log 2>&1 || { cat more.log; fail "regia waitlist with more capacity failed"; }

REGIA_ROOT=$REGIA_ROOT $PY - <<'PY' || fail "demand, risk and allocation checks"
import os, sys
import numpy as np, xarray as xr
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/cli")
from waitlist_layout import Output
one, three, more = Output("one.nc"), Output("three.nc"), Output("more.nc")
MINE = [v for v in one.d.variables if v.split("_")[0] in ("demand", "risk", "alloc", "nhsr")] + ["agenda_code"]
assert len(MINE) >= 20, MINE
# 1 and 3 ranks: identical values (NaN where NaN)
for v in MINE:
    a, b = one.var(v, raw=True), three.var(v, raw=True)
    same = np.array_equal(a, b) if a.dtype.kind in "OSU" else np.array_equal(a, b, equal_nan=True)
    assert same, f"{v} differs between 1 and 3 ranks"
print(f"ok: {len(MINE)} variables identical at 1 and 3 ranks")
# a planner selects by name, the forecast weeks by date
x = xr.open_dataset("one.nc").set_xindex("service_code_new").set_xindex("area_name").set_xindex("class_name")
fc1 = x.demand_forecast.sel(service_code_new="89.13", area_name="Distretto Uno", class_name="B").dropna("week")
assert fc1.sizes["week"] == int(x.attrs["demand_horizon_weeks"]) and str(fc1.week.values[0])[:10] >= "2025-03-30", fc1
area_level = one.val("area_level")            # 0 district, 1 ASL, 2 region
svc_level = one.val("service_area_level")      # guarantee area of each service
guar = area_level[None, :] == svc_level[:, None]   # (service, area)
cls4 = slice(0, 4)
p, sh, q = one.val("risk_p_miss"), one.val("risk_share_mean"), one.val("risk_share_q")
for x, name in ((p, "risk_p_miss"), (sh, "risk_share_mean"), (q, "risk_share_q")):
    f = x[np.isfinite(x)]
    assert f.size > 0 and (f >= 0).all() and (f <= 1).all(), f"{name} outside [0, 1]"
    assert np.isnan(x[~guar]).all(), f"{name} set outside the guarantee areas"
    assert np.isnan(x[:, :, 4]).all(), f"{name} set for class 'all'"
assert np.isfinite(p[guar][:, cls4]).any()
qq = q[np.isfinite(q).all(axis=-1)]
assert (np.diff(qq, axis=-1) >= 0).all(), "quantiles of the share not ordered"
req = one.val("risk_requests")
assert (req[guar][:, cls4] >= 0).all()
print("ok: probabilities and shares in [0, 1], NaN outside the guarantee areas")

# demand: forecasts >= 0 and inside their intervals; suppressed series are NaN
fc, lo, up, m = (one.val(v) for v in ("demand_forecast", "demand_lower", "demand_upper", "demand_method"))
nd = int((area_level == 0).sum())
pub = m[:, :nd, :4] >= 0
assert pub.any() and (~pub).any(), "the fixture should have published and suppressed series"
f = fc[:, :nd, :4][pub]
assert (f >= 0).all() and np.isfinite(f).all()
assert np.isnan(fc[:, :nd, :4][~pub]).all() and np.isnan(fc[:, nd:]).all() and np.isnan(fc[:, :, 4]).all()
l, u = lo[:, :nd, :4][pub], up[:, :nd, :4][pub]          # (series, level, horizon)
assert (l >= 0).all() and (l <= u).all()
ets = m[:, :nd, :4][pub] == 0
assert ets.any(), "no series on ETS"
assert (l[ets] <= f[ets][:, None, :] + 1e-9).all() and (u[ets] >= f[ets][:, None, :] - 1e-9).all()
print(f"ok: {pub.sum()} demand series published ({ets.sum()} on ETS), {(~pub).sum()} suppressed")

# allocation
ex, add, met = one.val("alloc_extra_slots"), one.val("alloc_added_slots"), one.val("alloc_target_met")
mv = one.val("alloc_move_slots")                  # (service, from, to)
assert np.isnan(ex[~guar]).all() and (ex[guar] >= 0).all() and (ex[guar] <= 40).all()
assert set(np.unique(met[guar])) <= {0.0, 1.0}
asl = one.val("area_parent")[:nd].astype(int)
for s in range(ex.shape[0]):
    moved_in = mv[s].sum(axis=0)
    if svc_level[s] == 0:
        assert np.array_equal(add[s, :nd], ex[s, :nd] - moved_in), "added != extra - moved in"
        spare = one.val("alloc_spare_slots")[s, :nd]
        assert (mv[s].sum(axis=1) <= spare).all(), "a district gave more than its spare slots"
    for i in range(nd):
        for j in range(nd):
            assert mv[s, i, j] == 0 or (asl[i] == asl[j] and i != j), "a move across ASLs"
ar, res = one.val("alloc_agenda_reserve_slots"), one.val("alloc_reserve_slots")
for s in range(ex.shape[0]):
    for a in np.nonzero(guar[s])[0]:
        rows = [g for g in range(ar.shape[0]) if int(one.val("agenda_service")[g]) == s and
                (int(one.val("agenda_district")[g]) == a or asl[int(one.val("agenda_district")[g])] == a)]
        if rows:
            assert np.array_equal(ar[rows, :4].sum(axis=0), res[s, a, :4]), "agenda reservations do not add up"
tot = np.nansum(ex[guar])
assert one.attrs["alloc_total_extra_slots"] == tot, (one.attrs["alloc_total_extra_slots"], tot)
print(f"ok: allocation ({int(tot)} extra slots a week in the region, moves within ASLs)")

# more capacity never raises P(miss) (same streams), nor the extra slots needed
pm = more.val("risk_p_miss")
both = np.isfinite(p) & np.isfinite(pm)
assert both.sum() > 10
worse = pm[both] > p[both] + 1e-12
assert not worse.any(), f"P(miss) rose with capacity in {worse.sum()} cells: {pm[both][worse]} vs {p[both][worse]}"
assert (pm[both] < p[both]).any(), "10 more slots a week changed no P(miss)"
assert (more.val("alloc_extra_slots")[guar] <= ex[guar]).all(), "more capacity needs more extra slots"
print(f"ok: +10 slots a week never raise P(miss) ({(pm[both] < p[both]).sum()} of {both.sum()} cells lower)")
PY
echo "ok: test_waitlist_risk"
