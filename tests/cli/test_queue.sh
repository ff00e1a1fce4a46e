#!/usr/bin/env bash
# regia queue against queueing theory and by hand:
#  - M/M/5 (lambda 4, mu 1): P(W > 0) = C, P(W > 1), P(W > 2), Wq and the 90th percentile
#    against Erlang C, each within 4 of its reported Monte Carlo standard errors (and those
#    errors small enough for the comparison to mean something);
#  - non-preemptive priority M/M/5, classes U,B,D,P (0.4, 1.2, 1.6, 0.8): each class mean
#    against Cobham (1954), and the top class's P(W > 1) = C exp(-(c mu - lambda_1));
#    the same customers under fcfs give every class the M/M/5 mean;
#  - traces and schedules worked by hand (deterministic service: exact waits, SE 0);
#  - a job file gives the same output as the options; the CSV summary's rows and header.
# Expected values are computed here from the formulas (python), and checked against the
# numbers of DOMAIN.md section 3.
source "$(dirname "$0")/lib.sh"
D=$TMP
PY=/usr/bin/python3
# nc_get FILE: the variables as a Python literal dict (lists), for the checks below
cat >"$D/check.py" <<'PY'
import math, sys
import netCDF4
def load(path):
    ds = netCDF4.Dataset(path)
    ds.set_auto_mask(False)
    out = {k: v[...] for k, v in ds.variables.items()}
    for k in ("p_wait_gt", "p_wait_gt_se", "wait_quantile", "wait_quantile_se"):  # (threshold|quantile, class)
        if k in out: out[k] = out[k].T                                               # in the file: class first here
    out["_att"] = {k: ds.getncattr(k) for k in ds.ncattrs()}
    ds.close()
    return out
def erlang_c(c, a):
    s = sum(a**k / math.factorial(k) for k in range(c))
    t = a**c / math.factorial(c) * c / (c - a)
    return t / (s + t)
def cobham(c, mu, lam):
    lt = sum(lam)
    w0 = erlang_c(c, lt / mu) / (c * mu)
    out, sig = [], 0.0
    for l in lam:
        prev = sig
        sig += l / (c * mu)
        out.append(w0 / ((1 - prev) * (1 - sig)))
    return out
