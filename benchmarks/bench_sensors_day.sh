#!/usr/bin/env bash
# bench_sensors_day.sh - one day of 1,000 triaxial 200 Hz sensors through `regia sensors`:
# measured on scaled-down stores here, modelled per stage, checked on a held-out size, and
# extrapolated to 1,000 sensors x 24 h at 2 ranks here and to Leonardo nodes.
#
# A day of 1,000 triaxial sensors at 200 Hz is 5.18e10 samples (207 GB as float32): it does
# not fit this machine, so the benchmark runs the real pipeline (`regia gen sensors` ->
# `regia sensors JOBFILE`) on stores of S structures of 4 triaxial sensors (12 channels)
# holding H hours of 10-minute records at 200 Hz (--interval-minutes 240/H over one day),
# every rank under `perf record --call-graph dwarf` (cpu-clock): the samples of each rank
# are charged to the pipeline's stages (sensors_day_stages.py: read, QC, Welch/CSD, FDD,
# SSI, post-processing, write, index).  sensors_day_report.py fits each stage's CPU seconds
# as a + b * records (samples per record are fixed: 12 x 120,000; the index as a + b * store
# bytes), predicts the held-out size, and extrapolates.  Checks (exit 1 when one fails):
# every run succeeds, its manifest counts S*H*6 records, the summary has S structures and
# records_analysed + records_left_out = S*H*6, the 1-rank summary equals the 2-rank one, the
# model predicts the held-out size's CPU time per stage group within TOL.
#
#   benchmarks/bench_sensors_day.sh [BUILD]
#
# Environment: BENCH_DIR (scratch, default /tmp/regia-bench-sensors-day, about 1.5 GB, removed
#   at the end unless KEEP=1), SIZES (fitted sizes S:H, default "1:1 2:1 1:3 2:3 4:2"),
#   HOLDOUT (default 1:24: one structure recording continuously all day, three times the
#   largest fitted size, in the day's layout: one trace per gap-free piece, not one per
#   record), NP1 (sizes also run at 1 rank, default 2:3), TOL (relative error
#   of the held-out prediction, default 0.2), PERF_HZ (perf sampling rate, default 97),
#   CORE_RATIO_BOOSTER, CORE_RATIO_DCGP (assumed per-core speed of a Leonardo core over a
#   core here, default 1.0), LUSTRE_GBS (assumed Lustre read bandwidth per node, GB/s,
#   default 10, as docs/scaling.md), RESULTS (default benchmarks/results/sensors_day_<date>).
# About 7 minutes on the 2 shared cores here.  Not part of make check: no timings in tests.
# Exit status: 0 valid; 1 a failed run, a wrong output or a model outside TOL.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
BUILD=${1:-${BUILD:-$root/build}}
REGIA=$(realpath "$BUILD/regia" 2>/dev/null)
PY=${PYTHON:-/usr/bin/python3}
: "${SIZES:=1:1 2:1 1:3 2:3 4:2}" "${HOLDOUT:=1:24}" "${NP1:=2:3}" "${TOL:=0.2}" "${PERF_HZ:=97}"
: "${CORE_RATIO_BOOSTER:=1.0}" "${CORE_RATIO_DCGP:=1.0}" "${LUSTRE_GBS:=10}"
D=${BENCH_DIR:-/tmp/regia-bench-sensors-day}
DATE=$(date -u +%Y-%m-%d)
RESULTS=${RESULTS:-$root/benchmarks/results/sensors_day_$DATE}
fail() { echo "bench_sensors_day: FAIL: $*" >&2; exit 1; }
[[ -x $REGIA ]] || fail "$BUILD/regia not found; build it first (make)"
command -v perf >/dev/null || fail "perf not found (linux-perf): the stage split needs it"
"$PY" -c 'import numpy, netCDF4' 2>/dev/null || fail "$PY lacks numpy/netCDF4"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$D" "$(dirname "$RESULTS")"
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$D"' EXIT
avail=$(df -Pm "$D" | awk 'NR==2 {print $4}')
((avail > 2000)) || fail "$D has $avail MB free, needs about 2 GB"
perf record -q -o "$D/probe.perf" -- true 2>/dev/null || fail "perf record is not permitted here (kernel.perf_event_paranoid)"
rm -f "$D/probe.perf"
runs=$D/runs.tsv
: >"$runs"

