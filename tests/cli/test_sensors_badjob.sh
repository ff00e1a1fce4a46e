#!/usr/bin/env bash
# regia sensors refuses bad job files with the file, line and key named, before any work:
# unknown keys, values out of range or of the wrong type, inconsistent pairs, Welch or SSI
# settings a structure's records cannot hold, a structure or store that is not there, a
# truncated store; and `regia submit` refuses an [sensors] ingest_job of another domain.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, scipy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 or scipy"
/usr/bin/python3 "$REGIA_ROOT/tests/cli/sensors_fixture.py" "$D/store.h5" 1 2 60
base() { printf '[job]\ndomain = sensors\noutput = s.nc\n[input]\nstore = store.h5\n[records]\nlength = 60\n[welch]\nnperseg = 256\n[ssi]\nfmax = 12\n'; }
bad() { # bad WHAT REGEX [extra job lines]: the job fails at 2 ranks with REGEX
  local what=$1 re=$2; shift 2
  { base; printf '%s\n' "$@"; } >"$D/b.ini"
  expect_fail "$what" "$re" run_np 2 sensors "$D/b.ini"
  [[ ! -e $D/s.nc ]] || fail "$what: an output was written"
}
bad "unknown key" "b.ini:[0-9]+.*(unknown|not a key).*nperseg2|nperseg2.*unknown" '[welch]' 'nperseg2 = 4'
bad "renamed key" "b.ini:[0-9]+: key 'clock_min_corr' in section \\[qc\\] was renamed to 'clock_min_agreement': .*phase" \
  '[qc]' 'clock_min_corr = 0.5'
bad "noverlap >= nperseg" "b.ini:[0-9]+: key 'noverlap' 256 must be less than nperseg 256" '[welch]' 'noverlap = 256'
bad "nfft < nperseg" "b.ini:[0-9]+: key 'nfft' 100 must be at least nperseg 256" '[welch]' 'nfft = 100'
bad "bad window" "b.ini:[0-9]+.*window.*(hann|boxcar)" '[welch]' 'window = blackman'
bad "orders syntax" "b.ini:[0-9]+: key 'orders': '2-40' is not MIN:MAX:STEP" '[ssi]' 'orders = 2-40'
{ base | sed 's/fmax = 12/fmax = 0.5/'; printf 'fmin = 1\n'; } >"$D/b.ini"
expect_fail "fmax <= fmin" "b.ini:[0-9]+: key 'fmax' 0.5 must exceed fmin 1" run_np 2 sensors "$D/b.ini"
bad "red_days > red_window" "b.ini:[0-9]+: key 'red_days' 4 exceeds red_window 3" '[alerts]' 'red_days = 4'
bad "return period of one block" "b.ini:[0-9]+: key 'return_periods': 2 days is not more than one block" \
  '[risk]' 'block_days = 2' 'return_periods = 2, 10'
bad "return periods out of order" "b.ini:[0-9]+: key 'return_periods': give the periods in increasing order \(30 after 365\)" \
  '[risk]' 'return_periods = 365, 30'
bad "false-alarm rate out of range" "b.ini:[0-9]+.*false_alarm_rate" '[novelty]' 'false_alarm_rate = 0.9'
{ base | sed 's/length = 60/length = 100000/'; } >"$D/b.ini"
expect_fail "record longer than a day" "b.ini:[0-9]+: key 'length': 100000 is outside" run_np 2 sensors "$D/b.ini"
# settings the records cannot hold (60 s at 50 Hz = 3000 samples)
{ base | sed 's/^output = s.nc/output = s.nc\ncheckpoint_dir = store.h5/'; } >"$D/b.ini"
expect_fail "checkpoint_dir is a file" "b.ini:[0-9]+: key 'checkpoint_dir': '.*store.h5' exists and is not a directory" \
  run_np 2 sensors "$D/b.ini"
{ base | sed 's/length = 60/length = 61/'; } >"$D/b.ini"
expect_fail "records longer than the traces" "no record of .*store.h5 gave a mode: of [0-9]+ records, [0-9]+ had no or too little data \(less than \[records\] min_coverage 0.9 of the window: is \[records\] length 61 s longer than the traces\?\), 0 were left out" \
  run_np 2 sensors "$D/b.ini"
