#!/usr/bin/env bash
# The Croston family: series per second of regia (bench_croston, 1 thread) and of
# statsforecast 2.1.1 (each model's forecast in a Python loop), one core each, on the
# same generated series in one run; the forecasts must agree to 1e-9 (exit 1 otherwise).
# Writes benchmarks/results/croston_<date>.{md,json}.
#
#   benchmarks/bench_croston.sh [BUILD]
# Environment: BUILD (build dir), CROSTON_N (generated series, 2000, plus the edge
#   cases), CROSTON_REPS (repetitions, median reported, 3), REGIA_PEER_VENV (the venv
#   with statsforecast 2.1.1, default build/peer-venv).
# Exit status: 0 valid; 1 a wrong, missing or disagreeing result.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
BUILD=${1:-${BUILD:-$root/build}}
: "${CROSTON_N:=2000}" "${CROSTON_REPS:=3}"
venv=${REGIA_PEER_VENV:-$root/build/peer-venv}
py=$venv/bin/python
work=$root/benchmarks/work/croston
results=$root/benchmarks/results
mkdir -p "$work" "$results"
die() { echo "bench: croston: $*" >&2; exit 1; }

bench=$BUILD/benchmarks/bench_croston
[[ -x $bench ]] || die "$bench not built (make DEPS=0 BUILD=$BUILD $bench)"
[[ -x $py ]] || die "no peer venv at $venv (scripts/install-peers.sh, or set REGIA_PEER_VENV)"
ver=$("$py" -c 'import statsforecast; print(statsforecast.__version__)' 2>/dev/null) ||
  die "statsforecast does not import in $venv"
[[ $ver == 2.1.1 ]] || die "statsforecast $ver in $venv; the reference is 2.1.1"

# One core, one thread for both tools.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
pin=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then pin=(taskset -c 0); fi

series=$work/series.csv
echo "== Croston family: regia vs statsforecast $ver on $CROSTON_N series (+ edge cases), 1 core each"
"$py" "$root/tests/reference/croston_statsforecast.py" gen "$series" --count "$CROSTON_N" --seed 20261202 ||
  die "generating the series failed"
rm -f "$work"/{regia,sf}_{fc.csv,timing.json}
echo "-- regia"
"${pin[@]}" "$bench" --csv "$series" --threads 1 --reps "$CROSTON_REPS" --out "$work/regia_fc.csv" \
  --timing "$work/regia_timing.json" || echo "bench: croston: bench_croston failed" >&2
echo "-- statsforecast"
"${pin[@]}" "$py" "$here/croston_statsforecast.py" run "$series" "$work/sf_fc.csv" "$work/sf_timing.json" \
  --reps "$CROSTON_REPS" || echo "bench: croston: statsforecast failed" >&2
echo "-- report"
out=$results/croston_$(date -u +%Y-%m-%d)
"$py" "$here/croston_statsforecast.py" report --series "$series" --work "$work" --out "$out"
rc=$?
if ((rc == 0)); then echo "bench: croston: PASS ($out.md)"
else echo "bench: croston: INVALID or disagreeing results (see $out.md)" >&2; rc=1; fi
exit $rc
