#!/usr/bin/env bash
# bench_scaling.sh - weak scaling of `regia forecast` at 1 and 2 ranks (efficiency T1/T2),
# and at 4 and 8 ranks oversubscribed as a check of correctness only (every data variable
# identical to a 1-rank run of the same input).  Peak memory and phase times per run, and
# the single-node figures that docs/scaling.md's model of Leonardo runs starts from.
# `regia ingest env` is measured by bench_ingest.sh; its latest results are referenced.
# Checks its own results and exits non-zero when one is wrong.  Not part of make check.
#
#   benchmarks/bench_scaling.sh [BUILD]     (BUILD: build directory with regia [build])
#
# Environment: SCALE_N (series per rank, 800: about 20-40 s at 1 rank on one core),
#   SCALE_DAYS (values per series, 730), SCALE_REPS (runs at 1 and 2 ranks, 2: min and
#   median), SCALE_DIR (scratch, default /tmp/regia-bench-scaling, removed at the end
#   unless KEEP=1; needs about 1.2 GB at the defaults), REGIA (the binary; default
#   BUILD/regia), PYTHON (/usr/bin/python3: numpy and netCDF4), RESULTS (report prefix,
#   default benchmarks/results/scaling_<date>).
# Exit status: 0 every check passed; 1 a run failed or an output differs; 2 a tool missing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
BUILD=${1:-${BUILD:-$root/build}}
: "${REGIA:=$BUILD/regia}" "${PYTHON:=/usr/bin/python3}" "${SCALE_N:=800}" "${SCALE_DAYS:=730}"
: "${SCALE_REPS:=2}" "${SCALE_DIR:=/tmp/regia-bench-scaling}"
DATE=$(date -u +%Y-%m-%d)
: "${RESULTS:=$root/benchmarks/results/scaling_$DATE}"
die() { echo "bench_scaling: $*" >&2; exit "${2:-1}"; }
[[ -x $REGIA ]] || die "$REGIA not found; build it first (make DEPS=0 all)" 2
"$PYTHON" -c 'import numpy, netCDF4' 2>/dev/null || die "$PYTHON lacks numpy or netCDF4 (set PYTHON)" 2
command -v mpirun >/dev/null || die "mpirun not found" 2
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) not found: it measures each rank's peak memory" 2
((SCALE_N >= 16 && SCALE_REPS >= 2)) || die "SCALE_N must be >= 16 and SCALE_REPS >= 2" 2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1 REGIA_PROGRESS_INTERVAL=600
D=$SCALE_DIR
mkdir -p "$D" "$(dirname "$RESULTS")" || die "cannot create $D"
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$D"' EXIT
need=$((SCALE_N * SCALE_DAYS * 26 * 40 / 1000000 + 200)) # MB: inputs (15 N series x 2) + outputs
avail=$(df -Pm "$D" | awk 'NR==2 {print $4}')
((avail > need)) || die "$D has $avail MB free, needs about $need MB"
t_start=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# --- inputs: K x SCALE_N series for K = 1, 2, 4, 8 ranks, rows by time; and 2 x N by series.
# The generator is prefix-stable: the first K x N series are the same in every file.
echo "== bench_scaling: $SCALE_N series x $SCALE_DAYS days per rank; inputs in $D"
gen() { "$PYTHON" "$here/gen_series_long.py" "$1" "$2" "$SCALE_DAYS" "$3" >/dev/null || die "generating $1 failed"; }
for k in 1 2 4 8; do gen "$D/in$k.csv" $((k * SCALE_N)) time; done
gen "$D/in2s.csv" $((2 * SCALE_N)) series

