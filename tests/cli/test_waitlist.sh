#!/usr/bin/env bash
# regia waitlist: the PNGLA compliance rules on hand-worked bookings, the three clock
# starts, the output's names in xarray, rank-count invariance, bad job values.
#
# The bookings file is built by tests/cli/waitlist_fixture.py in the layout regia ingest
# waitlist writes (drivers/waitlist_impl.h), so these counts test the rules alone.  Service
# 89.7A.3 (a visit) holds twelve hand-worked bookings, each for 10 patients (so no count
# is suppressed at k = 5); all are CUP contacts in the week of Monday 2025-03-03 in
# district D1 (ASL A1):
#   b1  B  none      first = booked, 2 d after contact                  (a) within
#   b2  B  none      first = booked 18 d after contact                  (a) beyond
#   b3  B  personal  first 3 d, booked 9 d after contact                (b) within
#   b4  B  personal  first 3 d (within), booked 17 d                    excluded
#   b5  B  choice    first 15 d (beyond), booked 22 d                   (c) beyond
#   b6  B  choice    first 2 d (within)                                 excluded
#   b7  U  none      booked 71 h after contact                          within
#   b8  U  none      booked 73 h after contact                          beyond
#   b9  no class (P) booked 119 d after contact (limit 120)             within
#   b10 B  follow-up                                                    not counted
#   b11 B  intramoenia                                                  not counted
#   b12 D  visit     booked 30 d after contact (limit 30)               within
# Counted from the prescription, and from the first available slot, the same bookings
# fall otherwise (see EXPECT below, worked out by hand from the fixture's dates); a request
# whose clock starts on or after as_of is not counted.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c 'import netCDF4, xarray, numpy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 / xarray / numpy"
cd "$TMP"
$PY "$REGIA_ROOT/tests/cli/waitlist_fixture.py" bookings.nc 60
cat > agendas.csv <<'EOF'
provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to
PR1,Ospedale,AG1,89.7A.3,D1,40,12345,2024-01-01,
PR1,Ospedale,AG2,89.13,D2,30,12345,2024-01-01,
PR1,Ospedale,AG3,87.41,D3,20,135,2024-01-01,
EOF
job() { # job NAME CLOCK [extra lines]
  local name=$1 clock=$2; shift 2
  { printf '[job]\ndomain = waitlist\noutput = %s.nc\n[waitlist]\ninput = bookings.nc\nagendas = agendas.csv\n' "$name"
    printf 'as_of = 2025-04-01\nclock_start = %s\n[privacy]\nk = 5\n[risk]\npaths = 50\nweeks = 2\n' "$clock"
    for l in "$@"; do printf '%s\n' "$l"; done; } > "$name.ini"
}
for c in contact prescription first_available; do
  job "$c" "$c"
  run_np 1 waitlist "$c.ini" > "$c.log" 2>&1 || { cat "$c.log"; fail "regia waitlist ($c) failed"; }
  grep -q "clock start: $c" "$c.log" || fail "the log does not name the clock start $c"
done
echo "ok: three clock starts ran"

# --- the hand-worked counts, through the names a planner selects by ---------------------
$PY - <<'PY' || fail "hand-worked compliance"
import numpy as np, xarray as xr, netCDF4
M = ["requests", "within", "beyond", "excluded", "delivered_within", "delivered_beyond", "not_delivered"]
# per clock start: class -> counts of the 10-patient bookings, in the order of M
EXPECT = {
  "contact": {"all": [10, 5, 3, 2, 3, 3, 4], "B": [6, 2, 2, 2, 1, 2, 3], "U": [2, 1, 1, 0, 1, 1, 0],
              "D": [1, 1, 0, 0, 1, 0, 0], "P": [1, 1, 0, 0, 0, 0, 1]},
  "prescription": {"all": [10, 0, 7, 3, 0, 6, 4], "B": [6, 0, 3, 3, 0, 3, 3], "U": [2, 0, 2, 0, 0, 2, 0],
                   "D": [1, 0, 1, 0, 0, 1, 0], "P": [1, 0, 1, 0, 0, 0, 1]},
  # b9 and b12: their first available slot (2025-06-30, 2025-04-03) lies after as_of, so
  # from that clock start they are not yet requests of the period
  "first_available": {"all": [8, 5, 0, 3, 4, 1, 3], "B": [6, 3, 0, 3, 2, 1, 3], "U": [2, 2, 0, 0, 2, 0, 0],
                      "D": [0, 0, 0, 0, 0, 0, 0], "P": [0, 0, 0, 0, 0, 0, 0]},
}
def opened(path):
    ds = xr.open_dataset(path)
    # the names are coordinates (the 1-D variables' and data variables' coordinates
    # attributes), as strings; the monthly file (month tables) has them too
    for n in ("service_code", "service_code_new", "service_name", "area_name", "class_name"):
        data = ds.count_requests_week if "week" in ds.dims else ds.count_requests_month
        assert n in data.coords and isinstance(ds[n].values[0], str), (n, ds[n].dtype)
        ds = ds.set_xindex(n)
    return ds