[[ ! -e $D/s.nc ]] || fail "records longer than the traces: an output was written"
{ base | sed 's/nperseg = 256/nperseg = 4096/'; } >"$D/b.ini"
expect_fail "nperseg over the record" "b.ini:[0-9]+: \[welch\]: structure S1 \(3000 samples per record at 50 Hz\)" \
  run_np 2 sensors "$D/b.ini"
{ base; printf '[ssi]\norders = 2:300:2\nblock_rows = 10\n'; } >"$D/b.ini"
expect_fail "orders beyond the Hankel matrix" "b.ini:[0-9]+: \[ssi\]: structure S1" run_np 2 sensors "$D/b.ini"
bad "structure not in the store" "b.ini:[0-9]+: \[input\] structures: 'S9' is not in the store" '[input]' 'structures = S9'
{ base | sed 's#store = store.h5#store = nothere.h5#'; } >"$D/b.ini"
expect_fail "missing store" "\[input\] store \(.*b.ini:[0-9]+\).*nothere.h5" run_np 2 sensors "$D/b.ini"
head -c 100000 "$D/store.h5" >"$D/trunc.h5"
{ base | sed 's#store = store.h5#store = trunc.h5#'; } >"$D/b.ini"
expect_fail "truncated store" "trunc.h5" run_np 2 sensors "$D/b.ini"
# a store that opens but one trace's deflated chunk is damaged: the structure, the record's
# UTC start, the file and the trace named; no output left
cp "$D/store.h5" "$D/chunk.h5"
/usr/bin/python3 - "$D/chunk.h5" <<'PY' || fail "damaging a chunk"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    d = f["S1/A1/S1.A1..y__2026-03-01T00:00:00.000000__2026-03-01T00:00:59.980000__raw_recording"]
    ci = d.id.get_chunk_info(0)
with open(sys.argv[1], "r+b") as g:
    g.seek(ci.byte_offset); g.write(b"\x55" * ci.size)
PY
{ base | sed 's#store = store.h5#store = chunk.h5#'; } >"$D/b.ini"
expect_fail "damaged chunk" "structure S1, record 2026-03-01T00:00:00Z: .*chunk.h5: trace /S1/A1/S1.A1..y__2026-03-01T00:00:00.000000__.*: reading samples 0..2999" \
  run_np 2 sensors "$D/b.ini"
[[ ! -e $D/s.nc && ! -e $D/s_detail.h5 ]] || fail "damaged chunk: an output was written"
{ base | sed 's#output = s.nc#output = s.nc\ndetail = d.csv#'; } >"$D/b.ini"
expect_fail "detail not HDF5" "b.ini:[0-9]+: key 'detail' '.*d.csv': the detail is HDF5" run_np 2 sensors "$D/b.ini"
{ base | sed 's#output = s.nc#output = s.h5#'; } >"$D/b.ini"
expect_fail "summary not .nc" "give the output a .nc name" run_np 2 sensors "$D/b.ini"
# an output or the detail that is the store under another spelling, or inside a store directory
sum0=$(sha256sum <"$D/store.h5")
ln -sf store.h5 "$D/link.nc"; ln -sf store.h5 "$D/link.h5"   # other names of the same file
{ base | sed 's#output = s.nc#output = link.nc#'; } >"$D/b.ini"
expect_fail "output is the store" "b.ini:[0-9]+: key 'output' '.*link.nc' is the sensor store" run_np 2 sensors "$D/b.ini"
{ base | sed 's#output = s.nc#output = s.nc\ndetail = link.h5#'; } >"$D/b.ini"
expect_fail "detail is the store" "b.ini:[0-9]+: key 'detail' '.*link.h5' is the sensor store" run_np 2 sensors "$D/b.ini"
[[ $(sha256sum <"$D/store.h5") == "$sum0" ]] || fail "the store was overwritten"
mkdir -p "$D/sdir" && cp "$D/store.h5" "$D/sdir/"
{ base | sed -e 's#output = s.nc#output = sdir/s.nc#' -e 's#store = store.h5#store = sdir#'; } >"$D/b.ini"
expect_fail "output in the store directory" "b.ini:[0-9]+: key 'output' '.*sdir/s.nc' is inside the store directory" \
  run_np 2 sensors "$D/b.ini"
[[ $(ls "$D/sdir") == store.h5 ]] || fail "a refused run left a file in the store directory"
cp "$D/store.h5" "$D/s_detail.h5"   # a store named as the default detail file of output s.nc
{ base | sed 's#store = store.h5#store = s_detail.h5#'; } >"$D/b.ini"
expect_fail "default detail is the store" "b.ini: the detail file '.*s_detail.h5' \(by default the output's name" \
  run_np 2 sensors "$D/b.ini"
rm -f "$D/s_detail.h5"
# a training period that covers every day of the records: the run warns that nothing is monitored
{ base; printf '[novelty]\ntraining_days = 1\n'; } >"$D/b.ini"
run_np 2 sensors "$D/b.ini" >"$D/train.log" 2>&1 || { cat "$D/train.log"; fail "training over the whole run"; }
grep -q "warning: \[novelty\] training_days = 1 covers all 1 day of the records .*no alert can be raised" "$D/train.log" ||
  { cat "$D/train.log"; fail "no warning for a training period over every day"; }
rm -f "$D/s.nc"
echo "ok: training over every day warned"
printf '[job]\ndomain = waitlist\noutput = x.nc\n[waitlist]\ninput = b.nc\nagendas = a.csv\n' >"$D/other.ini"
{ base; printf '[sensors]\ningest_job = other.ini\n[slurm]\nprofile = local\n'; } >"$D/sub.ini"
expect_fail "ingest_job of another domain" "sub.ini:[0-9]+: \[sensors\] ingest_job .*other.ini is a job file of 'waitlist', not of 'ingest sensors'" \
  "$REGIA" submit --dry-run "$D/sub.ini"
echo "ok: every bad job file refused with its file, line and key"
