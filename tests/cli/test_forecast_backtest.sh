#!/usr/bin/env bash
# regia forecast --backtest WINDOWS: a rolling origin (statsforecast's cross_validation
# with step_size = horizon): per window w the model is refitted on the series up to
# len - w x horizon and compared with the next horizon values.  MASE (scale: in-sample
# mean absolute seasonal-naive error of the training part), sMAPE and interval coverage
# are recomputed here independently from OUT_backtest.csv and the input, per window, per
# series and overall, and compared with the NetCDF variables and the log; a hand series
# whose seasonal-naive scale is known exactly (3.5); byte-identical outputs at 1, 2 and 3
# ranks and after a checkpoint resume; the windows' cutoffs equal statsforecast's
# cross_validation (peer venv, when installed); a series too short for the windows is reported
# and skipped; --backtest 0 and windows no series can take are refused; the output with
# the backtest and fitted variables passes the CF-1.10 / ACDD-1.3 checker (when installed).
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 - "$D/in.csv" <<'PY'
import sys, math, datetime as dt
def noise(i, k):
    return math.sin(12.9898 * i + 78.233 * k) * 43758.5453 % 2 - 1
d0 = dt.date(2024, 1, 1)
with open(sys.argv[1], "w") as f:
    f.write("series_id,time,value\n")
    for k in range(6):
        for i in range(91):
            v = 60 + 4 * k + (0.25 * i if k % 2 else 0) + 7 * math.sin(2 * math.pi * i / 7 + k) + 2 * noise(i, k)
            miss = k == 2 and i % 13 == 6          # missing values, held-out ones included
            f.write(f"s{k},{d0 + dt.timedelta(days=i)},{'' if miss else f'{v:.3f}'}\n")
    pat = [0, 3, 1, 4, 1, 5, 9]
    for i in range(91):  # season 7 + 0.5 per step: y_t - y_(t-7) = 3.5 exactly
        f.write(f"saw,{d0 + dt.timedelta(days=i)},{10 + pat[i % 7] + 0.5 * i}\n")
    for i in range(20):  # too short for 3 windows of 7 (+ m + 1)
        f.write(f"short,{d0 + dt.timedelta(days=i)},{30 + noise(i, 3):.3f}\n")
PY
args=(forecast --input "$D/in.csv" --season 7 --horizon 7 --backtest 3 --fitted)
for np in 1 2 3; do
  run_np $np "${args[@]}" --output "$D/b$np.nc" 2>"$D/log$np" || { cat "$D/log$np"; fail "np=$np"; }
  { ncdump "$D/b$np.nc"; ncdump "$D/b$np.model.nc"; } | sed -n '/^data:/,/^}/p' >"$D/data$np.txt"
done
for np in 2 3; do
  cmp "$D/b1_backtest.csv" "$D/b${np}_backtest.csv" && cmp "$D/b1_forecast.csv" "$D/b${np}_forecast.csv" || fail "CSVs differ at np=$np"
  cmp -s "$D/data1.txt" "$D/data$np.txt" || fail "NetCDF data differ at np=$np"
done
echo "ok: backtest NetCDF (output and model file) and CSVs identical at 1, 2, 3 ranks"
# cdo reads both files without a warning (the per-window arrays are in the model file b1.model.nc)
if command -v cdo >/dev/null; then
  for f in b1 b1.model; do
    cdo sinfo "$D/$f.nc" >"$D/cdo.txt" 2>&1 || { cat "$D/cdo.txt"; fail "cdo sinfo $f.nc"; }
    if grep -i 'warning' "$D/cdo.txt"; then
      fail "cdo sinfo warns on $f.nc"
    fi
  done
  grep -q 'window : 1 to 3 by 1' "$D/cdo.txt" || { cat "$D/cdo.txt"; fail "cdo does not read the window axis of the model file"; }
  echo "ok: cdo sinfo: no warning on the output and the model file"
fi
grep -Eq "warning: backtest: 1 of 8 series skipped: 'short' \(too short: 20 steps, 3 windows of 7 leave -1 to train on\)" \
  "$D/log1" || { cat "$D/log1"; fail "skipped series warning"; }
