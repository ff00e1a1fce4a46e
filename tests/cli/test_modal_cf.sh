#!/usr/bin/env bash
# regia modal --output X.nc as CF-1.10 / ACDD-1.3 and CDO 2.1 read it: on a record with two
# modes, on one with none (white noise: no mode and no FDD peak dimension, mode_count = 0)
# and on a sensor export with timestamps (time coverage from the record's start).  Checked:
# cf_check (IOOS compliance-checker cf:1.10 + acdd:1.3, accepted findings of kind modal in
# tests/reference/cf_report.py), the shared global attributes, no unlimited dimension, no
# machine path in the metadata, `cdo sinfo` prints no warning and `cdo showname` lists the
# main variables, xarray opens the file and selects channels by name.
source "$(dirname "$0")/lib.sh"
cf_checker_find
command -v cdo >/dev/null || fail "cdo not found: install the test packages (scripts/install-deps.sh test)"
command -v ncdump >/dev/null || fail "ncdump not found: install the test packages (scripts/install-deps.sh test)"
/usr/bin/python3 -c 'import numpy, xarray' 2>/dev/null || skip "Debian python3 without numpy/xarray"
D=$TMP
/usr/bin/python3 - "$D" <<'PY' || fail "fixtures"
import os, sys, numpy as np
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
from modal_fixture import two_mode_record
d = sys.argv[1]
rng = np.random.default_rng(7)
fs, n = 20.0, 4000  # two modes (1.1 and 2.9 Hz, 2 %) seen by 3 channels
y = two_mode_record(rng, fs, n)
np.save(f"{d}/modes.npy", y)
np.save(f"{d}/noise.npy", rng.standard_normal((n, 3)))
with open(f"{d}/export.csv", "w") as f:  # a sensor export with timestamps and units
    f.write("# structure: bridge_a\ntime,acc_x [m/s2],acc_y [m/s2],acc_z [m/s2]\n")
    t0 = np.datetime64("2024-03-01T00:00:00.000")
    for k, r in enumerate(y):
        f.write(str(t0 + np.timedelta64(50 * k, "ms")) + "Z," + ",".join(repr(float(v)) for v in r) + "\n")
PY
m() { run_np 1 modal "$@"; }
m --input "$D/modes.npy" --fs 20 --output "$D/modes.nc" >"$D/log1" 2>&1 || { cat "$D/log1"; fail "run on modes.npy"; }
m --input "$D/noise.npy" --fs 20 --output "$D/noise.nc" >"$D/log2" 2>&1 || { cat "$D/log2"; fail "run on noise.npy"; }
m --input "$D/export.csv" --output "$D/export.nc" >"$D/log3" 2>&1 || { cat "$D/log3"; fail "run on export.csv"; }
grep -q ", 0 modes" "$D/log2" || { cat "$D/log2"; fail "white noise gave modes: the no-mode case is not tested"; }
failed=()
for f in modes noise export; do
  b=$f.nc
  echo "--- cf:1.10 + acdd:1.3: $b (regia modal)"
  if cf_check "$D/$b" modal; then echo "ok: no CF-1.10 errors and no unaccepted ACDD-1.3 high-priority findings in $b"
  else failed+=("$b: CF-1.10 errors or ACDD-1.3 high-priority findings (ERROR/FATAL lines above)"); fi
  ncdump -h "$D/$b" >"$D/$b.cdl" || fail "ncdump -h $b"
  for a in ':Conventions = "CF-1.10, ACDD-1.3" ;' ':title = ' ':summary = ' ':id = "'"$f"'" ;' ':date_created = ' \
           ':history = ' ':creator_email = ' ':license = ' ':regia_domain = "modal" ;' ':input_file = ' \
           ':input_sha256 = ' ':mode_count = ' 'channel_name:_Encoding = "utf-8" ;' \
           'channel_reference:coordinates = "channel_name channel_units" ;'; do
    grep -qF -- "$a" "$D/$b.cdl" || failed+=("$b: no attribute $a")
  done
  grep -q UNLIMITED "$D/$b.cdl" && failed+=("$b: an unlimited dimension (CDO takes it for time)")
  grep -qF -- "$D" "$D/$b.cdl" && failed+=("$b: a machine path in the metadata: $(grep -F -- "$D" "$D/$b.cdl" | head -2)")
  grep -q ':axis = ' "$D/$b.cdl" && failed+=("$b: an axis attribute on a non-spatial dimension")
  cdo sinfo "$D/$b" >"$D/$b.cdo" 2>&1 || failed+=("$b: cdo sinfo cannot read it: $(tail -3 "$D/$b.cdo")")
  if grep -i 'warn\|error' "$D/$b.cdo"; then failed+=("$b: cdo sinfo warns (above)"); fi
  names=$(cdo -s showname "$D/$b" 2>&1)
  want="channel_reference model_order hankel_singular_value pole_frequency pole_damping pole_shape fdd_frequency fdd_singular_value"
  [[ $f == noise ]] || want+=" mode_frequency mode_damping mode_shape fdd_peak_frequency"
  for v in $want; do
    grep -qw "$v" <<<"$names" || failed+=("$b: cdo showname does not list $v: $names")
  done
done
grep -q ':mode_count = 0 ;' "$D/noise.nc.cdl" || failed+=("noise.nc: mode_count is not 0")
grep -q 'mode = \|mode_frequency\|fdd_peak = ' "$D/noise.nc.cdl" && failed+=("noise.nc: a mode or fdd_peak dimension without modes")
grep -q ':mode_count = 2 ;' "$D/modes.nc.cdl" || failed+=("modes.nc: mode_count is not 2")
grep -q ':time_coverage_start = "2024-03-01T00:00:00.000000Z" ;' "$D/export.nc.cdl" ||
  failed+=("export.nc: no time_coverage_start of the record")
grep -q ':time_coverage_end = "2024-03-01T00:03:20.000000Z" ;' "$D/export.nc.cdl" ||
  failed+=("export.nc: time_coverage_end is not start + 4000 / 20 Hz")
grep -q ':time_coverage' "$D/modes.nc.cdl" && failed+=("modes.nc: a time coverage, but the .npy has no time")
/usr/bin/python3 - "$D" <<'PY' || failed+=("xarray cannot read the outputs by channel name")
import sys, xarray as xr
d = sys.argv[1]
ds = xr.open_dataset(f"{d}/export.nc")
names = [n.decode() if isinstance(n, bytes) else str(n) for n in ds["channel_name"].values]
assert names == ["acc_x", "acc_y", "acc_z"], names
ds = ds.assign_coords(channel_name=("channel", names)).set_xindex("channel_name")
s = ds["mode_shape"].sel(channel_name="acc_y").values
assert s.shape == (2, 2) and int(ds["channel_reference"].sel(channel_name="acc_x")) == 1, s
z = xr.open_dataset(f"{d}/noise.nc")
assert z.attrs["mode_count"] == 0 and "mode_frequency" not in z and "mode" not in z.dims
print(f"ok: xarray: mode shapes at acc_y {s[:, 0].round(3)}; noise.nc has no mode variables")
PY
if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  fail "${#failed[@]} problem(s): ${failed[*]}"
fi
echo "ok: regia modal outputs are CF-1.10 clean, ACDD-1.3 complete, and CDO 2.1 reads them without a warning"
