#!/usr/bin/env bash
# regia modal reads .npy arrays of float64 and float32 in either byte order and in C or
# Fortran order: '>f8' gives the very poles and spectra of '<f8', and '<f4', '>f4' and a
# Fortran-order '>f4' those of the float32 samples widened to float64 ('<f8'), bit for bit;
# other dtypes (float16, int32, complex) are errors naming the file and the dtype.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import numpy, h5py' 2>/dev/null || skip "Debian python3 without numpy/h5py"
D=$TMP
/usr/bin/python3 - "$D" <<'PY' || fail "fixtures"
import os, sys, numpy as np
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
from modal_fixture import modal_record
d = sys.argv[1]
rng = np.random.default_rng(5)
y = modal_record(rng, 20.0, 2400, ((1.1, 0.02, (1.0, 0.6)), (2.9, 0.02, (0.4, -1.0))))
y32 = y.astype(np.float32)
assert not np.array_equal(y32.astype(np.float64), y)  # float32 rounding shows
np.save(f"{d}/le8.npy", y)
np.save(f"{d}/be8.npy", y.astype(">f8"))
np.save(f"{d}/w32.npy", y32.astype(np.float64))
np.save(f"{d}/le4.npy", y32)
np.save(f"{d}/be4.npy", y32.astype(">f4"))
np.save(f"{d}/be4f.npy", np.asfortranarray(y32.astype(">f4")))
np.save(f"{d}/f2.npy", y.astype(np.float16))
np.save(f"{d}/c16.npy", y.astype(np.complex128))
for k in ("be8", "le4", "be4", "be4f"):  # the files say what the test claims
    a = np.load(f"{d}/{k}.npy")
    assert a.dtype.str == {"be8": ">f8", "le4": "<f4", "be4": ">f4", "be4f": ">f4"}[k], (k, a.dtype.str)
assert np.load(f"{d}/be4f.npy", mmap_mode="r").flags.f_contiguous
PY
for k in le8 be8 w32 le4 be4 be4f; do
  run_np 1 modal --input "$D/$k.npy" --fs 20 --orders 2:20:2 --output "$D/$k.h5" -q >"$D/log_$k" 2>&1 ||
    { cat "$D/log_$k"; fail "$k.npy run"; }
done
/usr/bin/python3 - "$D" <<'PY' || fail "the same record in every dtype"
import sys, h5py, numpy as np
d = sys.argv[1]
f = {k: h5py.File(f"{d}/{k}.h5", "r") for k in ("le8", "be8", "w32", "le4", "be4", "be4f")}
same = lambda a, b: all(np.array_equal(f[a][v][()], f[b][v][()], equal_nan=True)
                        for v in ("pole_frequency", "pole_damping", "fdd_singular_value"))
assert same("le8", "be8"), "'>f8' differs from '<f8'"
for k in ("le4", "be4", "be4f"):
    assert same(k, "w32"), f"{k} differs from the float32 samples widened to float64"
assert not np.array_equal(f["le8"]["fdd_singular_value"][()], f["w32"]["fdd_singular_value"][()])
assert f["le4"].attrs["mode_count"][0] >= 1 and abs(f["le4"]["mode_frequency"][0] - 1.1) < 0.05
PY
expect_fail "float16 npy" "f2.npy: dtype '<f2' not supported \(float64 or float32" \
  run_np 1 modal --input "$D/f2.npy" --fs 20 --output "$D/o.h5"
expect_fail "complex npy" "c16.npy: dtype '<c16' not supported" \
  run_np 1 modal --input "$D/c16.npy" --fs 20 --output "$D/o.h5"
[[ ! -e $D/o.h5 ]] || fail "a refused input left an output"
echo "PASS test_modal_npy"
