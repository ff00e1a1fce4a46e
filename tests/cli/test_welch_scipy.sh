#!/usr/bin/env bash
# Welch PSD and cross-spectral matrices (kernels/welch.c, kernels/cpu/welch.c) equal to
# scipy.signal.welch / scipy.signal.csd 1.14.1 to relative 1e-10 on 12 cases: defaults,
# nfft > nperseg (even and odd), odd nperseg, no overlap, detrend none / constant /
# linear, density and spectrum, Hann / boxcar / Hamming, a dropped tail, one segment,
# 10-minute records at 200 Hz, 40 short records, one channel.  Needs the peer venv
# (scripts/install-peers.sh); skipped without it.
source "$(dirname "$0")/lib.sh"
venv=${REGIA_PEER_VENV:-$REGIA_ROOT/build/peer-venv}
py=$venv/bin/python
[[ -x $py ]] || skip "no peer venv at $venv (scripts/install-peers.sh)"
ver=$("$py" -c 'import scipy; print(scipy.__version__)' 2>/dev/null) || skip "scipy does not import in $venv"
[[ $ver == 1.14.1 ]] || skip "scipy $ver in $venv, the reference is 1.14.1"
bin=$BUILD/tests/test_k_welch
[[ -x $bin ]] || fail "$bin not built (make tests)"
ref=$REGIA_ROOT/tests/reference/welch_scipy.py

"$py" "$ref" gen "$TMP/cases"
"$bin" --cases "$TMP/cases" || fail "test_k_welch --cases failed"
"$py" "$ref" compare "$TMP/cases" | tee "$TMP/compare.log"
grep -q ': 0 disagreements$' "$TMP/compare.log" || fail "regia and scipy disagree (above)"
[[ $(grep -c '^ok ' "$TMP/compare.log") -eq 12 ]] || fail "not all 12 cases were compared"

# The comparison itself can fail: one value off by 1e-9 relative must be caught.
"$py" - "$TMP/cases/defaults_csd.out.f64" <<'PY'
import sys, numpy as np
a = np.fromfile(sys.argv[1], "<f8"); a[1000] *= 1 + 1e-9; a.tofile(sys.argv[1])
PY
if "$py" "$ref" compare "$TMP/cases" >"$TMP/bad.log"; then fail "a value off by 1e-9 passed the comparison"; fi
grep -q '^DIFF defaults_csd' "$TMP/bad.log" || fail "the perturbed value was not reported"
echo "ok: a perturbed value is reported: $(grep -m1 '^DIFF' "$TMP/bad.log")"
