#!/usr/bin/env bash
# regia queue writing to a full file system (a small tmpfs, so root only): at 1 and 3 ranks,
# whether the space runs out in define mode, in data mode, for the CSV summary (the output
# fits) or for the manifest (output and CSV fit), every rank ends with an error in bounded
# time, and nothing is left in the directory.  Skipped where tmpfs cannot be mounted.
source "$(dirname "$0")/lib.sh"
M=$TMP/m; mkdir -p "$M"
mount -t tmpfs -o size=64k tmpfs "$M" 2>/dev/null || skip "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)"
umount "$M"
trap 'umount "$M" 2>/dev/null || true; rm -rf "$TMP"' EXIT
args=(queue --classes U,B,D,P --rates 0.4,1.2,1.6,0.8 --servers 5 --service-mean 1 --customers 5000 --reps 300
      --t 0.5,1,2,4 --quantiles 0.1,0.25,0.5,0.75,0.9,0.95,0.99)
run_np 1 "${args[@]}" --output "$TMP/full.nc" -q || fail "reference run"
nc=$(stat -c %s "$TMP/full.nc"); csv=$(stat -c %s "$TMP/full.csv")
echo "complete output: $nc bytes (+ CSV $csv bytes)"
p_nc=$(((nc + 4095) / 4096)) p_csv=$(((csv + 4095) / 4096))
for size in 8k $((nc / 2 / 1024))k $((p_nc * 4))k $(((p_nc + p_csv) * 4))k; do
  for np in 1 3; do
    mount -t tmpfs -o size=$size tmpfs "$M" || fail "mount"
    start=$SECONDS rc=0
    REGIA_FAIL_WAIT=10 timeout 120 mpirun -np $np --oversubscribe "$REGIA" "${args[@]}" --output "$M/o.nc" \
      >"$TMP/log" 2>&1 || rc=$?
    took=$((SECONDS - start)); left=$(ls -A "$M")
    umount_retry "$M"
    ((rc != 0)) || { cat "$TMP/log"; fail "size $size np=$np: exit status 0 on a full file system"; }
    ((rc != 124)) || fail "size $size np=$np: hung (killed after 120 s)"
    grep -Eq 'error.*(No space|full|cannot|HDF error|failed)' "$TMP/log" || { cat "$TMP/log"; fail "size $size np=$np: no clear error"; }
    [[ -z $left ]] || fail "size $size np=$np: left in the directory: $left"
    ! grep -q 'Segmentation\|signal 11' "$TMP/log" || fail "size $size np=$np: crashed"
    echo "ok: tmpfs $size, $np rank(s): exit $rc after ${took} s, nothing left: $(grep -Em1 'error' "$TMP/log" | cut -c1-160)"
  done
done
