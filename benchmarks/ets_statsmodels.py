#!/usr/bin/env python3
"""statsmodels ETSModel on the benchmark series, the same candidate set as R's ets().

statsmodels has no automatic model selection, so this fits every model that R's
ets(y) considers by default for a positive seasonal series (error A/M x trend N/A/Ad x
season N/A/M, less the additive-error/multiplicative-season ones R's restrict = TRUE
drops: 15 models) and keeps the one with the smallest AICc, as R does.  Each model is
fitted with ETSModel's defaults (initial states estimated, L-BFGS-B on the likelihood,
statsmodels' own parameter bounds).  Forecast with 80/95 % prediction intervals
(simulated by statsmodels for models with multiplicative parts).  Times the fit +
forecast loop only, not the imports or reading the CSV.

Usage: ets_statsmodels.py SERIES.csv K HORIZON OUT_FORECASTS.csv OUT_TIMING.json
"""
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

PERIOD = 7
# (code, error, trend, damped, seasonal)
CANDIDATES = []
for e in ("add", "mul"):
    for t, damped in ((None, False), ("add", False), ("add", True)):
        for s in (None, "add", "mul"):
            if e == "add" and s == "mul":
                continue  # R's restrict = TRUE
            code = (e[0] + ("N" if t is None else "A" + ("d" if damped else ""))
                    + ("N" if s is None else s[0])).upper().replace("D", "d")
            CANDIDATES.append((code, e, t, damped, s))


def fit_best(y):
    best = None
    for code, e, t, damped, s in CANDIDATES:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = ETSModel(y, error=e, trend=t, damped_trend=damped, seasonal=s,
                             seasonal_periods=PERIOD if s else None)
                r = m.fit(disp=False)
        except Exception:  # a candidate that fails to fit is skipped, as in R
            continue
        if np.isfinite(r.aicc) and (best is None or r.aicc < best[1].aicc):
            best = (code, r)
    return best


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    csv, k, h, out_fc, out_tm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    ids = np.genfromtxt(csv, delimiter=",", skip_header=1, usecols=0, dtype=str)
    y_all = np.genfromtxt(csv, delimiter=",", skip_header=1)[:, 1:]
    if y_all.shape[0] < k:
        sys.exit(f"{csv} has {y_all.shape[0]} series, {k} asked")
    n_train = y_all.shape[1] - h
    rows = []
    t0 = time.perf_counter()
    for s in range(k):
        # a pandas Series: ETSModel's prediction results need an index
        y = pd.Series(y_all[s, :n_train], index=pd.RangeIndex(n_train))
        best = fit_best(y)
        if best is None:
            rows.append((ids[s], "none", [np.nan] * (5 * h)))
            continue
        code, r = best
        pred = r.get_prediction(start=n_train, end=n_train + h - 1, random_state=s + 1)
        f80 = pred.summary_frame(alpha=0.20)
        f95 = pred.summary_frame(alpha=0.05)
        vals = np.concatenate([np.asarray(f80["mean"]), np.asarray(f80["pi_lower"]),
                               np.asarray(f80["pi_upper"]), np.asarray(f95["pi_lower"]),
                               np.asarray(f95["pi_upper"])])
        rows.append((ids[s], code, vals))
    secs = time.perf_counter() - t0
    with open(out_fc, "w") as f:
        hdr = ["id", "model"] + [f"{p}_{i + 1}" for p in ("mean", "lo80", "hi80", "lo95", "hi95")
                                 for i in range(h)]
        f.write(",".join(hdr) + "\n")
        for sid, code, vals in rows:
            f.write(",".join([sid, code] + [f"{v:.10g}" for v in vals]) + "\n")
    with open(out_tm, "w") as f:
        json.dump({"tool": "statsmodels ETSModel", "n_series": k, "seconds": secs,
                   "candidates": [c[0] for c in CANDIDATES],
                   "statsmodels_version": statsmodels.__version__,
                   "python_version": sys.version.split()[0]}, f)
    print(f"statsmodels ETSModel: {k} series x {len(CANDIDATES)} models in {secs:.2f} s "
          f"({k / secs:.3f} series/s)")


if __name__ == "__main__":
    main()
