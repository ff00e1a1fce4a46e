#!/usr/bin/env bash
# bench_ingest_waitlist.sh - `regia ingest waitlist` at a region's scale: one year of
# bookings (5 million by default, `regia gen waitlist`) plus a small file of known bad rows,
# at 1 and 2 ranks: bookings ingested per second per rank, wall time (target: under a
# minute at 2 ranks), peak memory per rank; checks its own results (rows kept = rows
# generated, rows rejected = the bad rows planted, identical variables at 1 and 2 ranks)
# and exits 1 when one is wrong, 3 when the results are right but the target is missed.
# Not part of make check.
#
#   benchmarks/bench_ingest_waitlist.sh [BUILD]     (BUILD: build directory with regia [build])
#
# Environment: BENCH_DIR (scratch, default /tmp/regia-bench-wl; ~3 GB, removed at the end
# unless KEEP=1), BOOKINGS (requests per year, default 5000000), DISTRICTS (default 20),
# TARGET_S (seconds at 2 ranks, default 60), RESULTS (the report, default
# benchmarks/results/ingest_waitlist_<date>.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
REGIA=$(cd "$ROOT" && realpath "$BUILD/regia")
[[ -x $REGIA ]] || { echo "bench_ingest_waitlist: $REGIA not found; build it first (make)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1 REGIA_PROGRESS_INTERVAL=60
D=${BENCH_DIR:-/tmp/regia-bench-wl}
BOOKINGS=${BOOKINGS:-5000000}
DISTRICTS=${DISTRICTS:-20}
TARGET_S=${TARGET_S:-60}
DATE=$(date +%Y-%m-%d)
RESULTS=${RESULTS:-$ROOT/benchmarks/results/ingest_waitlist_$DATE.md}
mkdir -p "$D"
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$D"' EXIT
fail() { echo "bench_ingest_waitlist: FAIL: $*" >&2; exit 1; }
avail=$(df -Pm "$D" | awk 'NR==2 {print $4}')
need=$((BOOKINGS * 600 / 1000000 + 500)) # MB: the CSV and two outputs
((avail > need)) || fail "$D has $avail MB free, needs about $need MB"

# --- data: one year of a region, and 1000 bad rows made from its first rows ------------------
G=$D/gen
if [[ ! -s $G/bookings.csv ]]; then
  t0=$(date +%s.%N)
  "$REGIA" gen waitlist --districts "$DISTRICTS" --years 1 --seed 11 --bookings-per-year "$BOOKINGS" \
    --output-dir "$G" -q || fail "regia gen waitlist"
  echo "bench_ingest_waitlist: generated in $(echo "$(date +%s.%N) - $t0" | bc) s"
fi
n_gen=$(($(wc -l <"$G/bookings.csv") - 1))
# 400 duplicates (rows 2..401 again: same prescription and line), 300 deliveries before
# their booking (outcome_time in 2001), 300 unknown services
awk -F, -v OFS=, 'NR == 1 { print; next }
  NR <= 401 { print; next }
  NR <= 701 { $8 = "delivered"; $9 = "01/01/2001 10:00"; print; next }
  NR <= 1001 { $12 = "99.99"; $13 = ""; print; next }
  { exit }' "$G/bookings.csv" >"$D/bad.csv"
n_bad=$(($(wc -l <"$D/bad.csv") - 1))
openssl rand -hex 32 >"$D/wl.key"
chmod 600 "$D/wl.key"

source "$(dirname "$0")/lib.sh"   # timed_ranks, rss, cpu, rate, digest
# run NP OUT: ingest with /usr/bin/time per rank; prints the wall seconds
run() {
  timed_ranks "$1" "$2" "$REGIA" ingest waitlist -v --data "$G/bookings.csv" --data "$D/bad.csv" --key-file "$D/wl.key" \
    --districts "$G/districts.csv" --run-date 2026-01-01 --output "$2"
}
counts() { /usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(int(m['rows_read']), int(m['rows_kept']), int(m['rows_rejected']))" "${1%.nc}.manifest.json"; }
check() {
  local r k j
  read -r r k j <<<"$(counts "$1")"
  [[ $r == $((n_gen + n_bad)) && $k == "$n_gen" && $j == "$n_bad" ]] ||
    fail "$1: rows read/kept/rejected $r/$k/$j, expected $((n_gen + n_bad))/$n_gen/$n_bad"
  local dups bad_del bad_svc
  dups=$(grep -c 'duplicate prescription line' "${1%.nc}.rejects.csv")
  bad_del=$(grep -c 'delivery before booking' "${1%.nc}.rejects.csv")
  bad_svc=$(grep -c 'unknown service' "${1%.nc}.rejects.csv")
  [[ $dups == 400 && $bad_del == 300 && $bad_svc == 300 ]] || fail "$1: rejects by reason $dups/$bad_del/$bad_svc"
}

echo "bench_ingest_waitlist: $n_gen generated bookings + $n_bad bad rows ($(du -sh "$G/bookings.csv" | cut -f1))"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
w1=$(run 1 "$D/w1.nc")
check "$D/w1.nc"
w2=$(run 2 "$D/w2.nc")
check "$D/w2.nc"
load1=$(cut -d' ' -f1-3 /proc/loadavg)
[[ $(digest "$D/w1.nc") == $(digest "$D/w2.nc") ]] || fail "1 and 2 ranks give different variables"
cmp -s "$D/w1.rejects.csv" "$D/w2.rejects.csv" || fail "1 and 2 ranks give different rejects files"
met=$(echo "$w2 < $TARGET_S" | bc)
n=$((n_gen + n_bad))

mkdir -p "$(dirname "$RESULTS")"
{
  echo "# regia ingest waitlist benchmark, $DATE"
  echo
  echo "Machine: $(nproc --all) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GB RAM;"
  echo "regia git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Data: \`regia gen waitlist --districts $DISTRICTS --years 1 --seed 11 --bookings-per-year $BOOKINGS\`:"
  echo "$n_gen bookings ($(du -h "$G/bookings.csv" | cut -f1) of CSV, dd/mm/yyyy dates), and a second file of $n_bad bad"
  echo "rows made from its first rows (400 duplicate prescription lines, 300 deliveries before booking,"
  echo "300 unknown services). Every row is parsed, checked and pseudonymised (two HMAC-SHA-256 per"
  echo "row); the duplicate check routes every booking to the rank owning its prescription pseudonym,"
  echo "then to its service's owner. Each rank runs under \`/usr/bin/time\`; rows/s per rank is the"
  echo "rank's parsed rows over the whole command (parse, exchanges, sort, write), as \`-v\` prints it."
  echo
  echo "| ranks | rows | wall s | rows/s (all ranks) | rows/s per rank | peak memory per rank (MB) | CPU per rank |"
  echo "|---|---|---|---|---|---|---|"
  printf '| 1 | %d | %.1f | %.0f | %s | %s | %s |\n' "$n" "$w1" "$(echo "$n / $w1" | bc -l)" "$(rate "$D/w1.nc")" "$(rss "$D/w1.nc")" "$(cpu "$D/w1.nc")"
  printf '| 2 | %d | %.1f | %.0f | %s | %s | %s |\n' "$n" "$w2" "$(echo "$n / $w2" | bc -l)" "$(rate "$D/w2.nc")" "$(rss "$D/w2.nc")" "$(cpu "$D/w2.nc")"
  echo
  echo "Checks: rows read $n = kept $n_gen + rejected $n_bad at both rank counts, the rejects by reason"
  echo "as planted, identical variables and rejects files at 1 and 2 ranks."
  echo "Target: one region's year in under $TARGET_S s at 2 ranks: **$([[ $met == 1 ]] && echo met || echo missed)** ($(printf %.1f "$w2") s)."
  echo "Load average before the runs: $load0; after: $load1 (the machine is shared)."
  echo "Output: $(du -h "$D/w2.nc" | cut -f1) NetCDF-4 (contiguous variables, no compression)."
} >"$RESULTS"
cat "$RESULTS"
echo "bench_ingest_waitlist: results in $RESULTS"
[[ $met == 1 ]] || exit 3
