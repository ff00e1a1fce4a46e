#!/usr/bin/env bash
# regia modal reads miniSEED (libmseed): one channel per source NET.STA.LOC.CHA over the time
# all of them cover, the rate from the records; a source with a gap is refused, naming it.
source "$(dirname "$0")/lib.sh"
mk=${BUILD:-$REGIA_ROOT/build}/tools/mkmseed
[[ -x $mk ]] || skip "no $mk (make tests)"
/usr/bin/python3 -c 'import h5py' 2>/dev/null || skip "Debian python3 without h5py"
D=$TMP
for s in 1 2 3; do
  "$mk" write "$D/rec.mseed" --source "XX.S$s..HNZ" --start 2024-03-01T00:00:00 --rate 50 --samples 30000 \
    --seed $s $([[ $s != 1 ]] && echo --append) >/dev/null || fail "mkmseed S$s"
done
run_np 1 modal --input "$D/rec.mseed" --block-rows 20 --orders 2:30:2 --output "$D/m.h5" >"$D/log" 2>&1 ||
  { cat "$D/log"; fail "miniSEED run"; }
grep -q "(miniseed): 3 channels x 30000 samples at 50 Hz" "$D/log" || { cat "$D/log"; fail "channels"; }
/usr/bin/python3 - "$D/m.h5" <<'PY' || fail "output of the miniSEED run"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
names = [bytes(x).rstrip(b"\0").decode() for x in f["channel_name"][()]]
assert names == ["XX.S1..HNZ", "XX.S2..HNZ", "XX.S3..HNZ"], names
assert f.attrs["input_format"] in (b"miniseed", "miniseed") and f["pole_order"].shape[0] == sum(range(2, 31, 2))
# white noise: usually no mode, and then no mode dimension nor mode variables (docs/modal.md)
nm = int(f.attrs["mode_count"])
assert ("mode_frequency" in f) == (nm > 0), nm
print("channels:", names, "modes:", f["mode_frequency"][()] if nm else "none")
PY
echo "ok: miniSEED channels and rate"
# a gap: S4 in two pieces
"$mk" write "$D/gap.mseed" --source XX.S4..HNZ --start 2024-03-01T00:00:00 --rate 50 --samples 5000 >/dev/null || fail "mkmseed gap 1"
"$mk" write "$D/gap.mseed" --source XX.S4..HNZ --start 2024-03-01T00:10:00 --rate 50 --samples 5000 --append >/dev/null ||
  fail "mkmseed gap 2"
expect_fail "gap" "gap.mseed: channel XX.S4..HNZ has a gap or an overlap" \
  run_np 1 modal --input "$D/gap.mseed" --output "$D/x.h5"
