# Shared helpers of the benchmark scripts (benchmarks/bench_*.sh source it; it runs nothing
# by itself).  Each caller defines fail() first.

# timed_ranks NP OUT CMD...: run `mpirun -np NP CMD...` with every rank under /usr/bin/time
# (peak resident memory, CPU seconds, share of a core: files OUT.time.RANK), stderr in
# OUT.log; prints the wall-clock seconds.  Removes OUT and its companions first.
timed_ranks() {
  local np=$1 out=$2; shift 2
  rm -f "$out" "$out".* "${out%.nc}".*
  local t0 t1
  t0=$(date +%s.%N)
  mpirun -np "$np" --oversubscribe bash -c 'exec /usr/bin/time -f "rank_rss_kb %M cpu_s %U %S cpu_pct %P" -o "$0.time.$OMPI_COMM_WORLD_RANK" "$@"' \
    "$out" "$@" 2>"$out.log" || { tail -20 "$out.log"; fail "$(basename "$2") ${3:-} at np=$np"; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
# rss OUT: peak resident memory per rank (MB) of a timed_ranks run
rss() { cat "$1".time.* 2>/dev/null | awk '/rank_rss_kb/ {printf "%s%.0f", s, $2/1024; s=", "}'; }
# cpu OUT: CPU seconds (user + sys) and share of a core per rank
cpu() { cat "$1".time.* 2>/dev/null | awk '/rank_rss_kb/ {printf "%s%.1f s (%s)", s, $4 + $5, $7; s=", "}'; }
# rate OUT: rows/s per rank as an ingest's -v summary line prints it
rate() { grep -o 'rows parsed in [0-9.]* s ([0-9]* rows/s)' "$1.log" | awk '{printf "%s%s", s, $6; s=", "}' | tr -d '('; }
# digest FILE.nc: SHA-256 of every variable's values (not attributes: history and
# date_created differ between runs)
digest() {
  /usr/bin/python3 - "$1" <<'PY'
import hashlib, sys, netCDF4
d = netCDF4.Dataset(sys.argv[1]); d.set_auto_mask(False)
h = hashlib.sha256()
for n in sorted(d.variables):
    h.update(n.encode()); h.update(d.variables[n][:].tobytes())
print(h.hexdigest())
PY
}
