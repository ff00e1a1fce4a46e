#!/usr/bin/env bash
# bench_waitlist_region.sh - `regia waitlist` at a region's scale: one year of bookings
# (5 million by default, 20 districts: `regia gen waitlist`, then `regia ingest waitlist`),
# analysed at 2 ranks with the default job keys (k = 10, 1000 risk paths): wall time of each
# step as the manifest's timings_s gives it (read, compute, write, products), the disclosure
# control's own seconds, linear programs and suppressions as the log and the output's
# global attributes give them, peak memory and CPU per rank.  Checks its own results (the
# output carries sdc_status_* and sdc_* attributes whose counts agree with the status
# variables, no published count below k) and exits 1 when one is wrong, 3 when the results
# are right but the run took longer than TARGET_S.  Not part of make check.
#
#   benchmarks/bench_waitlist_region.sh [BUILD]     (BUILD: build directory with regia [build])
#
# Environment: BENCH_DIR (scratch, default /tmp/regia-bench-wlr; ~2 GB, removed at the end
# unless KEEP=1; generated and ingested data found there are reused), BOOKINGS (requests per
# year, default 5000000), DISTRICTS (default 20), NP (ranks, default 2), PATHS ([risk]
# paths, default 1000), TARGET_S (wall seconds of the analysis, default 600), RESULTS (the
# report, default benchmarks/results/waitlist_region_<date>.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
REGIA=$(cd "$ROOT" && realpath "$BUILD/regia")
[[ -x $REGIA ]] || { echo "bench_waitlist_region: $REGIA not found; build it first (make)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1 REGIA_PROGRESS_INTERVAL=60
D=${BENCH_DIR:-/tmp/regia-bench-wlr}
BOOKINGS=${BOOKINGS:-5000000}
DISTRICTS=${DISTRICTS:-20}
NP=${NP:-2}
PATHS=${PATHS:-1000}
TARGET_S=${TARGET_S:-600}
DATE=$(date +%Y-%m-%d)
RESULTS=${RESULTS:-$ROOT/benchmarks/results/waitlist_region_$DATE.md}
PY=/usr/bin/python3
mkdir -p "$D"
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$D"' EXIT
fail() { echo "bench_waitlist_region: FAIL: $*" >&2; exit 1; }
$PY -c 'import netCDF4, numpy' 2>/dev/null || fail "/usr/bin/python3 lacks netCDF4 / numpy (the checks read the output)"
source "$(dirname "$0")/lib.sh"   # timed_ranks, rss, cpu

# --- data: one year of a region, ingested under a throw-away key ----------------------------
G=$D/gen
if [[ ! -s $G/bookings.csv ]]; then
  t0=$(date +%s.%N)
  "$REGIA" gen waitlist --districts "$DISTRICTS" --years 1 --seed 11 --bookings-per-year "$BOOKINGS" \
    --output-dir "$G" -q || fail "regia gen waitlist"
  echo "bench_waitlist_region: generated in $(echo "$(date +%s.%N) - $t0" | bc) s"
fi
if [[ ! -s $D/bookings.nc ]]; then
  openssl rand -hex 32 >"$D/wl.key"
  chmod 600 "$D/wl.key"
  w=$(timed_ranks "$NP" "$D/bookings.nc" "$REGIA" ingest waitlist -q --data "$G/bookings.csv" --key-file "$D/wl.key" \
    --districts "$G/districts.csv" --run-date 2026-01-01 --output "$D/bookings.nc")
  echo "bench_waitlist_region: ingested in $w s"
fi
n_book=$($PY -c "import json,sys; print(int(json.load(open(sys.argv[1]))['rows_kept']))" "$D/bookings.manifest.json")

# --- the analysis ---------------------------------------------------------------------------
cat >"$D/job_region.ini" <<EOF
[job]
domain = waitlist
name = waitlist-region-bench
output = region.nc
checkpoint_interval = 0
[waitlist]
input = bookings.nc
agendas = gen/agendas.csv
districts = gen/districts.csv
[privacy]
k = 10
[risk]
paths = $PATHS
EOF
load0=$(cut -d' ' -f1-3 /proc/loadavg)
wall=$(cd "$D" && timed_ranks "$NP" "$D/region.nc" "$REGIA" waitlist -v job_region.ini)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
sdc_line=$(grep -o 'disclosure control: [0-9]* primary and [0-9]* secondary suppressions, [0-9]* linear programs, [0-9.]* s' "$D/region.nc.log" | tail -1)
[[ -n $sdc_line ]] || fail "the log has no disclosure-control summary line"
sdc_s=$(awk '{print $(NF-1)}' <<<"$sdc_line")

# --- checks: the output's disclosure control ------------------------------------------------
# every NetCDF file of the output (region.nc and its extras, region.*.nc)
cat >"$D/check_sdc.py" <<'PY'
import sys, json, os, netCDF4, numpy as np
files = [f for f in sys.argv[1:] if os.path.exists(f)]
ds = netCDF4.Dataset(files[0])
k = float(ds.sdc_threshold_k)
st, cnt = [], []
for f in files:
    d = netCDF4.Dataset(f); d.set_auto_mask(False)
    st += [d[v][:] for v in d.variables if v.startswith("sdc_status_")]
    cnt += [d[v][:] for v in d.variables if v.startswith("count_") and d[v].dtype.kind == "f"]
assert st and cnt, "no sdc_status_* or count_* variables"
n1 = sum(int((s == 1).sum()) for s in st); n2 = sum(int((s == 2).sum()) for s in st)
assert (n1, n2) == (int(ds.sdc_primary_cells), int(ds.sdc_secondary_cells)), ((n1, n2), ds.sdc_primary_cells, ds.sdc_secondary_cells)
small = sum(int(((c > 0) & (c < k)).sum()) for c in cnt)
assert small == 0, "%d published counts below k" % small
cells = sum(s.size for s in st)
print(json.dumps({"cells": cells, "primary": n1, "secondary": n2, "lps": int(ds.sdc_linear_programs)}))
PY
checks=$($PY "$D/check_sdc.py" "$D"/region.nc "$D"/region.*.nc 2>&1) || fail "the output's disclosure control: $checks"
read -r cells n1 n2 lps <<<"$($PY -c "import json,sys; d=json.loads(sys.argv[1]); print(d['cells'], d['primary'], d['secondary'], d['lps'])" "$checks")"
tim=$($PY -c "import json,sys; t=json.load(open(sys.argv[1]))['timings_s']; print(' '.join('%.1f' % t.get(k, float('nan')) for k in ('read','compute','write','products')))" "$D/region.manifest.json")
read -r t_read t_comp t_write t_prod <<<"$tim"
met=$(echo "$wall < $TARGET_S" | bc)

mkdir -p "$(dirname "$RESULTS")"
{
  echo "# regia waitlist at a region's scale, $DATE"
  echo
  echo "Machine: $(nproc --all) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GB RAM;"
  echo "regia git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Data: \`regia gen waitlist --districts $DISTRICTS --years 1 --seed 11 --bookings-per-year $BOOKINGS\`, ingested:"
  echo "$n_book bookings. Job: the defaults (k = 10, protection = k, [risk] paths = $PATHS), $NP ranks, 1 thread each."
  echo
  echo "| step | wall s |"
  echo "|---|---|"
  echo "| read (bookings, agendas) | $t_read |"
  echo "| compute (compliance, disclosure control, demand, risk, allocation; per service) | $t_comp |"
  echo "| of which disclosure control (each rank's wall seconds, summed over ranks) | $sdc_s |"
  echo "| write | $t_write |"
  echo "| products | $t_prod |"
  printf '| whole command | %.1f |\n' "$wall"
  echo
  echo "Disclosure control: $cells count cells, $n1 primary and $n2 secondary suppressions, $lps linear programs."
  echo "Peak memory per rank (MB): $(rss "$D/region.nc"); CPU per rank: $(cpu "$D/region.nc")."
  echo "Checks: the sdc_* attributes agree with the sdc_status_* variables; no published count below k."
  echo "Target: the analysis in under $TARGET_S s at $NP ranks: **$([[ $met == 1 ]] && echo met || echo missed)** ($(printf %.1f "$wall") s)."
  echo "Load average before the run: $load0; after: $load1 (the machine is shared)."
} >"$RESULTS"
cat "$RESULTS"
echo "bench_waitlist_region: results in $RESULTS"
[[ $met == 1 ]] || exit 3
