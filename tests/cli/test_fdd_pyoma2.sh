#!/usr/bin/env bash
# FDD (kernels/fdd.c) against pyOMA2 1.4.3 on pyOMA2's example frame (5 storeys, 100 Hz,
# pyoma2.functions.gen.example_data()): regia's singular values per line equal the
# squares of pyOMA2's SD_svalsvec (relative 1e-9), its peak shapes equal pyOMA2's
# normalised first singular vectors (1e-8), each true mode has a regia peak within one
# line, where pyOMA2's FDD_mpe also picks; EFDD damping printed beside pyOMA2's and the
# truth.  Needs the peer venv (scripts/install-peers.sh); skipped without it.
source "$(dirname "$0")/lib.sh"
venv=${REGIA_PEER_VENV:-$REGIA_ROOT/build/peer-venv}
py=$venv/bin/python
[[ -x $py ]] || skip "no peer venv at $venv (scripts/install-peers.sh)"
ver=$("$py" -c 'import importlib.metadata as m; print(m.version("pyOMA-2"))' 2>/dev/null) ||
  skip "pyOMA-2 is not installed in $venv"
[[ $ver == 1.4.3 ]] || skip "pyOMA-2 $ver in $venv, the reference is 1.4.3"
"$py" -c 'import pyoma2.functions.fdd' 2>/dev/null || skip "pyoma2.functions.fdd does not import in $venv"
bin=$BUILD/tests/test_k_fdd
[[ -x $bin ]] || fail "$bin not built (make tests)"
ref=$REGIA_ROOT/tests/reference/fdd_pyoma2.py

"$py" "$ref" gen "$TMP/frame"
"$bin" --pyoma2 "$TMP/frame" || fail "test_k_fdd --pyoma2 failed"
"$py" "$ref" compare "$TMP/frame" 2>/dev/null | tee "$TMP/compare.log"
grep -q '^0 disagreements$' "$TMP/compare.log" || fail "regia and pyOMA2 disagree (above)"
[[ $(grep -c '^ok   mode' "$TMP/compare.log") -eq 5 ]] || fail "not all 5 modes were compared"

# The comparison itself can fail: a shape component off by 1e-6 must be caught.
awk 'NR == 3 { $7 = $7 + 1e-6 } { print }' "$TMP/frame/modes.txt" >"$TMP/m" && mv "$TMP/m" "$TMP/frame/modes.txt"
if "$py" "$ref" compare "$TMP/frame" >"$TMP/bad.log" 2>/dev/null; then fail "a shape off by 1e-6 passed the comparison"; fi
grep -q '^DIFF shape' "$TMP/bad.log" || fail "the perturbed shape was not reported"
echo "ok: a perturbed shape is reported: $(grep -m1 '^DIFF' "$TMP/bad.log")"
