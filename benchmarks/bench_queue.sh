#!/usr/bin/env bash
# bench_queue.sh - simulated service-weeks per second per core: regia's queue simulation
# against Ciw (3.2.7, the peer venv) on the same model in one run, both checked to agree
# (class mean waits within Monte Carlo error).  Writes benchmarks/results/queue_<date>.md
# and .json.  Not part of make check.
#
#   benchmarks/bench_queue.sh [BUILD]     (BUILD: build directory with benchmarks/bench_queue)
#
# The model (time in hours): 4 priority classes (0 highest, non-preemptive) with Poisson
# arrivals around the clock at QUEUE_RATES per hour, exponential services of mean 1 h,
# QUEUE_SERVERS servers on duty on weekdays 08:00-16:00 (none at night or at weekends: a
# weekly schedule of 11 shifts), a load of 0.8 of the week's capacity.  Each replication
# simulates QUEUE_WEEKS weeks, the first one a warmup; arrivals stop at the horizon and
# everyone present is served.  Times are CPU seconds of the simulation itself (regia's op;
# Ciw's simulate_until_max_time), so that other load on the machine counts as little as it
# can: regia's the best of QUEUE_RUNS runs of the whole batch (bit-identical), Ciw's the sum
# over its replications of the best of QUEUE_CIW_REPEAT runs of each (same seed).
#
# Environment: QUEUE_WEEKS (27), QUEUE_REGIA_REPS (400), QUEUE_CIW_REPS (20), QUEUE_RATIO
# (target, 1000), QUEUE_SEED (1), QUEUE_RATES (0.19,0.38,0.57,0.76), QUEUE_SERVERS (10),
# QUEUE_RUNS (7), QUEUE_CIW_REPEAT (3), REGIA_PEER_VENV (build/peer-venv), RESULTS (the
# report's path without extension).
# Exit status: 0 agree and the target is met; 1 a failure or disagreement; 3 target missed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BUILD:-build}}
BIN=$(cd "$ROOT" && realpath -m "$BUILD/benchmarks/bench_queue")
VENV=${REGIA_PEER_VENV:-$ROOT/build/peer-venv}
: "${QUEUE_WEEKS:=27}" "${QUEUE_REGIA_REPS:=400}" "${QUEUE_CIW_REPS:=20}" "${QUEUE_RATIO:=1000}" "${QUEUE_SEED:=1}"
: "${QUEUE_RATES:=0.19,0.38,0.57,0.76}" "${QUEUE_SERVERS:=10}" "${QUEUE_RUNS:=7}" "${QUEUE_CIW_REPEAT:=3}"
RESULTS=${RESULTS:-$ROOT/benchmarks/results/queue_$(date +%Y-%m-%d)}
die() { echo "bench_queue: $*" >&2; exit 1; }
[[ -x $BIN ]] || die "$BIN not built (make DEPS=0 BUILD=$BUILD $BUILD/benchmarks/bench_queue)"
[[ -x $VENV/bin/python ]] || die "no peer venv at $VENV (scripts/install-peers.sh)"
"$VENV/bin/python" -c 'import ciw' 2>/dev/null || die "$VENV lacks ciw (scripts/install-peers.sh)"
export OMP_NUM_THREADS=1
pin=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then pin=(taskset -c 0); fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$RESULTS")"
model=(--rates "$QUEUE_RATES" --mean 1 --servers "$QUEUE_SERVERS" --shift 8,16 --weeks "$QUEUE_WEEKS" --warmup-weeks 1)

echo "== queue benchmark: regia ($QUEUE_REGIA_REPS x $QUEUE_WEEKS weeks) vs Ciw ($QUEUE_CIW_REPS x $QUEUE_WEEKS weeks)"
"${pin[@]}" "$BIN" "${model[@]}" --reps "$QUEUE_REGIA_REPS" --seed "$QUEUE_SEED" --threads 1 --runs "$QUEUE_RUNS" >"$work/regia.json" \
  || die "regia's run failed"
"${pin[@]}" "$VENV/bin/python" "$ROOT/benchmarks/queue_ciw.py" "${model[@]}" --reps "$QUEUE_CIW_REPS" \
  --seed "$QUEUE_SEED" --repeat "$QUEUE_CIW_REPEAT" >"$work/ciw.json" || die "Ciw's run failed"
desc="4 non-preemptive priority classes, Poisson arrivals ($QUEUE_RATES per hour), exponential services (mean 1 h), $QUEUE_SERVERS servers on weekdays 08:00-16:00, $QUEUE_WEEKS weeks per replication (the first a warmup)"
/usr/bin/python3 "$ROOT/benchmarks/queue_report.py" "$work/regia.json" "$work/ciw.json" "$RESULTS.md" "$RESULTS.json" \
  "$QUEUE_RATIO" "$desc"
