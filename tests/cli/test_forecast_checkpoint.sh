#!/usr/bin/env bash
# regia forecast checkpoints like regia env: SIGUSR1 mid-run -> exit 3, no output; the
# same command again restores the completed blocks and writes the same data as an
# uninterrupted run (at another rank count), then removes the checkpoint.
source "$(dirname "$0")/lib.sh"
D=$TMP
awk 'BEGIN { srand(7); print "series_id,time,value"
  for (s = 0; s < 300; s++) for (d = 0; d < 400; d++) {
    t = 1700000000 + d * 86400
    printf "s%03d,%s,%.3f\n", s, strftime("%Y-%m-%d", t, 1), 50 + 10 * sin(6.2832 * d / 7) + 3 * (rand() - 0.5) + 0.02 * d * (s % 3)
  } }' >"$D/in.csv" 2>/dev/null || /usr/bin/python3 - "$D/in.csv" <<'PY'
import sys, math, random, datetime
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write("series_id,time,value\n")
    for s in range(300):
        for d in range(400):
            y = 50 + 10 * math.sin(2 * math.pi * d / 7) + 3 * (random.random() - 0.5) + 0.02 * d * (s % 3)
            f.write("s%03d,%s,%.3f\n" % (s, (datetime.date(2023, 11, 14) + datetime.timedelta(d)).isoformat(), y))
PY
args=(forecast --input "$D/in.csv" --season 7 --horizon 14 --checkpoint-interval 0.0001)
mpirun -np 2 --oversubscribe "$REGIA" "${args[@]}" --output "$D/a.nc" >"$D/a1.log" 2>&1 & pid=$!
for _ in $(seq 1 600); do [[ -f $D/a.ckpt/rank-0.ckpt ]] && break; sleep 0.05; done
kill -USR1 $pid; rc=0; wait $pid || rc=$?
((rc == 3)) || { cat "$D/a1.log"; fail "exit status $rc after SIGUSR1, expected 3"; }
[[ ! -e $D/a.nc && ! -e $D/a.nc.tmp ]] || fail "partial output after the interruption"
grep -q 'run the same command again to resume' "$D/a1.log" || fail "no resume hint"
run_np 2 "${args[@]}" --output "$D/a.nc" >"$D/a2.log" 2>&1 || { cat "$D/a2.log"; fail "resumed run"; }
grep -q 'series restored from the checkpoint' "$D/a2.log" || { cat "$D/a2.log"; fail "nothing restored"; }
[[ ! -e $D/a.ckpt ]] || fail "checkpoint left after completion"
run_np 3 forecast --input "$D/in.csv" --season 7 --horizon 14 --output "$D/b.nc" >/dev/null 2>&1 || fail "reference run"
cmp -s <(ncdump "$D/a.nc" | sed -n '/^data:/,$p') <(ncdump "$D/b.nc" | sed -n '/^data:/,$p') ||
  fail "resumed output differs from an uninterrupted run"
echo "ok: forecast SIGUSR1 -> exit 3 -> resumed ($(grep -ho '[0-9]* of [0-9]* series restored' "$D/a2.log" | paste -sd' ')) -> identical to 3 ranks uninterrupted"
expect_fail "bad --checkpoint-interval" "checkpoint-interval 'soon'" run_np 1 forecast --input "$D/in.csv" --season 7 \
  --horizon 14 --output "$D/c.nc" --checkpoint-interval soon
