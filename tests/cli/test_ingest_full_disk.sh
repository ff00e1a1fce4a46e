#!/usr/bin/env bash
# ingest env writing to a full file system (a small tmpfs, so root only): at 1 and 3 ranks,
# whether the space runs out in define mode, in data mode, at close or for the manifest
# file, every rank ends with an error in bounded time, and nothing is left in the directory
# (no output, no .tmp).  Skipped where tmpfs cannot be mounted.
source "$(dirname "$0")/lib.sh"
M=$TMP/m; mkdir -p "$M" "$TMP/g"
mount -t tmpfs -o size=64k tmpfs "$M" 2>/dev/null || skip "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)"
umount "$M"
trap 'umount "$M" 2>/dev/null || true; rm -rf "$TMP"' EXIT
run_np 1 gen env --stations 6 --years 1 --seed 9 --output-dir "$TMP/g" --end-date 2023-06-30 2>/dev/null
REG=$TMP/g/sensors.csv; DAT=$TMP/g/measurements.csv
# size of a complete output (rejects: a few lines)
{ cat "$DAT"; sed -n 2,40p "$DAT"; } >"$TMP/dup.csv"
run_np 1 ingest env --registry "$REG" --data "$TMP/dup.csv" --output "$TMP/full.nc" 2>/dev/null || fail "reference ingest"
nc=$(stat -c %s "$TMP/full.nc"); rj=$(stat -c %s "$TMP/full.rejects.csv")
echo "complete output: $nc bytes (+ rejects $rj bytes)"
# tmpfs sizes: define mode (a few KB), data mode (half the file), the last writes or the
# close (the file's own size), the manifest (one page more: written before the outputs are
# renamed into place, so nothing is committed)
pages=$(((nc + 4095) / 4096))
for size in 8k $((nc / 2 / 1024))k $((pages * 4))k $(((pages + 1) * 4))k; do
  for np in 1 3; do
    mount -t tmpfs -o size=$size tmpfs "$M" || fail "mount"
    start=$SECONDS rc=0
    REGIA_FAIL_WAIT=10 timeout 120 mpirun -np $np --oversubscribe "$REGIA" ingest env --registry "$REG" \
      --data "$TMP/dup.csv" --output "$M/o.nc" >"$TMP/log" 2>&1 || rc=$?
    took=$((SECONDS - start)); left=$(ls -A "$M")
    umount_retry "$M"
    ((rc != 0)) || { cat "$TMP/log"; fail "size $size np=$np: exit status 0 on a full file system"; }
    ((rc != 124)) || fail "size $size np=$np: hung (killed after 120 s)"
    grep -Eq 'error.*(No space|full|cannot|HDF error)' "$TMP/log" || { cat "$TMP/log"; fail "size $size np=$np: no clear error"; }
    [[ -z $left ]] || fail "size $size np=$np: left in the directory: $left"
    ! grep -q 'Segmentation\|signal 11' "$TMP/log" || fail "size $size np=$np: crashed"
    echo "ok: tmpfs $size, $np rank(s): exit $rc after ${took} s, nothing left: $(grep -Em1 'error' "$TMP/log" | cut -c1-160)"
  done
done
