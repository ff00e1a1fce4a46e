#!/usr/bin/env python3
"""Ciw (3.2.7) on the benchmark queue of bench_queue.sh: priority classes with Poisson
arrivals, exponential services, a weekly schedule of shifts; non-preemptive priority.

Time unit: hours; a week is 168 h and day d of the week (0 = Monday) has its shift
from d*24 + start to d*24 + end on weekdays (Ciw's Schedule: numbers_of_servers[j] up to
shift_end_dates[j], cyclic).  Arrivals stop at the horizon (a custom distribution returns
inf after it, as regia's horizon ends the arrivals), the customers present are served to
the end, and the customers who arrived after the warmup are counted: the model regia
simulates.  Prints JSON: per replication and class the count and mean wait, and the
seconds spent in simulate_until_max_time: per replication the least of --repeat runs
from the same seed (the same simulation each time, so other load on the machine counts
as little as it can; regia's op is timed the same way, best of its runs).

usage: queue_ciw.py --rates R0,R1,.. --mean M --servers C --shift START,END
                    --weeks W --warmup-weeks U --reps N --seed S [--repeat 3]
"""
import argparse
import json
import math
import random
import sys
import time

import ciw


class StoppedExponential(ciw.dists.Distribution):
    """Exponential interarrival times; inf once the next arrival would fall after the horizon."""

    def __init__(self, rate, horizon):
        super().__init__()
        self.rate, self.horizon = rate, horizon

    def sample(self, t=None, ind=None):
        x = random.expovariate(self.rate)
        return x if t + x < self.horizon else float("inf")


def schedule(servers, start, end):
    counts, ends = [], []
    for d in range(7):
        if d < 5:
            counts += [0, servers]
            ends += [d * 24 + start, d * 24 + end]
        counts.append(0)
        ends.append((d + 1) * 24)
    # merge zero runs (Ciw accepts them, but keep it tidy)
    c2, e2 = [], []
    for c, e in zip(counts, ends):
        if c2 and c2[-1] == c:
            e2[-1] = e
        else:
            c2.append(c), e2.append(e)
    return c2, e2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rates", required=True)
    ap.add_argument("--mean", type=float, required=True)
    ap.add_argument("--servers", type=int, required=True)
    ap.add_argument("--shift", required=True)
    ap.add_argument("--weeks", type=int, required=True)
    ap.add_argument("--warmup-weeks", type=int, default=1)
    ap.add_argument("--reps", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    rates = [float(x) for x in a.rates.split(",")]
    start, end = (float(x) for x in a.shift.split(","))
    horizon = 168.0 * a.weeks
    warmup = 168.0 * a.warmup_weeks
    counts, ends = schedule(a.servers, start, end)
    names = [f"Class {k}" for k in range(len(rates))]
    reps, seconds = [], 0.0
    for r in range(a.reps):
        best = math.inf
        for _ in range(max(1, a.repeat)):
            net = ciw.create_network(
                arrival_distributions={n: [StoppedExponential(lam, horizon)] for n, lam in zip(names, rates)},
                service_distributions={n: [ciw.dists.Exponential(1.0 / a.mean)] for n in names},
                number_of_servers=[ciw.Schedule(numbers_of_servers=counts, shift_end_dates=ends)],
                priority_classes={n: k for k, n in enumerate(names)},
            )
            ciw.seed(a.seed + r)
            sim = ciw.Simulation(net)
            t0 = time.process_time()
            # drain: arrivals stopped at the horizon; 8 more weeks serve everyone left
            sim.simulate_until_max_time(horizon + 8 * 168.0)
            best = min(best, time.process_time() - t0)
        seconds += best
        n = [0] * len(rates)
        w = [0.0] * len(rates)
        for rec in sim.get_all_records():
            if rec.arrival_date >= warmup:
                k = names.index(rec.customer_class)
                n[k] += 1
                w[k] += rec.waiting_time
        left = sum(len(nd.all_individuals) for nd in sim.transitive_nodes)
        if left:
            print(f"queue_ciw: replication {r}: {left} customers still present after the drain", file=sys.stderr)
            sys.exit(1)
        reps.append({"n": n, "mean_wait": [w[k] / n[k] if n[k] else math.nan for k in range(len(rates))]})
    json.dump({"tool": "ciw", "version": ciw.__version__, "weeks_per_rep": a.weeks, "reps": reps,
               "seconds": seconds, "repeat": max(1, a.repeat), "schedule": {"servers": counts, "ends": ends}}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
