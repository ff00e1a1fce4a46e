#!/usr/bin/env python3
"""Compare regia's and Ciw's runs of the benchmark queue (bench_queue.sh): class mean
waits within Monte Carlo error (z from the replication means of each tool), and the
simulated service-weeks per second per core.  Writes the report as Markdown and JSON.

usage: queue_report.py REGIA.json CIW.json OUT.md OUT.json RATIO_TARGET MODEL_TEXT
exit 0: agree and the target is met; 1: the tools disagree; 3: agree, target missed.
"""
import json
import math
import statistics
import sys


def class_stats(run, k):
    v = [r["mean_wait"][k] for r in run["reps"]]
    return statistics.fmean(v), statistics.stdev(v) / math.sqrt(len(v)), sum(r["n"][k] for r in run["reps"])


def main():
    rg, cw = (json.load(open(p)) for p in sys.argv[1:3])
    out_md, out_json, target, model = sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6]
    if rg["schedule"] != cw["schedule"] and [float(x) for x in rg["schedule"]["ends"]] != [float(x) for x in cw["schedule"]["ends"]]:
        print("queue_report: the two schedules differ", rg["schedule"], cw["schedule"], file=sys.stderr)
        sys.exit(1)
    K = len(rg["reps"][0]["n"])
    rows, agree = [], True
    for k in range(K):
        mr, sr, nr = class_stats(rg, k)
        mc, sc, nc = class_stats(cw, k)
        z = (mr - mc) / math.hypot(sr, sc)
        ok = abs(z) < 4
        agree &= ok
        rows.append({"class": k, "regia_mean": mr, "regia_se": sr, "regia_customers": nr, "ciw_mean": mc,
                     "ciw_se": sc, "ciw_customers": nc, "z": z, "agree": ok})
    wr = rg["weeks_per_rep"] * len(rg["reps"]) / rg["seconds"]
    wc = cw["weeks_per_rep"] * len(cw["reps"]) / cw["seconds"]
    ratio = wr / wc
    res = {"model": model, "regia": {"backend": rg["backend"], "threads": rg["threads"], "reps": len(rg["reps"]),
                                      "weeks_per_rep": rg["weeks_per_rep"], "seconds": rg["seconds"],
                                      "runs": rg.get("runs", 3),
                                      "weeks_per_second": wr},
           "ciw": {"version": cw["version"], "reps": len(cw["reps"]), "weeks_per_rep": cw["weeks_per_rep"],
                   "repeat": cw.get("repeat", 1),
                   "seconds": cw["seconds"], "weeks_per_second": wc},
           "ratio": ratio, "target": target, "agree": agree, "classes": rows}
    json.dump(res, open(out_json, "w"), indent=1)
    with open(out_md, "w") as f:
        f.write("# Queue simulation: regia vs Ciw (simulated service-weeks per second per core)\n\n")
        f.write(f"Model: {model}\n\n")
        f.write("| tool | replications x weeks | seconds | service-weeks / s / core |\n|---|---|---|---|\n")
        f.write(f"| regia ({rg['backend']}) | {len(rg['reps'])} x {rg['weeks_per_rep']} | {rg['seconds']:.3f} | {wr:,.0f} |\n")
        f.write(f"| Ciw {cw['version']} | {len(cw['reps'])} x {cw['weeks_per_rep']} | {cw['seconds']:.2f} | {wc:,.1f} |\n\n")
        f.write(f"Ratio: **{ratio:,.0f}x** (target >= {target:,.0f}x): {'met' if ratio >= target else 'MISSED'}.\n\n")
        f.write("Agreement of the class mean waits (hours; z from the replication means of each tool, |z| < 4):\n\n")
        f.write("| class | regia mean (se) | Ciw mean (se) | z | customers regia / Ciw |\n|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r['class']} | {r['regia_mean']:.3f} ({r['regia_se']:.3f}) | {r['ciw_mean']:.3f} ({r['ciw_se']:.3f}) "
                    f"| {r['z']:+.2f}{'' if r['agree'] else ' DISAGREE'} | {r['regia_customers']:,} / {r['ciw_customers']:,} |\n")
        f.write("\nBoth tools simulate the same model in one run on one core each.  Times are CPU seconds: regia's "
                f"op (best of {rg.get('runs', 3)} bit-identical runs of the whole batch), Ciw's "
                f"simulate_until_max_time (per replication the best of {cw.get('repeat', 1)} runs from its seed; "
                "building its network is not counted).\n")
    print(open(out_md).read())
    if not agree:
        print("queue_report: regia and Ciw disagree on a class mean wait", file=sys.stderr)
        sys.exit(1)
    sys.exit(0 if ratio >= target else 3)


if __name__ == "__main__":
    main()
