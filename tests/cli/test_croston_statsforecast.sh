#!/usr/bin/env bash
# The Croston family (kernels/croston.c) equal to statsforecast 2.1.1 to 1e-9 on ~230
# generated series (intermittent, lumpy, erratic, smooth, lengths 8..200, and the edge
# cases: all zeros, a single demand, rounding ties, one aggregation block, non-integer
# sizes), and ADI / CV^2 / class equal to numpy's.  Needs the peer venv
# (scripts/install-peers.sh); skipped without it.
source "$(dirname "$0")/lib.sh"
venv=${REGIA_PEER_VENV:-$REGIA_ROOT/build/peer-venv}
py=$venv/bin/python
[[ -x $py ]] || skip "no peer venv at $venv (scripts/install-peers.sh)"
ver=$("$py" -c 'import statsforecast; print(statsforecast.__version__)' 2>/dev/null) ||
  skip "statsforecast does not import in $venv"
[[ $ver == 2.1.1 ]] || skip "statsforecast $ver in $venv, the reference is 2.1.1"
bin=$BUILD/tests/test_k_croston
[[ -x $bin ]] || fail "$bin not built (make tests)"
ref=$REGIA_ROOT/tests/reference/croston_statsforecast.py

"$py" "$ref" gen "$TMP/series.csv" --count 200 --seed 20261201
"$bin" --csv "$TMP/series.csv" "$TMP/regia.csv"
[[ $(wc -l <"$TMP/regia.csv") -eq $(( $(wc -l <"$TMP/series.csv") + 1 )) ]] || fail "regia wrote $(wc -l <"$TMP/regia.csv") lines"
"$py" "$ref" compare "$TMP/series.csv" "$TMP/regia.csv" | tee "$TMP/compare.log" | tail -n 30
grep -q ' 0 disagreements$' "$TMP/compare.log" || fail "regia and statsforecast disagree (above)"

# The comparison itself can fail: a perturbed regia value must be caught.
awk -F, -v OFS=, 'NR == 5 { $2 = $2 + 1e-6 } { print }' "$TMP/regia.csv" >"$TMP/bad.csv"
if "$py" "$ref" compare "$TMP/series.csv" "$TMP/bad.csv" >"$TMP/bad.log"; then
  fail "a value off by 1e-6 passed the comparison"
fi
grep -q '^DIFF' "$TMP/bad.log" || fail "the perturbed value was not reported"
echo "ok: a perturbed value is reported: $(grep -m1 '^DIFF' "$TMP/bad.log")"