grep -Eo 'backtest: 3 windows of 7 steps, 7 series evaluated: MASE [0-9.]+, sMAPE [0-9.]+%, coverage 80% interval [0-9.]+%, 95% interval [0-9.]+%' \
  "$D/log1" >"$D/overall.txt" || { cat "$D/log1"; fail "overall figures in the log"; }
echo "ok: log: $(cat "$D/overall.txt")"

/usr/bin/python3 - "$D/b1.nc" "$D/b1_backtest.csv" "$D/in.csv" "$D/overall.txt" "$D/b1.manifest.json" <<'PY' || fail "metrics"
import os, sys, csv, json, re, datetime as dt, numpy as np, netCDF4
nc, bcsv, incsv, overall, man = sys.argv[1:6]
H, W, m = 7, 3, 7
d = netCDF4.Dataset(nc)
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc
ids = forecast_nc.ids(d)
# the per-window arrays are in the model file, the per-series and overall figures in the output
mf = forecast_nc.model_file(d)
grp = lambda v: mf if v in ("window", "backtest_cutoff", "backtest_model", "backtest_mase",
                           "backtest_smape", "backtest_coverage") else d
get = lambda v: grp(v)[v][:].filled(np.nan) if np.ma.isMaskedArray(grp(v)[v][:]) else np.asarray(grp(v)[v][:])
series = {}
for r in csv.DictReader(open(incsv)):
    series.setdefault(r["series_id"], []).append((r["time"], float(r["value"]) if r["value"] else np.nan))
rows = list(csv.reader(open(bcsv, encoding="utf-8", newline="")))
assert rows[0] == ["unique_id", "ds", "cutoff", "window", "model", "y", "forecast", "lo-80", "hi-80", "lo-95", "hi-95"], rows[0]
bt = {}
for r in rows[1:]:
    bt.setdefault((r[0], int(r[3])), []).append(r)
# backtest_model: a flag variable (CDO reads no char data); its meaning is the CSV's model
bm = mf["backtest_model"]
codes = dict(zip(bm.flag_values.tolist(), bm.flag_meanings.split()))
bmv = np.ma.filled(bm[:], -1)
for (sid, w), rs in bt.items():
    c = codes[int(bmv[ids.index(sid), w - 1])]
    want = "ETS(%s,%s,%s)" % (c[0], c[1:-1], c[-1])
    assert all(r[4] == want for r in rs), (sid, w, c, rs[0][4])