def same_data(a, b):
    """The data variables of two loads are identical (NaN equal to NaN)."""
    import numpy as np
    if set(a) != set(b):
        return False
    return all(np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f") for k in a if k != "_att")
def z_check(what, est, se, exact, max_rel_se):
    z = (est - exact) / se
    ok = abs(z) < 4 and se > 0 and se < max_rel_se * abs(exact)
    print(f"{'ok' if ok else 'FAIL'}: {what}: {est:.6f} +- {se:.2g} vs {exact:.10f} (z = {z:+.2f})")
    return ok
PY

# ---- 1. M/M/5 against Erlang C ----------------------------------------------------------
"$REGIA" queue --rates 4 --servers 5 --service-mean 1 --customers 200000 --warmup 50 --reps 20 \
  --t 1,2 --quantiles 0.5,0.9 --output "$D/mmc.nc" -q
[[ -f $D/mmc.nc && -f $D/mmc.csv && -f $D/mmc.manifest.json ]] || fail "M/M/c: output, CSV or manifest missing"
$PY - "$D" <<'PY' || fail "M/M/5 against Erlang C"
import math, sys
sys.path.insert(0, sys.argv[1]); from check import *
v = load(sys.argv[1] + "/mmc.nc")
C = erlang_c(5, 4.0)
exact = {"C": C, "Wq": C / 1.0, "P1": C * math.exp(-1), "P2": C * math.exp(-2), "q90": math.log(C / 0.1)}
# DOMAIN.md section 3's numbers
for k, x in (("C", 0.5541125541), ("P1", 0.2038466168), ("P2", 0.0749909795), ("q90", 1.7121976464)):
    assert abs(exact[k] - x) < 1e-9, (k, exact[k], x)
assert list(v["threshold"]) == [1.0, 2.0] and list(v["quantile"]) == [0.5, 0.9]
ok = z_check("P(W > 0) = C", v["p_wait"][0], v["p_wait_se"][0], exact["C"], 0.01)
ok &= z_check("Wq", v["wait_mean"][0], v["wait_mean_se"][0], exact["Wq"], 0.02)
ok &= z_check("P(W > 1)", v["p_wait_gt"][0, 0], v["p_wait_gt_se"][0, 0], exact["P1"], 0.02)
ok &= z_check("P(W > 2)", v["p_wait_gt"][0, 1], v["p_wait_gt_se"][0, 1], exact["P2"], 0.04)
ok &= z_check("90th percentile", v["wait_quantile"][0, 1], v["wait_quantile_se"][0, 1], exact["q90"], 0.02)
# the median: P(W > w) = C exp(-w) = 0.5 at w = ln(2C)
ok &= z_check("median", v["wait_quantile"][0, 0], v["wait_quantile_se"][0, 0], math.log(2 * C), 0.05)
# the standard deviation of W: E[W^2] = 2C/(c mu - lambda)^2
sd = math.sqrt(2 * C - C * C)
print(f"{'ok' if abs(v['wait_sd'][0] - sd) < 0.02 * sd else 'FAIL'}: wait_sd {v['wait_sd'][0]:.4f} vs {sd:.4f}")
ok &= abs(v["wait_sd"][0] - sd) < 0.02 * sd
n = v["customers"][0]
ok &= 3.9e6 < n <= 4e6 and v["replication_customers"].sum() == n and v["replications_counted"][0] == 20
ok &= abs(v["_att"]["queue_utilisation"] - 0.8) < 1e-12 and v["arrival_rate"][0] == 4
# the SE of the mean is that of the 20 replication means
m = v["replication_wait_mean"][:, 0]
se = m.std(ddof=1) / math.sqrt(len(m))
ok &= abs(se - v["wait_mean_se"][0]) < 1e-12 * max(1, se)
sys.exit(0 if ok else 1)
PY

# ---- 2. non-preemptive priority against Cobham; fcfs against Erlang C --------------------
prio=(--classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 --customers 200000 --warmup 50 --reps 20 --t 1)
"$REGIA" queue "${prio[@]}" --output "$D/prio.nc" -q
"$REGIA" queue "${prio[@]}" --discipline fcfs --output "$D/fcfs.nc" -q
$PY - "$D" <<'PY' || fail "priority M/M/5 against Cobham"
import math, sys
sys.path.insert(0, sys.argv[1]); from check import *
lam = [0.4, 1.2, 1.6, 0.8]
wq = cobham(5, 1.0, lam)
for a, b in zip(wq, [0.1204592509, 0.1771459572, 0.4527063351, 1.5392015392]):
    assert abs(a - b) < 1e-9, (a, b)
v = load(sys.argv[1] + "/prio.nc")
names = ["".join(c.decode() for c in row if c) for row in v["class_name"]]
assert names == ["U", "B", "D", "P"], names
assert list(v["class"]) == [1, 2, 3, 4]
ok = True
for k, c in enumerate(names):
    ok &= z_check(f"Wq class {c} (Cobham)", v["wait_mean"][k], v["wait_mean_se"][k], wq[k], 0.03)
C = erlang_c(5, 4.0)
p_top = C * math.exp(-(5 - 0.4))
assert abs(p_top - 0.0055698484) < 1e-9
ok &= z_check("P(W > 1) class U", v["p_wait_gt"][0, 0], v["p_wait_gt_se"][0, 0], p_top, 0.1)
# every class waits with the same probability C (arrivals see the same busy servers)
for k, c in enumerate(names):
    ok &= z_check(f"P(W > 0) class {c}", v["p_wait"][k], v["p_wait_se"][k], C, 0.02)
# conservation: sum lambda_k Wq_k / lambda = the FCFS Wq
cons = sum(l * w for l, w in zip(lam, v["wait_mean"])) / sum(lam)
print(f"conservation: {cons:.4f} vs {C:.4f}")
ok &= abs(cons - C) < 0.03 * C
f = load(sys.argv[1] + "/fcfs.nc")
for k, c in enumerate(names):
    ok &= z_check(f"fcfs Wq class {c} (Erlang C)", f["wait_mean"][k], f["wait_mean_se"][k], C, 0.03)
# the same draws: the same customers in both runs (common random numbers)
ok &= (f["customers"] == v["customers"]).all() and f["_att"]["queue_discipline"] == "fcfs"
sys.exit(0 if ok else 1)
PY
# the CSV summary: header, one row per class x statistic
csv=$D/prio.csv
[[ $(head -1 "$csv") == "class,priority,statistic,parameter,value,std_error,units,replications" ]] || fail "CSV header: $(head -1 "$csv")"
(( $(wc -l <"$csv") == 1 + 4 * 9 )) || fail "CSV: $(wc -l <"$csv") lines, expected 37 (4 classes x 9 statistics)"
grep -Eq '^P,4,wait_mean,,1\.[45][0-9]*,0\.0[0-9]+,h,20$' "$csv" || fail "CSV: no P wait_mean row: $(grep '^P,4,wait_mean' "$csv")"
grep -Eq '^U,1,p_wait_gt,1,0\.00[0-9]+,0\.000[0-9]+,1,20$' "$csv" || fail "CSV: no U p_wait_gt row"
grep -Eq '^B,2,wait_quantile,0\.95,[0-9.]+,[0-9.e-]+,h,20$' "$csv" || fail "CSV: no B 0.95 quantile row"
grep -Eq '^D,3,customers,,[0-9]+,,1,20$' "$csv" || fail "CSV: no D customers row"
echo "ok: CSV summary: header and 36 rows ($(sed -n 2p "$csv"))"
grep -q '"role": "summary"' "$D/prio.manifest.json" || fail "manifest: the CSV is not listed as an output"

# ---- 3. a trace worked by hand -----------------------------------------------------------
# one server, deterministic service 1; arrivals (rows unsorted): P at 0 and 0.1, U at 0.2,
# B at 0.3.  Priority: P(0) served at once; at 1 the waiting U starts (wait 0.8), at 2 B
# (1.7), at 3 P (2.9).  FCFS: P 0.9, U 1.8, B 2.7.
printf 'time,class,note\n0.2,U,x\n0,P,first\n0.3,B,\n0.1,P,second\n' >"$D/trace.csv"
tr=(--classes U,B,P --arrivals "$D/trace.csv" --servers 1 --service det --service-mean 1 --reps 2 --t 1,2 --quantiles 0.5)
"$REGIA" queue "${tr[@]}" --output "$D/tr.nc" -q
"$REGIA" queue "${tr[@]}" --discipline fcfs --output "$D/trf.nc" -q
$PY - "$D" <<'PY' || fail "trace worked by hand"
import math, sys
sys.path.insert(0, sys.argv[1]); from check import *
ok = True
for f, want in (("tr", [0.8, 1.7, 1.45]), ("trf", [1.8, 2.7, 0.45])):
    v = load(f"{sys.argv[1]}/{f}.nc")
    got = list(v["wait_mean"])
    good = all(abs(a - b) < 1e-12 for a, b in zip(got, want)) and list(v["wait_mean_se"]) == [0, 0, 0]
    good &= list(v["customers"]) == [2, 2, 4] and v["_att"]["queue_arrivals"] == "trace"
    print(f"{'ok' if good else 'FAIL'}: {f}: class means {got}, expected {want}")
    ok &= good
v = load(sys.argv[1] + "/tr.nc")
# P(W > 1): U 0.8 no, B 1.7 yes, P {0, 2.9}: 1/2; P(W > 2): 0, 0, 1/2; P(W > 0): 1, 1, 1/2
ok &= [list(r) for r in v["p_wait_gt"]] == [[0, 0], [1, 0], [0.5, 0.5]] and list(v["p_wait"]) == [1, 1, 0.5]
# observed rates: arrivals / time of the last arrival (0.3)
ok &= all(abs(a - b) < 1e-12 for a, b in zip(v["arrival_rate"], [1 / 0.3, 1 / 0.3, 2 / 0.3]))
# the median of P's waits {0, 2.9}: P(W = 0) = 0.5 >= 0.5 -> 0
ok &= v["wait_quantile"][2, 0] == 0
print(f"{'ok' if ok else 'FAIL'}: trace: P(W > t), P(W > 0), observed rates, quantile at an atom")
sys.exit(0 if ok else 1)
PY

# ---- 4. schedules worked by hand ---------------------------------------------------------
# one server on duty Mon 01:00-02:00 (hours from Monday 00:00); arrivals at 0 and 0.5,
# service 0.25: the first starts at 1 (wait 1), the second at 1.25 (0.75).  Times in
# minutes: the same model, waits 60 and 45.
printf 'time,class\n0,A\n0.5,A\n' >"$D/tr2.csv"
"$REGIA" queue --classes A --arrivals "$D/tr2.csv" --schedule "Mon 01:00-02:00 x1" --service det --service-mean 0.25 \
  --reps 2 --output "$D/s1.nc" -q
printf 'time,class\n0,A\n30,A\n' >"$D/tr3.csv"
"$REGIA" queue --classes A --arrivals "$D/tr3.csv" --schedule "Mon 01:00-02:00" --service det --service-mean 15 \
  --time-unit minute --reps 2 --output "$D/s2.nc" -q
# a shift across midnight and the week's end: Sun 23:00-01:00 is on duty during [0, 1) and
# [167, 168) h; the arrival at 0.5 is served at once, the one at 1.5 waits until 167.
printf 'time,class\n0.5,A\n1.5,A\n' >"$D/tr4.csv"
"$REGIA" queue --classes A --arrivals "$D/tr4.csv" --schedule "Sun 23:00-01:00 x2" --service det --service-mean 0.25 \
  --reps 2 --bins 20000 --bin-width 0.01 --output "$D/s3.nc" -q
$PY - "$D" <<'PY' || fail "schedules worked by hand"
import sys
sys.path.insert(0, sys.argv[1]); from check import *
a, b, c = (load(f"{sys.argv[1]}/{f}.nc") for f in ("s1", "s2", "s3"))
ok = abs(a["wait_mean"][0] - 0.875) < 1e-12 and abs(b["wait_mean"][0] - 52.5) < 1e-12
ok &= abs(c["wait_mean"][0] - (167 - 1.5) / 2) < 1e-9
ok &= list(a["shift_end"]) == [1, 2, 168] and list(a["shift_servers"]) == [0, 1, 0]
ok &= list(b["shift_end"]) == [60, 120, 10080] and b["_att"]["queue_time_unit"] == "minute"
ok &= list(c["shift_end"]) == [1, 167, 168] and list(c["shift_servers"]) == [2, 0, 2]
ok &= abs(a["_att"]["queue_mean_servers"] - 1 / 168) < 1e-15
print(f"{'ok' if ok else 'FAIL'}: schedules: waits {a['wait_mean'][0]}, {b['wait_mean'][0]} min, {c['wait_mean'][0]}; "
      f"segments {list(a['shift_end'])} x {list(a['shift_servers'])}, {list(c['shift_end'])} x {list(c['shift_servers'])}")
sys.exit(0 if ok else 1)
PY
# a Poisson queue on a weekly schedule, the text form and the CSV form give the same data
sch=(--classes U,B --rates 0.2,0.4 --service-mean 1 --horizon 1344 --reps 4 --t 1,8)
"$REGIA" queue "${sch[@]}" --schedule "Mon-Fri 08:00-16:00 x3, Mon-Fri 16:00-20:00, Sat+Sun 09:00-13:00 x2" \
  --output "$D/sch_text.nc" -q
printf 'days,start,end,servers\nMon-Fri,08:00,16:00,3\nMon-Fri,16:00,20:00,1\nSat+Sun,09:00,13:00,2\n' >"$D/shifts.csv"
"$REGIA" queue "${sch[@]}" --schedule-file "$D/shifts.csv" --output "$D/sch_file.nc" -q
$PY - "$D" <<'PY' || fail "schedule text and CSV"
import sys, numpy as np
sys.path.insert(0, sys.argv[1]); from check import *
a, b = load(sys.argv[1] + "/sch_text.nc"), load(sys.argv[1] + "/sch_file.nc")
same = same_data(a, b)
mean = (5 * (8 * 3 + 4) + 2 * 4 * 2) / 168
ok = same and abs(a["_att"]["queue_mean_servers"] - mean) < 1e-12 and abs(a["_att"]["queue_utilisation"] - 0.6 / mean) < 1e-12
# nights are closed: arrivals wait for the morning, so the long waits are frequent
ok &= a["p_wait_gt"][1, 1] > 0.15 and a["wait_mean"][0] < a["wait_mean"][1]
print(f"{'ok' if ok else 'FAIL'}: schedule: text = CSV ({same}); mean servers {a['_att']['queue_mean_servers']:.4f}; "
      f"class means {list(a['wait_mean'])}, P(W > 8) {list(a['p_wait_gt'][:, 1])}")
sys.exit(0 if ok else 1)
PY

# ---- 5. a job file gives the options' output ----------------------------------------------
cat >"$D/job.ini" <<'INI'
# regia queue: the priority M/M/5 of DOMAIN.md section 3 (paths relative to this file)
[job]
domain = queue
output = job.nc
seed = 7

[queue]
classes = U, B, D, P
rates = 0.4, 1.2, 1.6, 0.8
servers = 5
service_mean = 1
customers = 20000
warmup = 50
reps = 4
t = 1, 2
INI
"$REGIA" queue "$D/job.ini" -q
"$REGIA" queue --classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 --customers 20000 --warmup 50 \
  --reps 4 --t 1,2 --seed 7 --output "$D/opt.nc" -q
cmp -s <(ncdump "$D/job.nc" | sed -n '/^data:/,$p') <(ncdump "$D/opt.nc" | sed -n '/^data:/,$p') ||
  fail "the job file and the options give different data"
cmp -s "$D/job.csv" "$D/opt.csv" || fail "the job file and the options give different CSV summaries"
"$REGIA" queue --classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 --customers 20000 --warmup 50 \
  --reps 4 --t 1,2 --seed 8 --output "$D/seed8.nc" -q
cmp -s "$D/opt.csv" "$D/seed8.csv" && fail "another seed gives the same results"
echo "ok: the job file and the options give the same output; another seed another"
echo "ok: regia queue agrees with Erlang C, Cobham and the hand-worked traces and schedules"