runs=$D/runs.tsv
: >"$runs"
# run LABEL NP INPUT ORDER REP: one regia forecast, each rank under /usr/bin/time
run() {
  local label=$1 np=$2 in=$3 order=$4 rep=$5 out="$D/$1.$5"
  local k=${label//[!0-9]/}
  rm -rf "$out".*
  local t0 t1 rc
  t0=$(date +%s.%N)
  mpirun -np "$np" --oversubscribe --bind-to none \
    bash -c 'exec /usr/bin/time -f "%M %e %U %S" -o "$0.time.$OMPI_COMM_WORLD_RANK" "$@"' "$out" \
    "$REGIA" forecast --input "$in" --season 7 --horizon 14 --backend cpu --threads 1 --checkpoint-interval 0 --no-products \
    --output "$out.nc" >"$out.log" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  printf '%s\t%d\t%s\t%d\t%s\t%d\t%.3f\t%d\t%s\n' "$label" "$np" "$in" $((k * SCALE_N)) "$order" "$rep" \
    "$(echo "$t1 - $t0" | bc)" "$rc" "$out" >>"$runs"
  ((rc == 0)) || { echo "bench_scaling: $label rep $rep failed (exit $rc):" >&2; tail -5 "$out.log" >&2; }
  printf '   %-5s %d rank(s) rep %d: %6.1f s  %s\n' "$label" "$np" "$rep" "$(echo "$t1 - $t0" | bc)" \
    "$(grep -o 'read [0-9.]*, compute [0-9.]*, write [0-9.]*' "$out.log" | tail -1)"
}

# 1-rank references of the 4- and 8-rank inputs: untimed, run side by side (one core each)
echo "-- 1-rank references of the 4- and 8-rank inputs (untimed, side by side)"
run ref4 1 "$D/in4.csv" time 1 &
run ref8 1 "$D/in8.csv" time 1
wait
# weak scaling: 1 and 2 ranks, alternating, SCALE_REPS times each
echo "-- weak scaling: 1 and 2 ranks, $SCALE_REPS runs each"
for ((r = 1; r <= SCALE_REPS; r++)); do
  run np1 1 "$D/in1.csv" time "$r"
  run np2 2 "$D/in2.csv" time "$r"
done
run np2s 2 "$D/in2s.csv" series 1
echo "-- 4 and 8 ranks, oversubscribed (correctness only)"
run np4 4 "$D/in4.csv" time 1
run np8 8 "$D/in8.csv" time 1

# SHA-256 throughput of one core (OpenSSL EVP, as regia_sha256_file) on the largest input
sha_mbs=
if command -v openssl >/dev/null; then
  bytes=$(stat -c %s "$D/in8.csv")
  cat "$D/in8.csv" >/dev/null
  t0=$(date +%s.%N)
  openssl dgst -sha256 "$D/in8.csv" >/dev/null && t1=$(date +%s.%N) &&
    sha_mbs=$(echo "scale=1; $bytes / 1000000 / ($t1 - $t0)" | bc)
fi

# glibc qsort of 10^7 int64 (how regia forecast builds its time axis on every rank):
# ns per element, for the model's replicated term
qsort_ns=
if command -v cc >/dev/null; then
  cat >"$D/qsort.c" <<'C'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static int cmp(const void *a, const void *b) { int64_t x = *(const int64_t *)a, y = *(const int64_t *)b; return (x > y) - (x < y); }
int main(void) {
    enum { N = 10000000 };
    int64_t *v = malloc(sizeof *v * N);
    if (!v) return 1;
    for (int64_t i = 0; i < N; i++) v[i] = 1672531200 + 86400 * ((i * 2654435761u) % 730);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    qsort(v, N, sizeof *v, cmp);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / N);
    return 0;
}
C
  cc -O2 -o "$D/qsort" "$D/qsort.c" 2>/dev/null && qsort_ns=$("$D/qsort")
fi

ingest=$(ls -1 "$root"/benchmarks/results/ingest_*.md 2>/dev/null | sort | tail -1)
elapsed=$(($(date +%s) - t_start))
"$PYTHON" "$here/scaling_report.py" --work "$D" --out "$RESULTS" --per-rank "$SCALE_N" --days "$SCALE_DAYS" \
  ${sha_mbs:+--sha-mbs "$sha_mbs"} ${qsort_ns:+--qsort-ns "$qsort_ns"} --ingest "$ingest" --regia "$("$REGIA" version 2>&1 | head -1)" \
  --load "$load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end" --elapsed "$elapsed"
rc=$?
if ((rc == 0)); then echo "bench_scaling: PASS; results in $RESULTS.md"; else echo "bench_scaling: INVALID results (see $RESULTS.md)" >&2; rc=1; fi
exit $rc
