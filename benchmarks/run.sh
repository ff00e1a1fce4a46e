#!/usr/bin/env bash
# regia's benchmarks (`make bench`).  ETS on CPU: regia vs R forecast::ets vs statsmodels
# ETSModel on the same generated series, single core each, one after the other; writes
# benchmarks/results/ets_cpu_<date>.{md,json}.
#
# Environment: BUILD (build dir), REGIA (the binary; unused by the ETS benchmark),
#   ETS_N (series for regia, 200), ETS_K (series for R and statsmodels, 200; the first K),
#   ETS_REPS (regia repetitions, median reported, 3), ETS_RATIO (speed target vs R, 30),
#   ETS_TOL (MASE tolerance vs R, 0: no worse), PYTHON (/usr/bin/python3), RSCRIPT (Rscript).
# Then the weak-scaling run (bench_scaling.sh) and the waiting-list benchmarks:
# bench_croston.sh (Croston family vs statsforecast 2.1.1), bench_queue.sh (queue simulation
# vs Ciw 3.2.7), bench_ingest_waitlist.sh (5 M bookings at 1 and 2 ranks); structural
# sensors: bench_welch.sh (QC + Welch PSD and CSD vs scipy.signal 1.14.1), bench_ssi.sh (SSI with
# automatic modes per record vs pyOMA-2 1.4.3 and koma-python 1.3.6), bench_gev.sh (GEV fits vs
# evd::fgev 2.3.6.1), bench_sensors_day.sh (regia sensors on scaled-down stores, a cost model
# per stage checked on a held-out size, extrapolated to one day of 1,000 triaxial 200 Hz sensors).
# Exit status: 0 all valid and targets met; 1 a wrong or missing result; 3 valid results
# but a target missed (the results file is written in every case it can be).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${BUILD:=$root/build}" "${ETS_N:=200}" "${ETS_K:=200}" "${ETS_REPS:=3}" "${ETS_RATIO:=30}"
: "${ETS_TOL:=0}" "${PYTHON:=/usr/bin/python3}" "${RSCRIPT:=Rscript}"
work=$root/benchmarks/work
results=$root/benchmarks/results
mkdir -p "$work" "$results"

# One core, one thread for every tool.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
pin=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then pin=(taskset -c 0); fi

die() { echo "bench: $*" >&2; exit 1; }
bench_ets=$BUILD/benchmarks/bench_ets
[[ -x $bench_ets ]] || die "$bench_ets not built (make DEPS=0 $bench_ets)"
"$PYTHON" -c 'import numpy, statsmodels' 2>/dev/null \
  || die "$PYTHON lacks numpy/statsmodels (make deps-bench, or set PYTHON)"
"$RSCRIPT" -e 'suppressPackageStartupMessages(library(forecast))' >/dev/null 2>&1 \
  || die "$RSCRIPT cannot load the forecast package (make deps-bench, or set RSCRIPT)"
((ETS_K <= ETS_N)) || die "ETS_K ($ETS_K) must not exceed ETS_N ($ETS_N)"

series=$work/ets_series.csv
echo "== ETS CPU benchmark: $ETS_N series for regia, the first $ETS_K for R and statsmodels"
"$PYTHON" "$here/gen_series.py" "$series" "$ETS_N" 744 || die "generating the series failed"
rm -f "$work"/{regia,r,statsmodels}_{fc.csv,timing.json}

echo "-- regia"
"${pin[@]}" "$bench_ets" --csv "$series" --n "$ETS_N" --horizon 14 --period 7 --backend cpu \
  --threads 1 --reps "$ETS_REPS" --out "$work/regia_fc.csv" --timing "$work/regia_timing.json"
regia_rc=$?
echo "-- R forecast::ets"
"${pin[@]}" "$RSCRIPT" "$here/ets_r.R" "$series" "$ETS_K" 14 "$work/r_fc.csv" "$work/r_timing.json" \
  || echo "bench: R forecast::ets failed" >&2
echo "-- statsmodels ETSModel"
"${pin[@]}" "$PYTHON" "$here/ets_statsmodels.py" "$series" "$ETS_K" 14 "$work/statsmodels_fc.csv" \
  "$work/statsmodels_timing.json" || echo "bench: statsmodels failed" >&2

echo "-- report"
out=$results/ets_cpu_$(date -u +%Y-%m-%d)
"$PYTHON" "$here/ets_report.py" --series "$series" --work "$work" --out "$out" --horizon 14 --period 7 \
  --ratio "$ETS_RATIO" --tol "$ETS_TOL" --regia-rc "$regia_rc"
rc=$?
case $rc in
  0) echo "bench: ETS: PASS" ;;
  3) echo "bench: ETS: valid results, target MISSED (see $out.md)" >&2 ;;
  *) echo "bench: ETS: INVALID results (see messages above and $out.md)" >&2; rc=1 ;;
esac

# --- weak scaling of regia forecast: bench_scaling.sh (results/scaling_<date>.*, docs/scaling.md)
echo "== weak scaling: regia forecast at 1, 2 ranks (4, 8 oversubscribed: correctness only)"
"$here/bench_scaling.sh" "$BUILD" || { echo "bench: scaling: INVALID results" >&2; rc=1; }

# --- waiting lists: each script checks its own results; exit 1 = wrong, 3 = target missed
"$root/scripts/install-peers.sh" || { echo "bench: the peer tools could not be installed" >&2; rc=1; }
wl_bench() { # NAME SCRIPT: run one, fold its verdict into rc (1 wins over 3)
  local name=$1 r=0; shift
  echo "== $name"
  "$@" || r=$?
  case $r in
    0) echo "bench: $name: PASS" ;;
    3) echo "bench: $name: valid results, target MISSED" >&2; ((rc == 0)) && rc=3 ;;
    *) echo "bench: $name: INVALID results" >&2; rc=1 ;;
  esac
}
wl_bench "Croston family vs statsforecast" "$here/bench_croston.sh" "$BUILD"
wl_bench "queue simulation vs Ciw" "$here/bench_queue.sh" "$BUILD"
wl_bench "ingest waitlist (5 M bookings)" "$here/bench_ingest_waitlist.sh" "$BUILD"
wl_bench "Welch spectra (QC + PSD, CSD) vs scipy" "$here/bench_welch.sh" "$BUILD"
wl_bench "SSI per record vs pyOMA-2 and KOMA" "$here/bench_ssi.sh" "$BUILD"
wl_bench "GEV fits vs evd::fgev" "$here/bench_gev.sh" "$BUILD"
wl_bench "one day of 1,000 sensors: model and extrapolation" "$here/bench_sensors_day.sh" "$BUILD"
exit $rc
