#!/usr/bin/env bash
# bench_ingest.sh - `regia ingest env` at scale: >= 100 million rows at 2 ranks (rows/s and
# peak memory per rank), weak scaling at 1 and 2 ranks, and 4 and 8 ranks (oversubscribed)
# as a correctness check only (outputs identical to 1 rank).  Checks its own results (row
# counts, identical outputs) and exits non-zero when one is wrong.  Not part of make check.
#
#   benchmarks/bench_ingest.sh [BUILD]        (BUILD: build directory with regia [build])
#
# Data: `regia gen env --order time` (rows by time stamp, then sensor, as the portal's
# exports: each rank's byte range holds every station, so about half the rows travel to
# the other rank), and once more `--order sensor` (rows by sensor: most rows are already
# on their owner) for the 2-rank run, whose output must be identical.
#
# Environment: BENCH_DIR (scratch, default /tmp/regia-bench-ingest; needs ~12 GB, removed
# at the end unless KEEP=1), STATIONS (per data file, default 1000), FILES (data files at
# 2 ranks, default 6: one year each, ~18 million rows per file), RESULTS (the report,
# default benchmarks/results/ingest_<date>.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
REGIA=$(cd "$ROOT" && realpath "$BUILD/regia")
[[ -x $REGIA ]] || { echo "bench_ingest: $REGIA not found; build it first (make)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1 REGIA_PROGRESS_INTERVAL=60
D=${BENCH_DIR:-/tmp/regia-bench-ingest}
STATIONS=${STATIONS:-1000}
FILES=${FILES:-6}
HALF=$((FILES / 2))
DATE=$(date +%Y-%m-%d)
RESULTS=${RESULTS:-$ROOT/benchmarks/results/ingest_$DATE.md}
mkdir -p "$D"
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$D"' EXIT
fail() { echo "bench_ingest: FAIL: $*" >&2; exit 1; }

need=$((2 * FILES * 800 + 3000)) # MB: data files (2 layouts) + outputs
avail=$(df -Pm "$D" | awk 'NR==2 {print $4}')
((avail > need)) || fail "$D has $avail MB free, needs about $need MB"

# --- data: FILES files of one year each (2018, 2019, ...), the same registry ------------
files=() sfiles=()
for ((k = 0; k < FILES; k++)); do
  y=$((2018 + k))
  for order in time sensor; do
    if [[ ! -s $D/$order/y$y/measurements.csv ]]; then
      "$REGIA" gen env --stations "$STATIONS" --years 1 --seed 7 --start "$y-01-01" --order $order \
        --output-dir "$D/$order/y$y" 2>/dev/null
    fi
  done
  files+=("$D/time/y$y/measurements.csv")
  sfiles+=("$D/sensor/y$y/measurements.csv")
done
REG=$D/time/y2018/sensors.csv
rows_of() { local n=0 f; for f in "$@"; do n=$((n + $(wc -l <"$f") - 1)); done; echo $n; }

source "$(dirname "$0")/lib.sh"   # timed_ranks, rss, cpu, rate, digest
# run NP OUT FILES...: ingest with /usr/bin/time per rank; prints the wall seconds
run() {
  local np=$1 out=$2; shift 2
  local args=() f
  for f in "$@"; do args+=(--data "$f"); done
  timed_ranks "$np" "$out" "$REGIA" ingest env -v --registry "$REG" "${args[@]}" --output "$out"
}
kept() { /usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['rows_read'], m['rows_kept'], m['rows_rejected'])" "${1%.nc}.manifest.json"; }

echo "bench_ingest: data ready ($(du -sh "$D" | cut -f1)); weak scaling"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
n1=$(rows_of "${files[@]:0:HALF}")
n2=$(rows_of "${files[@]}")
w1=$(run 1 "$D/w1.nc" "${files[@]:0:HALF}")
read -r r1 k1 j1 <<<"$(kept "$D/w1.nc")"
[[ $r1 == "$n1" && $k1 == "$n1" && $j1 == 0 ]] || fail "np=1: rows read/kept/rejected $r1/$k1/$j1, expected $n1/$n1/0"
w2=$(run 2 "$D/w2.nc" "${files[@]}")
read -r r2 k2 j2 <<<"$(kept "$D/w2.nc")"
[[ $r2 == "$n2" && $k2 == "$n2" && $j2 == 0 ]] || fail "np=2: rows read/kept/rejected $r2/$k2/$j2, expected $n2/$n2/0"
((n2 >= 100000000)) || echo "bench_ingest: note: $n2 rows at 2 ranks (fewer than 100 million: STATIONS/FILES were lowered)"
eff=$(echo "scale=3; $w1 / $w2" | bc)
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# the same 2-rank input at 1 rank, and by sensor at 2 ranks: identical output
echo "bench_ingest: identity checks"
dg2=$(digest "$D/w2.nc")
ws=$(run 2 "$D/ws.nc" "${sfiles[@]}")
[[ $(digest "$D/ws.nc") == "$dg2" ]] || fail "rows by sensor and rows by time give different files"
w21=$(run 1 "$D/w21.nc" "${files[@]}")
[[ $(digest "$D/w21.nc") == "$dg2" ]] || fail "the ${n2}-row output differs between 1 and 2 ranks"
rm -f "$D"/w21.*
# 4 and 8 ranks (oversubscribed on this machine): correctness only, on the 1-rank input
dg1=$(digest "$D/w1.nc")
w4=$(run 4 "$D/w4.nc" "${files[@]:0:HALF}")
[[ $(digest "$D/w4.nc") == "$dg1" ]] || fail "np=4 output differs from np=1"
w8=$(run 8 "$D/w8.nc" "${files[@]:0:HALF}")
[[ $(digest "$D/w8.nc") == "$dg1" ]] || fail "np=8 output differs from np=1"
# rows in messages of 1 MB (many rounds of the exchange): identical
REGIA_INGEST_MSG_BYTES=1048576 run 2 "$D/wm.nc" "${files[@]:0:HALF}" >/dev/null
[[ $(digest "$D/wm.nc") == "$dg1" ]] || fail "exchange in 1 MB messages changes the output"

mkdir -p "$(dirname "$RESULTS")"
{
  echo "# regia ingest env benchmark, $DATE"
  echo
  echo "Machine: $(nproc --all) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GB RAM;"
  echo "regia $("$REGIA" version 2>&1 | head -1 | tr -d '\n'), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Data: \`regia gen env --stations $STATIONS --years 1 --seed 7 --start YYYY-01-01 --order time\` for $FILES years"
  echo "(2018 ...), Socrata date format, one measurement file per year, ~$((n2 / FILES / 1000000)) million rows each,"
  echo "rows by time stamp (as the portal exports them): each rank's byte range holds every station, so about"
  echo "half of each rank's rows go to the other rank."
  echo "Each rank runs under \`/usr/bin/time\` (peak resident memory); rows/s per rank is the rank's"
  echo "parsed rows over the whole run of the command (parse, exchange, write), as \`regia ingest env -v\` prints it."
  echo
  echo "| ranks | data files | rows | wall s | rows/s (all ranks) | rows/s per rank | peak memory per rank (MB) |"
  echo "|---|---|---|---|---|---|---|"
  printf '| 1 | %d | %d | %.1f | %.0f | %s | %s |\n' "$HALF" "$n1" "$w1" "$(echo "$n1 / $w1" | bc -l)" "$(rate "$D/w1.nc")" "$(rss "$D/w1.nc")"
  printf '| 2 | %d | %d | %.1f | %.0f | %s | %s |\n' "$FILES" "$n2" "$w2" "$(echo "$n2 / $w2" | bc -l)" "$(rate "$D/w2.nc")" "$(rss "$D/w2.nc")"
  printf '| 2 (rows by sensor) | %d | %d | %.1f | %.0f | %s | %s |\n' "$FILES" "$n2" "$ws" "$(echo "$n2 / $ws" | bc -l)" "$(rate "$D/ws.nc")" "$(rss "$D/ws.nc")"
  echo
  echo "The last line reads the same rows written by sensor (\`--order sensor\`): most rows are then parsed"
  echo "by their station's owner; the output is identical to the by-time run."
  echo
  echo "CPU time per rank (user + sys, and the share of a core it got, from \`/usr/bin/time\`):"
  echo "1 rank: $(cpu "$D/w1.nc"); 2 ranks: $(cpu "$D/w2.nc"); 2 ranks, rows by sensor: $(cpu "$D/ws.nc")."
  echo "Load average before the weak-scaling runs: $load0; after: $load1 (the machine is shared)."
  echo
  echo "Weak scaling (1 rank: $HALF files; 2 ranks: $FILES files): efficiency T1/T2 = **$eff** (wall clock)."
  echo "With fewer free cores than ranks the wall-clock efficiency measures the machine's load; the CPU"
  echo "seconds per row per rank show the cost of the exchange itself."
  echo "The same $FILES files at 1 rank took $(printf %.1f "$w21") s and gave an identical file (every variable's values)."
  echo
  echo "Correctness only (this machine has $(nproc --all) cores; 4 and 8 ranks are oversubscribed, times not meaningful):"
  echo
  echo "| ranks | rows | wall s | output identical to 1 rank |"
  echo "|---|---|---|---|"
  printf '| 4 | %d | %.1f | yes |\n| 8 | %d | %.1f | yes |\n' "$n1" "$w4" "$n1" "$w8"
  echo
  echo "Rows exchanged in messages of 1 MB (REGIA_INGEST_MSG_BYTES, many rounds per pair): identical output."
  echo "Output: $(du -h "$D/w2.nc" | cut -f1) NetCDF-4 for the $n2 rows ($(ncdump -h "$D/w2.nc" | grep -m1 'station =' | tr -d '\t;'))."
} >"$RESULTS"
cat "$RESULTS"
echo "bench_ingest: ok; results in $RESULTS"