assert int(bmv[ids.index("short"), W - 1]) == -1  # window 3 leaves nothing to train on
status = get("backtest_status")
assert list(d["backtest_status"].flag_meanings.split()) == ["evaluated", "too_short", "fit_failed", "no_held_out_values"]
assert sorted({k[0] for k in bt}) == sorted(s for s in ids if s != "short"), sorted({k[0] for k in bt})
assert status[ids.index("short")] == 1 and all(status[ids.index(s)] == 0 for s in ids if s != "short")
assert list(get("window")) == [1, 2, 3]
mase_w, smape_w = get("backtest_mase"), get("backtest_smape")
smase, ssmape, cov = get("backtest_series_mase"), get("backtest_series_smape"), get("backtest_coverage")
cut_nc = get("backtest_cutoff")
allm, alls, inside, npts = [], [], np.zeros(2), 0
for sid, obs in series.items():
    if sid == "short": continue
    s = ids.index(sid)
    times = [t for t, _ in obs]; y = np.array([v for _, v in obs]); n_all = len(y)
    ms, ss, ins, cnt = [], [], np.zeros(2), 0
    for w in range(1, W + 1):
        n = n_all - w * H
        rs = bt[(sid, w)]
        assert len(rs) == H and [r[1] for r in rs] == times[n:n + H], (sid, w)
        assert all(r[2] == times[n - 1] for r in rs), (sid, w, rs[0][2], times[n - 1])
        t = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=float(cut_nc[s, w - 1]))
        assert t.strftime("%Y-%m-%d") == times[n - 1]
        tr = y[:n]
        dif = np.abs(tr[m:] - tr[:-m]); dif = dif[~np.isnan(dif)]
        scale = dif.mean()
        yy = np.array([float(r[5]) if r[5] else np.nan for r in rs]); f = np.array([float(r[6]) for r in rs])
        assert np.array_equal(np.isnan(yy), np.isnan(y[n:n + H])) and np.allclose(yy[~np.isnan(yy)], y[n:n + H][~np.isnan(yy)])
        ok = ~np.isnan(yy)
        e = np.abs(yy[ok] - f[ok])
        mase = e.mean() / scale
        den = np.abs(yy[ok]) + np.abs(f[ok])
        smape = np.mean(np.where(den > 0, 200 * e / np.where(den > 0, den, 1), 0))
        assert np.isclose(mase, mase_w[s, w - 1], rtol=1e-12), (sid, w, mase, mase_w[s, w - 1])
        assert np.isclose(smape, smape_w[s, w - 1], rtol=1e-12), (sid, w, smape, smape_w[s, w - 1])
        if sid == "saw":
            assert scale == 3.5, scale   # the hand case: y_t - y_(t-7) = 3.5
            assert np.isclose(mase_w[s, w - 1] * 3.5, e.mean(), rtol=1e-12)
        ms.append(mase); ss.append(smape); cnt += ok.sum()
        for li, (lo, hi) in enumerate(((7, 8), (9, 10))):
            l = np.array([float(r[lo]) for r in rs]); h = np.array([float(r[hi]) for r in rs])
            ins[li] += ((l[ok] <= yy[ok]) & (yy[ok] <= h[ok])).sum()
    assert np.isclose(np.mean(ms), smase[s], rtol=1e-12) and np.isclose(np.mean(ss), ssmape[s], rtol=1e-12), sid
    assert np.allclose(ins / cnt, cov[s], rtol=1e-12), (sid, ins / cnt, cov[s])
    assert int(get("backtest_n_points")[s]) == cnt
    allm.append(np.mean(ms)); alls.append(np.mean(ss)); inside += ins; npts += cnt
assert npts == 7 * W * H - 2, npts  # s2: 2 missing held-out values
want = [np.mean(allm), np.mean(alls)] + list(inside / npts)
got = [float(get("backtest_mase_overall")), float(get("backtest_smape_overall"))] + list(get("backtest_coverage_overall"))
assert np.allclose(want, got, rtol=1e-12), (want, got)
log = [float(x) for x in re.findall(r"MASE ([0-9.]+), sMAPE ([0-9.]+)%, coverage 80% interval ([0-9.]+)%, 95% interval ([0-9.]+)%", open(overall).read())[0]]
assert np.allclose(log, [want[0], want[1], 100 * want[2], 100 * want[3]], rtol=2e-3, atol=0.051), (log, want)
mf = json.load(open(man))
assert mf["backtest_windows"] == 3 and mf["backtest_series_evaluated"] == 7 and np.isclose(mf["backtest_mase"], want[0])
assert "backtest" in {o["role"] for o in mf["outputs"]}
print("python: MASE %.4f, sMAPE %.3f%%, coverage 80%% %.3f, 95%% %.3f recomputed from the CSV and the input" % tuple(want))
PY
echo "ok: MASE, sMAPE and coverage per window, series and overall = the independent recomputation"

# the windows are statsforecast's: cross_validation(h=7, step_size=7, n_windows=3) has the same cutoffs
PEER=${BUILD:-$REGIA_ROOT/build}/peer-venv/bin/python; [[ -x $PEER ]] || PEER=$REGIA_ROOT/build/peer-venv/bin/python
if [[ -x $PEER ]] && "$PEER" -c 'import statsforecast' 2>/dev/null; then
  "$PEER" - "$D/in.csv" "$D/b1_backtest.csv" <<'PY' || fail "cutoffs differ from statsforecast's cross_validation"
