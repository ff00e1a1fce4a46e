#!/usr/bin/env bash
# regia forecast --fitted with a transform: the one-step fits are made on the transformed
# series and back-transformed (bias-adjusted with the model's sigma2 when biasadj, as R's
# ets(y, lambda = L, biasadj = TRUE) makes fitted(fit)); residuals are y - fitted on the
# original scale.
#  1. the fits of --transform boxcox:0.5 equal InvBoxCox of the fits of the same model on the
#     series transformed here (--transform none), bias-adjusted with that run's sigma2;
#     the same for log without biasadj;
#  2. against R's forecast 8.20 where Rscript has it (fitted(ets(y, "AAA", lambda, biasadj)):
#     the two optimisers find nearly the same fit: the fits agree to 1e-4 (5e-6 measured)).
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 - "$D" <<'PY'
import math, sys, datetime as dt
d0 = dt.date(2024, 1, 1)
rows = []
for k in range(3):
    for i in range(84):
        v = (20 + 5 * k) * (1 + 0.3 * math.sin(2 * math.pi * i / 7 + k)) * math.exp(0.1 * math.sin(12.9898 * i + 7 * k))
        rows.append((f"s{k}", str(d0 + dt.timedelta(days=i)), float(f"{v:.4f}")))
with open(f"{sys.argv[1]}/in.csv", "w") as f:
    f.write("series_id,time,value\n")
    for s, t, v in rows: f.write(f"{s},{t},{v!r}\n")
for name, lam in (("half", 0.5), ("log", 0.0)):
    with open(f"{sys.argv[1]}/z_{name}.csv", "w") as f:
        f.write("series_id,time,value\n")
        for s, t, v in rows: f.write(f"{s},{t},{(math.log(v) if lam == 0 else (v ** lam - 1) / lam)!r}\n")
PY
for cfg in "half boxcox:0.5 yes" "log log no"; do
  read -r name t ba <<<"$cfg"
  run_np 2 forecast --input "$D/in.csv" --season 7 --horizon 7 --model AAA --transform "$t" --biasadj="$ba" --fitted \
    --output "$D/f_$name.nc" -q || fail "--fitted --transform $t"
  run_np 2 forecast --input "$D/z_$name.csv" --season 7 --horizon 7 --model AAA --fitted --output "$D/z_$name.nc" -q ||
    fail "--fitted on the transformed series"
  /usr/bin/python3 - "$D/f_${name}_fitted.csv" "$D/z_${name}_fitted.csv" "$D/z_$name.nc" "$t" "$ba" <<'PY' ||
import csv, math, os, sys, numpy as np, netCDF4
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc
f = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
z = list(csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")))
d = netCDF4.Dataset(sys.argv[3])
ids, sig = forecast_nc.ids(d), forecast_nc.param(d, "sigma2")
lam = 0.0 if sys.argv[4] == "log" else float(sys.argv[4].split(":")[1])
ba = sys.argv[5] == "yes"
inv = lambda x: math.exp(x) if lam == 0 else (lam * x + 1) ** (1 / lam)
assert len(f) == len(z) == 3 * 84
worst = 0
for a, b in zip(f, z):
    assert a["unique_id"] == b["unique_id"] and a["ds"] == b["ds"]
    want = inv(float(b["fitted"]))
    if ba:
        want *= 1 + 0.5 * sig[ids.index(b["unique_id"])] * (1 - lam) / want ** (2 * lam)
    got = float(a["fitted"])
    worst = max(worst, abs(got - want) / abs(want))
    assert abs(float(a["residual"]) - (float(a["y"]) - got)) <= 1e-9 * abs(float(a["y"])), a
assert worst < 1e-6, worst
print(f"python: {len(f)} fits = InvBoxCox(fits on the transformed series){' x bias adjustment' if ba else ''} to {worst:.1e}")
PY
    fail "--transform $t: fits are not the back-transformed fits"
  echo "ok: --fitted --transform $t --biasadj $ba: back-transformed fits, residuals on the original scale"
done

if command -v Rscript >/dev/null && Rscript -e 'suppressMessages(library(forecast))' >/dev/null 2>&1; then
  Rscript - "$D/in.csv" "$D/f_half_fitted.csv" <<'R' || fail "R's fitted(ets(y, lambda = 0.5, biasadj = TRUE)) differs"
suppressMessages(library(forecast))
a <- commandArgs(TRUE)
x <- read.csv(a[1]); ours <- read.csv(a[2])
worst <- 0
for (s in unique(x$series_id)) {
  y <- ts(x$value[x$series_id == s], frequency = 7)
  fit <- ets(y, model = "AAA", damped = FALSE, lambda = 0.5, biasadj = TRUE)
  o <- ours[ours$unique_id == s, ]
  rel <- max(abs(o$fitted - as.numeric(fitted(fit))) / abs(as.numeric(fitted(fit))))
  cat(sprintf("R: %s: largest relative difference of the fits %.2e\n", s, rel))
  worst <- max(worst, rel)
}
if (worst > 1e-4) stop(sprintf("fits differ from R's by %.2e", worst))
R
  echo "ok: the fits agree with R's forecast 8.20 fitted(ets(y, "AAA", lambda = 0.5, biasadj = TRUE)) to 1e-4"
else
  echo "note: Rscript with R's forecast package not found; R comparison not run"
fi