def monthly(path):
    assert xr.open_dataset(path).attrs["monthly_file"] == path[:-3] + ".monthly.nc"
    return opened(path[:-3] + ".monthly.nc")
for clock, exp in EXPECT.items():
    ds, mo = opened(clock + ".nc"), monthly(clock + ".nc")
    assert ds.attrs["clock_start"] == clock, ds.attrs["clock_start"]
    assert clock in ds.attrs["comment"], "the comment names the clock start"
    assert "synthetic" in ds.attrs["summary"].lower() or "SYNTHETIC" in ds.attrs["summary"]
    for area in ("Distretto Uno", "ASL Uno", "region"):
        for cls, v in exp.items():
            got = [float(mo[f"count_{m}_month"].sel(service_code_new="89.7A.3", area_name=area, class_name=cls).sum("month"))
                   for m in M]
            assert got == [10.0 * e for e in v], (clock, area, cls, got, v)
            assert [float(ds[f"count_{m}_week"].sel(service_code_new="89.7A.3", area_name=area, class_name=cls).sum("week"))
                    for m in M] == got, "weeks and months disagree"
    # the same cells by the 1996 code (89.7 is shared by several visits: with its discipline) and the name
    same = mo.count_requests_month.sel(service_code="89.7/08", area_name="region").sum("month")  # shared code: /discipline
    assert (same == mo.count_requests_month.sel(service_name="Prima visita cardiologica", area_name="region").sum("month")).all()
    assert float(same.sel(class_name="all")) == 10.0 * exp["all"][0]
    # nothing in the other districts for this service
    other = sum(float(mo[f"count_{m}_month"].sel(service_code_new="89.7A.3", area_name="Distretto Tre").sum()) for m in M)
    assert other == 0, other
    print("ok:", clock, "counts =", {c: v for c, v in exp.items()})

# shares, median and p90 of the in-guarantee waits (contact clock), from the fixture's times
ds = monthly("contact.nc")
b = netCDF4.Dataset("bookings.nc")
s0 = b["service"][:] == 0
t0, tb = np.asarray(b["contact_time"][:][s0], float), np.asarray(b["booked_time"][:][s0], float)
acc, reg = b["access"][:][s0], b["regime"][:][s0]
# in guarantee by the hand table (contact clock): b1 b2 b3 b5 b7 b8 b9 b12: every booking
# except the excluded b4 (personal, 17 d) and b6 (choice), follow-ups and intramoenia
tf = np.asarray(b["first_available_time"][:][s0], float); rs = np.asarray(b["guarantee_reason"][:][s0])
days = (tb - t0) / 86400.0
excl = ((rs == 1) & (days > 10) & ((tf - t0) / 86400 <= 3)) | ((rs == 2) & ((tf - t0) / 86400 < 10))
keep = (acc == 0) & (reg == 0) & ~excl
assert keep.sum() == 80, keep.sum()
cell = ds.sel(service_code_new="89.7A.3", area_name="region", class_name="all")
# the month's name: the month of its first week's Thursday
m = int(np.argmax((ds.month + np.timedelta64(3, "D")).dt.strftime("%Y-%m").values == "2025-03"))
med, p90 = float(cell.wait_median_month[m]), float(cell.wait_p90_month[m])
assert abs(med - np.median(days[keep])) < 1e-9, (med, np.median(days[keep]))
assert abs(p90 - np.quantile(days[keep], 0.9)) < 1e-9, (p90, np.quantile(days[keep], 0.9))
share = float(cell.share_ex_ante_month[m])
assert abs(share - 62.5) < 1e-9, share
assert abs(float(cell.share_ex_post_month[m]) - 50.0) < 1e-9
assert int(cell.light_month[m]) == 1, "62.5 % is yellow"
u = ds.sel(service_code_new="89.7A.3", area_name="region", class_name="U")
assert abs(float(u.share_ex_ante_month[m]) - 50.0) < 1e-9
print("ok: median %.6f d, p90 %.6f d, share 62.5 %%, yellow light" % (med, p90))
# the limits the rules used: U 72 h, D visit 30 d, D diagnostic 60 d
ds = opened("contact.nc")
lim = ds.limit.sel(class_name="U")
assert np.allclose(lim.values, 3.0), lim.values
assert float(ds.limit.sel(service_code_new="87.41", class_name="D")) == 60.0
assert float(ds.limit.sel(service_code_new="89.7A.3", class_name="D")) == 30.0
print("ok: limits U 3 d (72 h), D 30 d visits, 60 d diagnostics")
PY