import sys, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import Naive
df = pd.read_csv(sys.argv[1]).rename(columns={"series_id": "unique_id", "time": "ds", "value": "y"})
df["ds"] = pd.to_datetime(df["ds"])
df = df[df.unique_id != "short"].fillna(0.0)
cv = StatsForecast(models=[Naive()], freq="D").cross_validation(df=df, h=7, step_size=7, n_windows=3)
cv = cv.reset_index() if "unique_id" not in cv.columns else cv
want = sorted(set((u, str(c)[:10], str(d)[:10]) for u, c, d in zip(cv.unique_id, cv.cutoff, cv.ds)))
bt = pd.read_csv(sys.argv[2])
got = sorted(set((u, c, d) for u, c, d in zip(bt.unique_id, bt.cutoff, bt.ds)))
assert got == want, (got[:5], want[:5])
print("statsforecast: the same %d (series, cutoff, ds) rows" % len(got))
PY
  echo "ok: windows and cutoffs = statsforecast cross_validation(h=7, step_size=7, n_windows=3)"
else
  echo "note: statsforecast not in build/peer-venv (scripts/install-peers.sh): cutoffs not compared with it"
fi

# checkpoint resume: interrupted after the first blocks, resumed at another rank count
ck=(forecast --input "$D/in.csv" --season 7 --horizon 7 --backtest 3 --fitted --chunk 1 --checkpoint-interval 0.0001)
mpirun -np 2 --oversubscribe "$REGIA" "${ck[@]}" --output "$D/c.nc" >"$D/c1.log" 2>&1 & pid=$!
for _ in $(seq 1 600); do [[ -f $D/c.ckpt/rank-0.ckpt ]] && break; sleep 0.05; done
kill -USR1 $pid; rc=0; wait $pid || rc=$?
if ((rc == 3)); then
  run_np 3 "${ck[@]}" --output "$D/c.nc" >"$D/c2.log" 2>&1 || { cat "$D/c2.log"; fail "resumed run"; }
  grep -q 'series restored from the checkpoint' "$D/c2.log" || { cat "$D/c2.log"; fail "nothing restored"; }
  echo "ok: interrupted (exit 3) and resumed: $(grep -ho '[0-9]* of [0-9]* series restored' "$D/c2.log" | head -1)"
else
  ((rc == 0)) || { cat "$D/c1.log"; fail "interrupted run: exit status $rc"; }
  echo "note: the run finished before SIGUSR1 reached it"
fi
cmp -s "$D/data1.txt" <({ ncdump "$D/c.nc"; ncdump "$D/c.model.nc"; } | sed -n '/^data:/,/^}/p') || fail "resumed NetCDF differs"
cmp "$D/b1_backtest.csv" "$D/c_backtest.csv" && cmp "$D/b1_forecast.csv" "$D/c_forecast.csv" &&
  cmp "$D/b1_fitted.csv" "$D/c_fitted.csv" || fail "resumed CSVs differ"
echo "ok: checkpoint resume gives the same NetCDF and CSVs"

# bad options
expect_fail "--backtest 0" "backtest.*'0'|backtest.*0.*(at least|range|1)" "$REGIA" forecast --input "$D/in.csv" --season 7 \
  --horizon 7 --backtest 0 --output "$D/x.nc"
expect_fail "windows no series can take" "--backtest 20: none of the 8 series can be evaluated: 's0' \(91 steps: too short\)" \
  "$REGIA" forecast --input "$D/in.csv" --season 7 --horizon 7 --backtest 20 --output "$D/y.nc"
[[ ! -e $D/y.nc && ! -e $D/y_forecast.csv && ! -e $D/y_backtest.csv && ! -e $D/y.manifest.json ]] || fail "outputs after a failed backtest"
echo "ok: no output after the refused backtest"

# CF-1.10 and ACDD-1.3 of the output with the backtest and fitted variables
if (cf_checker_find >/dev/null 2>&1); then
  cf_checker_find >/dev/null
  cf_check "$D/b1.nc" forecast >"$D/cf.txt" || { cat "$D/cf.txt"; fail "CF/ACDD checker on the backtest output"; }
  grep -E '^b1.nc: ' "$D/cf.txt"
  echo "ok: the backtest output passes the CF-1.10 / ACDD-1.3 checker (accepted findings: tests/reference/cf_report.py)"
else
  echo "note: no CF checker (scripts/install-cf-checker.sh): CF/ACDD check of the backtest output not run"
fi
