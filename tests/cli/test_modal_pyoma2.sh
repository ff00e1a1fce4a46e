#!/usr/bin/env bash
# regia modal on pyOMA2's example frame (pyOMA-2 1.4.3, pyoma2.functions.gen.example_data():
# 5 storeys, m = 25.91 kg, k = 10000 N/m, xi = 0.02, 100 Hz, 300 s with 10 % noise): the
# automatic modes are the frame's five, each within 0.3 % of (1/pi) sqrt(k/m)
# sin((2j - 1) pi / 22), and no other mode below the fifth.
source "$(dirname "$0")/lib.sh"
py=${BUILD:-$REGIA_ROOT/build}/peer-venv/bin/python
[[ -x $py ]] || py=$REGIA_ROOT/build/peer-venv/bin/python
[[ -x $py ]] || skip "no peer venv (scripts/install-peers.sh)"
"$py" -c 'import pyoma2' 2>/dev/null || skip "pyOMA-2 not installed in the peer venv"
/usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null || skip "Debian python3 without h5py/numpy"
OMP_NUM_THREADS=1 "$py" - "$TMP/frame.npy" <<'PY' || fail "pyoma2 example_data"
import sys, numpy as np
from pyoma2.functions.gen import example_data
Y, U, (fn, xi, phi) = example_data()
np.save(sys.argv[1], Y)
print("pyOMA2 truth:", np.round(fn, 6))
PY
run_np 1 modal --input "$TMP/frame.npy" --fs 100 --block-rows 50 --output "$TMP/frame.nc" >"$TMP/log" 2>&1 ||
  { cat "$TMP/log"; fail "regia modal"; }
/usr/bin/python3 "$REGIA_ROOT/tests/reference/modal_check.py" "$TMP/frame.nc" truth \
  0.889952,2.597758,4.095108,5.260697,6.000096 0.003 || fail "modes of pyOMA2's example frame"
echo "ok: pyOMA2 example frame"
