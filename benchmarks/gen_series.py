#!/usr/bin/env python3
"""Generate the ETS benchmark series: daily, air-quality-like, deterministic.

Usage: gen_series.py OUT.csv [N_SERIES] [N_DAYS]      (defaults: 200 series, 744 days)

Each series looks like a station's daily mean concentration (ug/m3): a level between
8 and 70, a yearly cycle (winter peak for NO2/PM-like series, summer peak for O3-like
ones), a weekly cycle (weekdays above weekends, weak for O3-like), AR(1) noise, and for
about half of them a slow trend (-8 %/year .. +5 %/year).  Seasonality is multiplicative
for most series and additive for some.  All values are positive (rounded to 0.1, >= 0.1).

The output is one row per series: id, then N_DAYS values (the first N_DAYS-14 are for
training, the last 14 are held back).  The generator depends only on its fixed seed and
NumPy's PCG64 (stable across NumPy versions), so every tool reads identical data.
"""
import sys

import numpy as np

SEED = 20261124


def one_series(rng, n_days):
    t = np.arange(n_days, dtype=float)
    kind = rng.choice(["no2", "pm", "o3"], p=[0.45, 0.35, 0.20])
    level = {"no2": rng.uniform(20, 55), "pm": rng.uniform(12, 40), "o3": rng.uniform(35, 70)}[kind]
    day0 = rng.integers(0, 365)            # day of year of the first observation
    dow0 = rng.integers(0, 7)              # day of week of the first observation
    doy = (day0 + t) % 365.25
    # yearly cycle: winter peak (day ~15) for no2/pm, summer peak (day ~190) for o3
    peak = 190.0 if kind == "o3" else 15.0
    amp_y = {"no2": rng.uniform(0.15, 0.40), "pm": rng.uniform(0.25, 0.55),
             "o3": rng.uniform(0.30, 0.55)}[kind]
    yearly = amp_y * np.cos(2 * np.pi * (doy - peak) / 365.25)
    # weekly cycle: weekday profile, weekend drop (Sat, Sun), o3 has a weak inverse one
    dow = (dow0 + t.astype(int)) % 7      # 0 = Monday
    base_week = np.array([0.04, 0.07, 0.08, 0.08, 0.06, -0.10, -0.23])
    amp_w = {"no2": rng.uniform(0.8, 1.6), "pm": rng.uniform(0.3, 0.9),
             "o3": -rng.uniform(0.1, 0.4)}[kind]
    weekly = amp_w * base_week[dow]
    # trend: half the series, in relative change per year
    has_trend = rng.random() < 0.5
    slope = rng.uniform(-0.08, 0.05) / 365.25 if has_trend else 0.0
    trend = slope * t
    # AR(1) noise on the log scale, occasional episodes (stagnation) for pm
    phi = rng.uniform(0.3, 0.7)
    sd = rng.uniform(0.12, 0.30)
    e = rng.normal(0.0, sd * np.sqrt(1 - phi * phi), n_days)
    noise = np.empty(n_days)
    noise[0] = rng.normal(0.0, sd)
    for i in range(1, n_days):
        noise[i] = phi * noise[i - 1] + e[i]
    if rng.random() < 0.7:
        y = level * np.exp(yearly + weekly + trend + noise)       # multiplicative
    else:
        # additive: milder cycles so the series stays well above zero
        y = level * (1 + 0.6 * yearly + 0.6 * weekly + trend) + 0.6 * level * noise
    y = np.maximum(np.round(y, 1), 0.1)
    return y


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    n_days = int(sys.argv[3]) if len(sys.argv) > 3 else 744
    rng = np.random.Generator(np.random.PCG64(SEED))
    with open(out + ".tmp", "w") as f:
        f.write("id," + ",".join(f"d{i + 1}" for i in range(n_days)) + "\n")
        for s in range(n):
            y = one_series(rng, n_days)
            assert np.all(np.isfinite(y)) and np.all(y > 0)
            f.write(f"s{s + 1:04d}," + ",".join(f"{v:.1f}" for v in y) + "\n")
    import os
    os.replace(out + ".tmp", out)
    print(f"gen_series: {n} series x {n_days} days -> {out}")


if __name__ == "__main__":
    main()