# gen S H: the store of S structures x H hours (cached in $D)
gen() {
  local s=$1 h=$2 dir=$D/store_$1_$2
  ((240 % h == 0)) || fail "hours $h must divide 240 (10-minute records every 240/H minutes)"
  [[ -s $dir/.done ]] && return 0
  rm -rf "$dir"
  local t0; t0=$(date +%s.%N)
  mpirun -np 2 "$REGIA" gen sensors --structures "$s" --sensors 4 --days 1 --rate 200 --record-minutes 10 \
    --interval-minutes $((240 / h)) --seed 11 --output-dir "$dir" -q >"$D/gen_$1_$2.log" 2>&1 ||
    { tail -5 "$D/gen_$1_$2.log"; fail "regia gen sensors S=$s H=$h"; }
  echo "$(echo "$(date +%s.%N) - $t0" | bc)" >"$dir/.done"
}
# job S H NP: the job file of one run
job() {
  local o=$D/out_$1_$2_np$3
  mkdir -p "$o"
  cat >"$o/job.ini" <<EOF
[job]
domain = sensors
name = bench-sensors-day
output = sensors.nc
detail = sensors_detail.h5
backend = cpu
[input]
store = $D/store_$1_$2
[records]
length = 600
[welch]
nperseg = 2048
[novelty]
training_days = 1
EOF
  echo "$o"
}
# run S H NP PERF(0|1): one regia sensors run; appends a line to runs.tsv
run() {
  local s=$1 h=$2 np=$3 prof=$4 o
  o=$(job "$s" "$h" "$np")
  rm -f "$o"/sensors* "$o"/perf.* "$o"/time.* "$o"/stages.*
  local wrap='exec /usr/bin/time -f "rss_kb %M cpu_s %U %S" -o "$0/time.$OMPI_COMM_WORLD_RANK" "$@"'
  ((prof)) && wrap='exec perf record -q -F '"$PERF_HZ"' --call-graph dwarf,16384 -o "$0/perf.$OMPI_COMM_WORLD_RANK" -- /usr/bin/time -f "rss_kb %M cpu_s %U %S" -o "$0/time.$OMPI_COMM_WORLD_RANK" "$@"'
  local load t0 t1
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  (cd "$o" && mpirun -np "$np" bash -c "$wrap" "$o" "$REGIA" sensors -v job.ini) >"$o/log" 2>&1 ||
    { tail -20 "$o/log"; fail "regia sensors S=$s H=$h at np=$np"; }
  t1=$(date +%s.%N)
  if ((prof)); then
    for ((r = 0; r < np; r++)); do
      perf script -i "$o/perf.$r" -F period,ip,sym,dso --no-inline 2>/dev/null >"$o/perf.$r.txt" ||
        fail "perf script of S=$s H=$h rank $r"
      "$PY" "$here/sensors_day_stages.py" "$o/perf.$r.txt" >"$o/stages.$r.json" || fail "stage split of S=$s H=$h rank $r"
      rm -f "$o/perf.$r" "$o/perf.$r.txt"
    done
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$h" "$np" "$prof" "$(echo "$t1 - $t0" | bc)" "$load" \
    "$(du -sb "$D/store_${s}_$h" | cut -f1)" "$o" >>"$runs"
  echo "bench_sensors_day: S=$s H=$h np=$np: $(echo "$t1 - $t0" | bc) s wall (load $load)"
}

echo "bench_sensors_day: stores of S structures x 4 triaxial sensors x H hours at 200 Hz in $D"
for sz in $SIZES $HOLDOUT; do gen "${sz%%:*}" "${sz##*:}"; done
# O_DIRECT read bandwidth of the largest store's files (the page cache bypassed)
big=$D/store_${HOLDOUT%%:*}_${HOLDOUT##*:}
t0=$(date +%s.%N)
for f in "$big"/*.h5; do dd if="$f" of=/dev/null bs=4M iflag=direct status=none || fail "dd $f"; done
disk_s=$(echo "$(date +%s.%N) - $t0" | bc)
disk_bytes=$(cat "$big"/*.h5 | wc -c)
for sz in $SIZES; do run "${sz%%:*}" "${sz##*:}" 2 1; done
run "${HOLDOUT%%:*}" "${HOLDOUT##*:}" 2 1
for sz in $NP1; do run "${sz%%:*}" "${sz##*:}" 1 0; done

"$PY" "$here/sensors_day_report.py" --runs "$runs" --sizes "$SIZES" --holdout "$HOLDOUT" --tol "$TOL" \
  --disk-bytes "$disk_bytes" --disk-s "$disk_s" --core-ratio-booster "$CORE_RATIO_BOOSTER" \
  --core-ratio-dcgp "$CORE_RATIO_DCGP" --lustre-gbs "$LUSTRE_GBS" --regia "$REGIA" --out "$RESULTS"
rc=$?
case $rc in
  0) echo "bench_sensors_day: PASS ($RESULTS.md)" ;;
  *) echo "bench_sensors_day: INVALID results (see $RESULTS.md)" >&2; rc=1 ;;
esac
exit $rc
