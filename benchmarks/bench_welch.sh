#!/usr/bin/env bash
# Welch spectra: samples per second per core of regia (bench_welch, 1 thread: channel QC
# when this build has regia/sensor_qc.h, the PSD, the cross-spectral matrix) and of
# scipy.signal.welch / csd 1.14.1, one core each, on the same generated records in one
# run; the values must agree to relative 1e-10 (exit 1 otherwise).
# Writes benchmarks/results/welch_<date>.{md,json}.
#
#   benchmarks/bench_welch.sh [BUILD]
# Environment: BUILD (build dir), WELCH_RECORDS (20 ten-minute triaxial records at
#   200 Hz), WELCH_REPS (repetitions, median reported, 3), REGIA_PEER_VENV (the venv with
#   SciPy 1.14.1, default build/peer-venv).
# Exit status: 0 valid; 1 a wrong, missing or disagreeing result.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
BUILD=${1:-${BUILD:-$root/build}}
: "${WELCH_RECORDS:=20}" "${WELCH_REPS:=3}"
venv=${REGIA_PEER_VENV:-$root/build/peer-venv}
py=$venv/bin/python
work=$root/benchmarks/work/welch
results=$root/benchmarks/results
mkdir -p "$work" "$results"
die() { echo "bench: welch: $*" >&2; exit 1; }

bench=$BUILD/benchmarks/bench_welch
[[ -x $bench ]] || die "$bench not built (make DEPS=0 BUILD=$BUILD $bench)"
[[ -x $py ]] || die "no peer venv at $venv (scripts/install-peers.sh, or set REGIA_PEER_VENV)"
ver=$("$py" -c 'import scipy; print(scipy.__version__)' 2>/dev/null) || die "scipy does not import in $venv"
[[ $ver == 1.14.1 ]] || die "scipy $ver in $venv; the reference is 1.14.1"

# One core, one thread for both tools.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
pin=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then pin=(taskset -c 0); fi

echo "== Welch: regia vs scipy $ver on $WELCH_RECORDS ten-minute triaxial records at 200 Hz, 1 core each"
rm -f "$work"/*.f64 "$work"/*.json "$work"/meta.txt
"$py" "$here/welch_scipy.py" gen "$work" --records "$WELCH_RECORDS" || die "generating the records failed"
echo "-- regia"
"${pin[@]}" "$bench" --dir "$work" --threads 1 --reps "$WELCH_REPS" || echo "bench: welch: bench_welch failed" >&2
echo "-- scipy"
"${pin[@]}" "$py" "$here/welch_scipy.py" run "$work" --reps "$WELCH_REPS" || echo "bench: welch: scipy failed" >&2
echo "-- report"
out=$results/welch_$(date -u +%Y-%m-%d)
"$py" "$here/welch_scipy.py" report "$work" "$out"
rc=$?
if ((rc == 0)); then echo "bench: welch: PASS ($out.md)"
else echo "bench: welch: INVALID or disagreeing results (see $out.md)" >&2; rc=1; fi
rm -f "$work"/*.f64
exit $rc
