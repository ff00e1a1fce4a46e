#!/usr/bin/env bash
# regia queue against Ciw 3.2.7 (an independent discrete-event simulator, pure Python) on
# the same models, class by class: the mean wait and P(W > 1) agree within their combined
# Monte Carlo error (|z| < 4, both errors from independent replications):
#  A. non-preemptive priority M/M/5, classes U,B,D,P with rates 0.4, 1.2, 1.6, 0.8 (mu 1);
#  B. two priority classes on a daily shift schedule (closed 00:00-08:00, 3 servers
#     08:00-24:00; a server whose shift ends finishes its customer) with lognormal service
#     times (mean 0.5, cv 0.8).  The schedule alternates between 0 and 3 servers because
#     there the two simulators mean the same thing: at every shift change Ciw (without
#     preemption) replaces all servers by the new shift's and lets the busy ones finish on
#     top of it, while regia keeps a busy server on duty as one of the new shift's; from
#     3 to 1 servers the two differ (Ciw has more capacity just after each change).
# Both count customers arriving in [50, 5050) and serve them to the end.  The comparison
# must be able to fail: regia's fcfs run of model A differs from Ciw's priority run.
# Needs the peer venv (scripts/install-peers.sh): skipped (77) without it.
source "$(dirname "$0")/lib.sh"
D=$TMP
venv=${REGIA_PEER_VENV:-$REGIA_ROOT/build/peer-venv}
[[ -x $venv/bin/python ]] || skip "no peer venv at $venv (scripts/install-peers.sh installs Ciw 3.2.7)"
"$venv/bin/python" -c 'import ciw, sys; sys.exit(ciw.__version__ != "3.2.7")' 2>/dev/null ||
  skip "Ciw 3.2.7 is not installed in $venv (scripts/install-peers.sh)"

# --- Ciw: per-class replication means and P(W > 1) -> JSON ----------------------------------
"$venv/bin/python" - "$D/ciw.json" <<'PY'
import json, math, sys
import ciw
WARM, END, REPS = 50.0, 5050.0, 10
def run(classes, rates, service, servers, seed):
    net = ciw.create_network(
        arrival_distributions={c: [ciw.dists.Exponential(r)] for c, r in zip(classes, rates)},
        service_distributions={c: [service()] for c in classes},
        number_of_servers=[servers],
        priority_classes={c: i for i, c in enumerate(classes)})
    ciw.seed(seed)
    q = ciw.Simulation(net)
    q.simulate_until_max_time(END + 200)  # every customer arriving before END is served by then
    recs = q.get_all_records()
    out = {}
    for c in classes:
        w = [r.waiting_time for r in recs if r.customer_class == c and WARM <= r.arrival_date < END]
        out[c] = (sum(w) / len(w), sum(x > 1 for x in w) / len(w), len(w))
    return out
def summarise(classes, reps):
    res = {}
    for c in classes:
        m = [r[c][0] for r in reps]; p = [r[c][1] for r in reps]
        se = lambda x: math.sqrt(sum((v - sum(x) / len(x)) ** 2 for v in x) / (len(x) - 1) / len(x))
        res[c] = {"mean": sum(m) / len(m), "mean_se": se(m), "p1": sum(p) / len(p), "p1_se": se(p),
                  "n": sum(r[c][2] for r in reps)}
    return res
A = ["U", "B", "D", "P"]
repsA = [run(A, [0.4, 1.2, 1.6, 0.8], lambda: ciw.dists.Exponential(1.0), 5, 100 + i) for i in range(REPS)]
s2 = math.log1p(0.8 ** 2)
lognormal = lambda: ciw.dists.Lognormal(math.log(0.5) - s2 / 2, math.sqrt(s2))
sched = lambda: ciw.Schedule(numbers_of_servers=[0, 3], shift_end_dates=[8, 24])
B = ["hi", "lo"]
repsB = []
for i in range(REPS):
    net = ciw.create_network(
        arrival_distributions={"hi": [ciw.dists.Exponential(1.0)], "lo": [ciw.dists.Exponential(0.5)]},
        service_distributions={"hi": [lognormal()], "lo": [lognormal()]},
        number_of_servers=[sched()], priority_classes={"hi": 0, "lo": 1})
    ciw.seed(200 + i)
    q = ciw.Simulation(net)
    q.simulate_until_max_time(END + 200)
    recs = q.get_all_records()
    out = {}
    for c in B:
        w = [r.waiting_time for r in recs if r.customer_class == c and WARM <= r.arrival_date < END]
        out[c] = (sum(w) / len(w), sum(x > 1 for x in w) / len(w), len(w))
    repsB.append(out)
json.dump({"A": summarise(A, repsA), "B": summarise(B, repsB)}, open(sys.argv[1], "w"), indent=1)
PY
echo "ok: Ciw $("$venv/bin/python" -c 'import ciw; print(ciw.__version__)') ran both models"

# --- regia on the same models --------------------------------------------------------------
common=(--horizon 5050 --warmup 50 --reps 20 --t 1 -q)
"$REGIA" queue --classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 "${common[@]}" --output "$D/a.nc"
"$REGIA" queue --classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 "${common[@]}" --discipline fcfs \
  --output "$D/a_fcfs.nc"
"$REGIA" queue --classes hi,lo --rates 1,0.5 --schedule "daily 08:00-24:00 x3" --service lognormal \
  --service-mean 0.5 --service-cv 0.8 "${common[@]}" --output "$D/b.nc"

/usr/bin/python3 - "$D" <<'PY'
import json, math, sys
import netCDF4
D = sys.argv[1]
ciw = json.load(open(f"{D}/ciw.json"))
def load(f):
    with netCDF4.Dataset(f"{D}/{f}.nc") as ds:
        ds.set_auto_mask(False)
        names = ["".join(ch.decode() for ch in row if ch) for row in ds["class_name"][...]]
        return {c: {"mean": ds["wait_mean"][k], "mean_se": ds["wait_mean_se"][k], "p1": ds["p_wait_gt"][0, k],
                    "p1_se": ds["p_wait_gt_se"][0, k], "n": ds["customers"][k]} for k, c in enumerate(names)}
def compare(model, f, expect_agree=True):
    r, c = load(f), ciw[model]
    worst = 0.0
    for k in c:
        for s in ("mean", "p1"):
            z = (r[k][s] - c[k][s]) / math.hypot(r[k][s + "_se"], c[k][s + "_se"])
            worst = max(worst, abs(z))
            if expect_agree:
                print(f"{'ok' if abs(z) < 4 else 'FAIL'}: {model} {k} {s}: regia {r[k][s]:.5f} +- {r[k][s + '_se']:.2g} "
                      f"({r[k]['n']} customers), Ciw {c[k][s]:.5f} +- {c[k][s + '_se']:.2g} ({c[k]['n']}): z = {z:+.2f}")
    return worst
ok = compare("A", "a") < 4
ok &= compare("B", "b") < 4
z = compare("A", "a_fcfs", expect_agree=False)
print(f"{'ok' if z > 10 else 'FAIL'}: regia fcfs against Ciw priority: worst |z| = {z:.1f} (must disagree)")
ok &= z > 10
sys.exit(0 if ok else 1)
PY
echo "ok: regia queue agrees with Ciw 3.2.7 on a priority M/M/5 and on a scheduled lognormal queue"