# --- per-group limits and targets --------------------------------------------------------
job group contact "[limits]" "groups = imaging:D:40, visit:U:96" "[targets]" "groups = imaging:B:95"
run_np 1 waitlist group.ini > group.log 2>&1 || { cat group.log; fail "per-group limits"; }
$PY - <<'PY' || fail "per-group limits"
import netCDF4, numpy as np
d = netCDF4.Dataset("group.nc")
lim, tgt = d["limit"][:].T, d["target"][:].T   # (class, service) in the file
assert lim[2, 2] == 40 and lim[0, 0] == 4 and lim[1, 0] == 4 and lim[2, 0] == 3, lim
assert tgt[2, 1] == 95 and tgt[0, 1] == 90, tgt
x = netCDF4.Dataset("group.monthly.nc")["count_within_month"][:]       # (month, class, area, service)
c = netCDF4.Dataset("contact.monthly.nc")["count_within_month"][:]
# U 96 h: b8 (73 h) is within now
assert x[:, 0, :, 0].sum() > c[:, 0, :, 0].sum()
print("ok: imaging D 40 d, visit U 96 h, imaging B target 95 %")
PY

# --- rank-count invariance ----------------------------------------------------------------
for n in 2 3; do
  sed "s/^output = contact.nc/output = np$n.nc/" contact.ini > np$n.ini
  run_np $n waitlist np$n.ini > np$n.log 2>&1 || { cat np$n.log; fail "regia waitlist at $n ranks failed"; }
done
$PY - <<'PY' || fail "rank invariance"
import netCDF4, numpy as np
for f0, f in (("contact.nc", "np2.nc"), ("contact.nc", "np3.nc"),
              ("contact.monthly.nc", "np2.monthly.nc"), ("contact.monthly.nc", "np3.monthly.nc")):
    a, b = netCDF4.Dataset(f0), netCDF4.Dataset(f)
    assert set(a.variables) == set(b.variables), f
    for v in a.variables:
        x, y = a[v][:], b[v][:]
        assert x.shape == y.shape, (f, v)
        xa, ya = np.ma.filled(x.astype(float) if x.dtype.kind in "iuf" else x, np.nan), None
        if x.dtype.kind in "iuf":
            ya = np.ma.filled(y.astype(float), np.nan)
            assert np.array_equal(xa, ya, equal_nan=True), (f, v)
        else:
            assert (np.ma.filled(x, b"") == np.ma.filled(y, b"")).all(), (f, v)
print("ok: identical data variables at 1, 2 and 3 ranks (the output and its monthly file, %d variables in the last)" % len(a.variables))
PY

# --- bad job values -----------------------------------------------------------------------
job bad1 contact; sed -i 's/^clock_start = contact/clock_start = booking/' bad1.ini
expect_fail "unknown clock start" "bad1.ini:[0-9]+.*clock_start.*prescription.*contact.*first_available" run_np 1 waitlist bad1.ini
job bad2 contact; sed -i 's/^k = 5/k = 2/' bad2.ini
expect_fail "k = 2" "bad2.ini:[0-9]+.*'k'.*below 3" run_np 1 waitlist bad2.ini
job bad3 contact; sed -i 's/^as_of = .*/as_of = 2024-06-30/' bad3.ini
expect_fail "as_of before the data" "bad3.ini:[0-9]+.*as_of.*2024-06-30 is not after the first day of the data" run_np 1 waitlist bad3.ini
job bad4 contact; sed -i 's/^as_of = .*/as_of = 2025-02-30/' bad4.ini
expect_fail "impossible date" "bad4.ini:[0-9]+.*as_of.*'2025-02-30' is not a date" run_np 1 waitlist bad4.ini
job bad5 contact "[limits]" "groups = surgery:D:40"
expect_fail "unknown service group" "bad5.ini:[0-9]+.*groups.*no service.*group 'surgery'" run_np 1 waitlist bad5.ini
job bad6 contact "[lights]" "green = 50" "yellow = 70"
expect_fail "yellow above green" "bad6.ini:[0-9]+.*yellow.*at most green" run_np 1 waitlist bad6.ini
printf 'not a netcdf file\n' > junk.nc
job bad7 contact; sed -i 's/^input = bookings.nc/input = junk.nc/' bad7.ini
expect_fail "input not NetCDF" "junk.nc" run_np 1 waitlist bad7.ini
# damaged bookings files: a code out of range, services out of order
cp bookings.nc bad_prio.nc; cp bookings.nc bad_order.nc
$PY - <<'PY'
import netCDF4
with netCDF4.Dataset("bad_prio.nc", "a") as d: d["priority"][5] = 9
with netCDF4.Dataset("bad_order.nc", "a") as d: d["service_first"][1] = d["service_first"][1] + 1
PY
job bad8 contact; sed -i 's/^input = bookings.nc/input = bad_prio.nc/' bad8.ini
expect_fail "priority out of range" "bad_prio.nc: booking 5 \(service 0, '89.7'\): priority = 9 is out of range" run_np 2 waitlist bad8.ini
job bad9 contact; sed -i 's/^input = bookings.nc/input = bad_order.nc/' bad9.ini
expect_fail "services out of order" "bad_order.nc: service 1 .*not sorted by service" run_np 1 waitlist bad9.ini
for i in 1 2 3 4 5 6 7 8 9; do
  [[ ! -e bad$i.nc && ! -e bad$i.monthly.nc && ! -e bad$i.manifest.json ]] || fail "bad$i left an output"
  ls bad$i.nc.* 2>/dev/null && fail "bad$i left a temporary file"
done
echo "ok: bad job values refused, nothing left behind"
