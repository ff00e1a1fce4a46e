#!/usr/bin/env bash
# GEV fits per second per core: regia (bench_gev: regia_gev_fit_batch on 1 thread) against
# R's evd::fgev (evd 2.3.6.1, Debian r-cran-evd) on the same generated series in one run;
# the estimates must agree with the converged fgev to 1e-4 (benchmarks/gev_report.py;
# exit 1 otherwise).  Target: >= 10x fgev as shipped, per core.
# Writes benchmarks/results/gev_<date>.{md,json}.
#
#   benchmarks/bench_gev.sh [BUILD]
# Environment: BUILD (build dir), GEV_N (series, 2000), GEV_REPS (regia passes, median
#   reported, 5), GEV_R_REPS (fgev passes, 1).
# Exit status: 0 valid and target met; 1 a wrong, missing or disagreeing result; 3 valid but
#   the target missed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
BUILD=${1:-${BUILD:-$root/build}}
: "${GEV_N:=2000}" "${GEV_REPS:=5}" "${GEV_R_REPS:=1}"
work=$root/benchmarks/work/gev
results=$root/benchmarks/results
mkdir -p "$work" "$results"
die() { echo "bench: gev: $*" >&2; exit 1; }
bench=$BUILD/benchmarks/bench_gev
[[ -x $bench ]] || die "$bench not built (make DEPS=0 BUILD=$BUILD $bench)"
command -v Rscript >/dev/null || die "Rscript not found (R with r-cran-evd: scripts/install-deps.sh bench)"
Rscript -e 'suppressMessages(library(evd))' >/dev/null 2>&1 || die "R package evd missing (Debian r-cran-evd)"
# One core, one thread for both tools.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
pin=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then pin=(taskset -c 0); fi
series=$work/series.txt
echo "== GEV fits: regia vs evd::fgev on $GEV_N series, 1 core each"
Rscript "$here/gev_evd.R" gen "$series" "$GEV_N" 20261201 || die "generating the series failed"
rm -f "$work"/{regia,evd,evd_tight}.{csv,json}
echo "-- regia"
"${pin[@]}" "$bench" --series "$series" --out "$work/regia.csv" --timing "$work/regia.json" --threads 1 \
  --reps "$GEV_REPS" || echo "bench: gev: bench_gev failed" >&2
echo "-- evd::fgev as shipped"
"${pin[@]}" Rscript "$here/gev_evd.R" run "$series" "$work/evd.csv" "$work/evd.json" "$GEV_R_REPS" ||
  echo "bench: gev: fgev failed" >&2
echo "-- evd::fgev converged (the reference of the check)"
"${pin[@]}" Rscript "$here/gev_evd.R" run "$series" "$work/evd_tight.csv" "$work/evd_tight.json" 1 tight ||
  echo "bench: gev: converged fgev failed" >&2
echo "-- report"
out=$results/gev_$(date -u +%Y-%m-%d)
/usr/bin/python3 "$here/gev_report.py" "$work" "$out"
rc=$?
case $rc in
  0) echo "bench: gev: PASS ($out.md)" ;;
  3) echo "bench: gev: valid, but the 10x target MISSED ($out.md)" >&2 ;;
  *) echo "bench: gev: INVALID or disagreeing results (see $out.md)" >&2; rc=1 ;;
esac
exit $rc
