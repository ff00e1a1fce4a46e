#!/usr/bin/env bash
# regia sensors gives the same answers run after run, for any rank count and any thread
# count (../shared/DESIGN.md, Determinism: "byte-identical in the data variables"), on the
# generator's data through the demo job (bilinear model with freeze step and thermal lag,
# EWMA chart, alert rule), where test_sensors_mpi uses a fixture and the linear model.
# A small demo-like store (regia gen sensors, seed 2026, 2 structures of 3 triaxial
# sensors, 6 days of 5-minute records every 4 h) is generated at 1 and at 3 ranks: every
# dataset of each file is identical.  Then the demo job (training_days = 3) runs at 1 rank
# (1 OpenMP / OpenBLAS thread), at 3 ranks, and again at 1 rank with 2 OpenMP and 2
# OpenBLAS threads.  The key outputs must be exactly equal (bit for bit, NaN where NaN):
# the summary's modal_frequency, novelty_score, novelty_threshold, alert_level, and the
# detail's mode_frequency, novelty (per-record D^2) and novelty_threshold; the test
# checks they are not empty (finite thresholds, scored records, identified modes), and
# then that every other dataset of the two files is identical too.  Measured on the full
# demo store (4 structures, 21 days) at 1, 2, 3, 4 ranks, twice at 2, and with 2 threads:
# all 38 summary and 56 detail datasets identical (2026-12-03).
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null || skip "/usr/bin/python3 lacks h5py or numpy"
gen() {
  run_np "$1" gen sensors --structures 2 --days 6 --rate 50 --record-minutes 5 --interval-minutes 240 \
    --sensors 3 --seed 2026 --output-dir "$2" >"$2.log" 2>&1 || { cat "$2.log"; fail "regia gen sensors at $1 ranks"; }
}
gen 1 "$D/store"
gen 3 "$D/store3"
n=0
for f in "$D"/store/*.h5; do
  b=$(basename "$f")
  [[ -f $D/store3/$b ]] || fail "regia gen sensors at 3 ranks wrote no $b"
  h5_same "$f" "$D/store3/$b" || fail "regia gen sensors: $b at 3 ranks differs from 1 rank"
  n=$((n + 1))
done
((n == 2)) || fail "regia gen sensors --structures 2 wrote $n files"
echo "ok: the generator's $n files are identical at 1 and 3 ranks"

job() {  # job NAME: the demo job on the store, outputs NAME.nc and NAME_detail.h5
  sed -e "s#^output = .*#output = $D/$1.nc#" -e "s#^detail = .*#detail = $D/$1_detail.h5#" \
      -e "s#^store = .*#store = $D/store#" -e "s#^training_days = .*#training_days = 3#" \
      "$REGIA_ROOT/jobs/sensors_demo.ini" >"$D/$1.ini"
  grep -q "^training_days = 3" "$D/$1.ini" || fail "the demo job has no [novelty] training_days"
}
job a; OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 run_np 1 sensors "$D/a.ini" >"$D/a.log" 2>&1 \
  || { cat "$D/a.log"; fail "regia sensors at 1 rank"; }
job b; OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 run_np 3 sensors "$D/b.ini" >"$D/b.log" 2>&1 \
  || { cat "$D/b.log"; fail "regia sensors at 3 ranks"; }
job c; OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 run_np 1 sensors "$D/c.ini" >"$D/c.log" 2>&1 \
  || { cat "$D/c.log"; fail "regia sensors at 1 rank, 2 threads"; }
grep -q "backend cpu (2 OpenMP threads)" "$D/c.log" || { cat "$D/c.log"; fail "OMP_NUM_THREADS=2 did not give 2 threads"; }

/usr/bin/python3 - "$D" <<'PY' || fail "key outputs differ"
import sys, numpy as np, h5py
d = sys.argv[1]
keys = {".nc": ["modal_frequency", "novelty_score", "novelty_threshold", "alert_level"],
        "_detail.h5": ["mode_frequency", "novelty", "novelty_threshold"]}
runs = {"b": "3 ranks", "c": "1 rank, 2 threads"}
bad = 0
for ext, names in keys.items():
    ref = h5py.File(d + "/a" + ext, "r")
    for name in names:
        x = ref[name][()]
        fin = np.isfinite(x) if x.dtype.kind == "f" else np.ones(x.shape, bool)
        assert fin.any(), "%s%s: no finite value" % (name, ext)
        for r, what in runs.items():
            y = h5py.File(d + "/" + r + ext, "r")[name][()]
            assert x.shape == y.shape and x.dtype == y.dtype, (name, x.shape, y.shape)
            same = (x == y) | (np.isnan(x) & np.isnan(y)) if x.dtype.kind == "f" else (x == y)
            if not same.all():
                i = tuple(np.argwhere(~same)[0])
                diff = np.abs(x.astype(float) - y.astype(float))
                print("%s (%s): %d of %d values differ from 1 rank, first at %s: %r vs %r, largest |diff| %.3g"
                      % (name, what, int((~same).sum()), x.size, i, x[i], y[i], np.nanmax(diff)))
                bad += 1
thr = h5py.File(d + "/a.nc", "r")["novelty_threshold"][()]
assert np.isfinite(thr).all(), "novelty_threshold %r: a structure without a fitted model" % thr
lvl = h5py.File(d + "/a.nc", "r")["alert_level"][()]
print("novelty_threshold", " ".join("%.17g" % t for t in thr), "; alert days (level > 0):", int((lvl > 0).sum()))
sys.exit(1 if bad else 0)
PY
for r in b c; do
  h5_same "$D/a.nc" "$D/$r.nc" || fail "the summary of run $r differs from run a (1 rank)"
  h5_same "$D/a_detail.h5" "$D/${r}_detail.h5" || fail "the detail of run $r differs from run a (1 rank)"
done
echo "ok: regia sensors on the demo job gives identical data at 1 and 3 ranks and with 2 threads"
