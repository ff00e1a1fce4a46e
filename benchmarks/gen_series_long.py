#!/usr/bin/env python3
"""Write gen_series.py's air-quality-like daily series in regia forecast's long layout.

Usage: gen_series_long.py OUT.csv N_SERIES [N_DAYS] [series|time]
       (N_DAYS default 730; row order default series)

One row per observation: series_id,time,value, with ids s0000000, s0000001, ... (zero
padded, so byte order is numeric order) and dates from 2023-01-01.  Row order "series":
each series' rows together (an export sorted by series); "time": every series' row of a
day, then the next day (a file appended day by day), so that every byte range of the
file holds rows of every series.  The series come from
gen_series.one_series with its fixed seed, drawn one after the other from one generator:
the first K series of a file of N >= K series are the K series of a file of K series,
so smaller inputs are prefixes of larger ones (the scaling benchmark relies on it).
"""
import datetime as dt
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_series  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, n = sys.argv[1], int(sys.argv[2])
    n_days = int(sys.argv[3]) if len(sys.argv) > 3 else 730
    order = sys.argv[4] if len(sys.argv) > 4 else "series"
    if order not in ("series", "time"):
        sys.exit(f"gen_series_long: row order '{order}' is not series or time")
    rng = np.random.Generator(np.random.PCG64(gen_series.SEED))
    day0 = dt.date(2023, 1, 1)
    dates = [(day0 + dt.timedelta(days=i)).isoformat() for i in range(n_days)]
    with open(out + ".tmp", "w") as f:
        f.write("series_id,time,value\n")
        if order == "series":
            for s in range(n):
                y = gen_series.one_series(rng, n_days)
                sid = f"s{s:07d}"
                f.write("".join(f"{sid},{d},{v:.1f}\n" for d, v in zip(dates, y)))
        else:
            ys = [gen_series.one_series(rng, n_days) for _ in range(n)]
            ids = [f"s{s:07d}" for s in range(n)]
            for i, d in enumerate(dates):
                f.write("".join(f"{sid},{d},{y[i]:.1f}\n" for sid, y in zip(ids, ys)))
    os.replace(out + ".tmp", out)
    print(f"gen_series_long: {n} series x {n_days} days, rows by {order} -> {out}")


if __name__ == "__main__":
    main()
