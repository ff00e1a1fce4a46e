#!/usr/bin/env bash
# regia queue does not depend on how it is run: identical data variables and CSV summaries
# at 1, 2 and 3 ranks (and 2 threads) for Poisson arrivals with several checkpoint blocks,
# for a trace with lognormal service, and for a schedule file; a run stopped by SIGUSR1 at
# 2 ranks (exit 3) resumes at 3, restoring replications, with the uninterrupted output.
source "$(dirname "$0")/lib.sh"
D=$TMP
PY=/usr/bin/python3
same() { nc_same "$@"; }   # tests/cli/lib.sh
# invariant NAME ARGS...: runs at 1, 2, 3 ranks (and 2 threads at 1 rank) give the same data and CSV
invariant() {
  local name=$1; shift
  run_np 1 queue "$@" --output "$D/${name}1.nc" -q || fail "$name: 1 rank"
  for np in 2 3; do
    run_np "$np" queue "$@" --output "$D/$name$np.nc" -q || fail "$name: $np ranks"
    same "$D/${name}1.nc" "$D/$name$np.nc" >/dev/null || fail "$name: data at $np ranks differ from 1 rank: $(same "$D/${name}1.nc" "$D/$name$np.nc")"
    cmp -s "$D/${name}1.csv" "$D/$name$np.csv" || fail "$name: CSV at $np ranks differs from 1 rank"
  done
  OMP_NUM_THREADS=2 run_np 1 queue "$@" --output "$D/${name}t.nc" -q || fail "$name: 2 threads"
  same "$D/${name}1.nc" "$D/${name}t.nc" >/dev/null || fail "$name: data with 2 threads differ"
  echo "ok: $name: identical data and CSV at 1, 2, 3 ranks and 2 threads ($(same "$D/${name}1.nc" "$D/${name}3.nc"))"
}
invariant poisson --classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 --customers 20000 \
  --warmup 20 --reps 7 --chunk 2 --t 0.5,1,2
$PY - "$D/trace.csv" <<'PY'
import random, sys
r = random.Random(3)
t, rows = 0.0, []
while t < 2000:
    t += r.expovariate(2.5)
    rows.append((t, r.choice("hhl")))
with open(sys.argv[1], "w") as f:
    f.write("class,time\n")
    for t, k in rows:
        f.write(f"{k},{t:.6f}\n")
PY
invariant trace --classes h,l --arrivals "$D/trace.csv" --servers 3 --service lognormal --service-mean 1 \
  --service-cv 0.5,1.5 --reps 5 --chunk 1 --t 1
printf 'days,start,end,servers\nMon-Fri,08:00,18:00,4\ndaily,00:00,24:00,1\n' >"$D/shifts.csv"
invariant schedule --rates 1,0.5 --schedule-file "$D/shifts.csv" --service gamma --service-mean 0.5,1 --service-cv 2 \
  --horizon 2000 --reps 4 --time-unit hour

# --- SIGUSR1 at 2 ranks, resumed at 3 ------------------------------------------------------
wait_file() { for _ in $(seq 1 1200); do compgen -G "$1" >/dev/null && return 0; sleep 0.05; done; return 1; }
big=(queue --classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 --customers 1500000 --reps 24
     --chunk 1 --t 1)
run_np 1 "${big[@]}" --output "$D/ref.nc" -q || fail "resume: reference run"
mpirun -np 2 --oversubscribe "$REGIA" "${big[@]}" --checkpoint-interval 0.0001 --output "$D/r.nc" >"$D/r1.log" 2>&1 &
pid=$!
wait_file "$D/r.ckpt/rank-1.ckpt" || { kill $pid; fail "resume: no checkpoint"; }
kill -USR1 $pid; rc=0; wait $pid || rc=$?
((rc == 3)) || { cat "$D/r1.log"; fail "resume: exit $rc after SIGUSR1, expected 3"; }
[[ ! -e $D/r.nc && ! -e $D/r.csv ]] || fail "resume: an output exists after the stop"
run_np 3 "${big[@]}" --output "$D/r.nc" >"$D/r2.log" 2>&1 || { cat "$D/r2.log"; fail "resume: run at 3 ranks"; }
restored=$(grep -o '[0-9]* of [0-9]* replications restored' "$D/r2.log" | awk '{s += $1} END {print s + 0}')
((restored > 0)) || { cat "$D/r2.log"; fail "resume: nothing restored at 3 ranks"; }
same "$D/ref.nc" "$D/r.nc" >/dev/null || fail "resume: resumed output differs: $(same "$D/ref.nc" "$D/r.nc")"
cmp -s "$D/ref.csv" "$D/r.csv" || fail "resume: resumed CSV differs"
[[ ! -e $D/r.ckpt ]] || fail "resume: checkpoint left after completion"
echo "ok: stopped at 2 ranks (exit 3), resumed at 3 with $restored replications restored: identical output"
