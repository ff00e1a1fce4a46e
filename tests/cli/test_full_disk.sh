#!/usr/bin/env bash
# A full output file system ends every rank with a clear error in bounded time, whatever
# the phase the space runs out in (define mode, data mode, close), and leaves no temporary
# file: regia env and regia forecast at 1 and 3 ranks write into small tmpfs mounts (root
# only; skipped where mounting is not permitted).
source "$(dirname "$0")/lib.sh"
D=$TMP
export REGIA_FAIL_WAIT=${REGIA_FAIL_WAIT:-10}  # a stalled collective write ends after 10 s here
mnt=$D/mnt
mkdir -p "$mnt"
mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null || skip "cannot mount a tmpfs here (needs root): $(id -un)"
umount "$mnt"
mounted=()
cleanup() { for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || true; done; rm -rf "$D"; }
trap cleanup EXIT
run_np 1 gen env --stations 12 --years 2 --seed 3 --end-date 2024-03-31 --output-dir "$D/d" >/dev/null 2>&1 || fail "gen"
run_np 1 ingest env --registry "$D/d/sensors.csv" --data "$D/d/measurements.csv" --output "$D/in.nc" >/dev/null 2>&1 ||
  fail "ingest"
/usr/bin/python3 - "$D/fc.csv" <<'PY'
import sys, math, datetime
with open(sys.argv[1], "w") as f:
    f.write("series_id,time,value\n")
    for s in range(60):
        for d in range(300):
            f.write("s%02d,%s,%.3f\n" % (s, (datetime.date(2023, 1, 1) + datetime.timedelta(d)).isoformat(),
                                          20 + 5 * math.sin(2 * math.pi * d / 7) + ((d * 7919 + s * 104729) % 97) / 30.0))
PY
# sizes that run out in different places: 8k (creating / define mode), 40k, 160k (data mode
# or the close), each well below the full output (~1 MB)
n=0
for size in 8k 40k 160k; do
  for np in 1 3; do
    m=$D/m_${size}_$np; mkdir -p "$m"
    mount -t tmpfs -o size=$size tmpfs "$m" || fail "mount $size"
    mounted+=("$m")
    printf '[job]\noutput = %s/env.nc\ncheckpoint_dir = %s/env.ckpt\n[input]\nfile = %s/in.nc\n[analysis]\nhistory_days = 200\npaths = 100\n' \
      "$m" "$D" "$D" >"$D/env_$size.ini"
    for cmd in env forecast; do
      if [[ $cmd == env ]]; then args=(env "$D/env_$size.ini"); out=$m/env.nc
      else args=(forecast --input "$D/fc.csv" --season 7 --horizon 30 --output "$m/fc.nc" --checkpoint-dir "$D/fc.ckpt"); out=$m/fc.nc; fi
      rc=0; msg=$(timeout 120 mpirun -np "$np" --oversubscribe "$REGIA" "${args[@]}" 2>&1) || rc=$?
      ((rc != 124 && rc != 137)) || fail "$cmd np=$np size=$size: still running after 120 s (a hang)"
      ((rc != 0)) || fail "$cmd np=$np size=$size: exit 0 on a full file system"
      grep -Eq 'No space left on device|HDF error|cannot create|closing the output|write' <<<"$msg" ||
        { echo "$msg" | tail -20; fail "$cmd np=$np size=$size: no clear error"; }
      grep -q 'Segmentation\|core dumped\|signal 11' <<<"$msg" && fail "$cmd np=$np size=$size: crashed"
      [[ ! -e $out ]] || fail "$cmd np=$np size=$size: output left under the final name"
      left=$(find "$m" -name '*tmp*' | head -3)
      [[ -z $left ]] || fail "$cmd np=$np size=$size: temporary file left: $left"
      echo "ok: $cmd np=$np on a $size file system: exit $rc -> $(grep -m1 'error' <<<"$msg" | cut -c1-160)"
      n=$((n + 1))
    done
  done
done
echo "ok: $n runs on full file systems ended cleanly"
