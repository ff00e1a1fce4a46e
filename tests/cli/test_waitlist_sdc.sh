#!/usr/bin/env bash
# Disclosure control of `regia waitlist`, proved from the outside (docs/privacy.md):
#  1. the attacker (tests/reference/sdc_attack.py: scipy's linprog, HiGHS) on two outputs
#     built by hand in the cube's layout with DOMAIN.md's hand case: suppressing r1A and
#     r1B only lets it recompute r1A = 2 (it must say so and fail), the rectangle r1A r1B
#     r2A r2B leaves r1A anywhere in [0, 8] (it must pass);
#  2. a real run: regia gen waitlist -> regia ingest waitlist (a key file) -> regia
#     waitlist at k = 5: for every suppressed count the attacker's interval is at least
#     the protection wide, no published count is below k, statistics of suppressed
#     requests are blank; the output carries sdc_status_* and the sdc_* attributes;
#  3. k below 3 is refused;
#  4. no patient identifier, prescription id, pseudonym (hex or raw bytes) or key appears
#     in the analysis's output, manifest or log (the pseudonyms are computed here with
#     openssl, independently of regia; the same search finds them in the bookings file,
#     which holds them by design, so the search itself is shown to work).
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
VENV=${REGIA_PEER_VENV:-$REGIA_ROOT/build/peer-venv}
ATTACK=$REGIA_ROOT/tests/reference/sdc_attack.py
[[ -x $VENV/bin/python ]] || skip "no peer venv at $VENV (scripts/install-peers.sh installs it)"
"$VENV/bin/python" -c 'import scipy.optimize' 2>/dev/null || skip "the peer venv lacks scipy"
$PY -c 'import netCDF4, numpy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4 / numpy"
command -v openssl >/dev/null || skip "no openssl command"
cd "$TMP"

# --- 1. the attacker on the hand case ------------------------------------------------------
# areas D1 D2 D3 (ASL A1), A1, region; classes U B D P all; one week = its month; every
# measure but requests, within and delivered_within is 0, so the cube holds the table
#   rows (2 7 9 | 18) (6 8 10 | 24) (5 12 4 | 21), column totals 13 27 23 | 63
# three times over (the measure sums tie the copies together).
REGIA_ROOT=$REGIA_ROOT $PY - <<'PY' || fail "building the hand-case outputs"
import os, sys
import numpy as np
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/cli")
from waitlist_layout import write_cube  # the output's layout: OUT.nc (weeks) + OUT.monthly.nc (months)
T = np.array([[2, 7, 9], [6, 8, 10], [5, 12, 4]], float)
def build(path, hidden):
    c = np.zeros((1, 5, 5, 1, 7))
    c[0, :3, :3, 0, 0] = T
    c[0, 3, :3, 0, 0] = T.sum(0); c[0, 4] = c[0, 3]
    c[0, :, 4, 0, 0] = c[0, :, :4, 0, 0].sum(1)
    c[..., 1] = c[..., 4] = c[..., 0]          # within = delivered_within = requests
    st = np.zeros(c.shape, np.int8)
    for (a, q) in hidden:
        st[0, a, q, 0, [0, 1, 4]] = 1 if (a, q) == (0, 0) else 2
    c[st != 0] = np.nan
    n = int((st != 0).sum()) * 2
    write_cube(path, c, st, ["89.7"], ["U", "B", "D", "P", "all"], [3, 3, 3, 4, -1], [0],
               attrs={"sdc_threshold_k": 3.0, "sdc_protection_level": 3.0, "sdc_primary_cells": np.int64(6),
                      "sdc_secondary_cells": np.int64(n - 6)})
build("hand_unsafe.nc", [(0, 0), (0, 1)])
build("hand_safe.nc", [(0, 0), (0, 1), (1, 0), (1, 1)])
PY
for h in unsafe safe; do $PY "$ATTACK" dump hand_$h.nc hand_$h.npz || fail "sdc_attack.py dump hand_$h.nc"; done
rc=0; "$VENV/bin/python" "$ATTACK" attack hand_unsafe.npz > unsafe.txt 2>&1 || rc=$?
((rc == 1)) || { cat unsafe.txt; fail "the attacker passed r1A r1B alone (exit status $rc)"; }
grep -q "(0, 0, 0, 0) recomputable within \[2, 2\]" unsafe.txt || { cat unsafe.txt; fail "the attacker did not recompute r1A = 2"; }
echo "ok: r1A r1B alone: $(grep -m1 '(0, 0, 0, 0) recomputable' unsafe.txt)"
"$VENV/bin/python" "$ATTACK" attack hand_safe.npz > safe.txt 2>&1 || { cat safe.txt; fail "the attacker broke the rectangle"; }
grep -q "protected" safe.txt || fail "no verdict: $(cat safe.txt)"
echo "ok: the rectangle r1A r1B r2A r2B is protected ($(head -1 safe.txt))"

# --- 2. a real run ---------------------------------------------------------------------
"$REGIA" waitlist --help >/dev/null 2>&1 || skip "regia waitlist is not in this build yet (the attacker passed its hand cases)"
"$REGIA" gen waitlist --help >/dev/null 2>&1 || skip "regia gen waitlist is not in this build yet"
head -2 "$REGIA_ROOT/data/waitlist/pngla_services.csv" > services.csv
"$REGIA" gen waitlist --districts 3 --asls 1 --years 1 --seed 7 --end-date 2025-03-31 --bookings-per-year 800 \
  --services services.csv --output-dir gen -q > gen.log 2>&1 || { cat gen.log; fail "regia gen waitlist"; }
openssl rand -hex 32 > wl.key && chmod 600 wl.key
"$REGIA" ingest waitlist --data gen/bookings.csv --key-file wl.key --districts gen/districts.csv \
  --services services.csv --output bookings.nc --run-date 2025-04-01 > ingest.log 2>&1 || { cat ingest.log; fail "regia ingest waitlist"; }
job() { # job NAME K
  printf '[job]\ndomain = waitlist\noutput = %s.nc\n[waitlist]\ninput = bookings.nc\nagendas = gen/agendas.csv\n' "$1"
  printf 'as_of = 2024-08-01\n[privacy]\nk = %s\n[risk]\npaths = 100\n' "$2"
}
job out 5 > out.ini
run_np 1 waitlist out.ini > wl.log 2>&1 || { cat wl.log; fail "regia waitlist"; }
grep -q "disclosure control" wl.log || fail "the log does not report disclosure control"
$PY "$ATTACK" dump out.nc out.npz || fail "sdc_attack.py dump out.nc"
"$VENV/bin/python" "$ATTACK" attack out.npz > attack.txt 2>&1 || { head -40 attack.txt; fail "the attacker recomputed suppressed counts of regia's output"; }
echo "ok: $(head -1 attack.txt)"
$PY - <<'PY' || fail "the disclosure-control variables and attributes"
import netCDF4, numpy as np
ds, mo = netCDF4.Dataset("out.nc"), netCDF4.Dataset("out.monthly.nc")
assert ds.sdc_threshold_k == 5 and ds.sdc_protection_level == 5, (ds.sdc_threshold_k, ds.sdc_protection_level)
assert "linear programming" in ds.sdc_method and mo.sdc_method == ds.sdc_method
M = ["requests", "within", "beyond", "excluded", "delivered_within", "delivered_beyond", "not_delivered"]
st = ds["sdc_status_requests_week"]
assert list(st.flag_values) == [0, 1, 2] and st.flag_meanings == "published primary_suppressed secondary_suppressed"
assert ds["count_requests_week"].ancillary_variables == "sdc_status_requests_week"
n1 = sum(int((f[f"sdc_status_{m}_{p}"][:] == 1).sum()) for f, p in ((ds, "week"), (mo, "month")) for m in M)
n2 = sum(int((f[f"sdc_status_{m}_{p}"][:] == 2).sum()) for f, p in ((ds, "week"), (mo, "month")) for m in M)
assert (n1, n2) == (ds.sdc_primary_cells, ds.sdc_secondary_cells), (n1, n2)
assert n1 > 0 and n2 > 0, "the run should need primary and secondary suppression"
print("ok: %d primary and %d secondary suppressions, status and attributes agree" % (n1, n2))
PY

# --- 3. k below 3 is refused -----------------------------------------------------------
job low 2 > low.ini
expect_fail "k = 2" "below 3|at least 3" run_np 1 waitlist low.ini
[[ ! -e low.nc && ! -e low.monthly.nc ]] || fail "an output was written at k = 2"

# --- 4. no identifier, pseudonym or key in what the analysis wrote -----------------------
key=$(tr -d '\n' < wl.key)
sed 1d gen/bookings.csv | cut -d, -f1 | sort -u > all_ids.txt   # (head on a pipe would end it by SIGPIPE)
sed 1d gen/bookings.csv | cut -d, -f2 | sort -u > all_rx.txt
head -40 all_ids.txt > ids.txt
head -20 all_rx.txt > rx.txt
[[ $(wc -l < ids.txt) -ge 20 ]] || fail "too few patient ids in the generated bookings"
: > macs.txt
while read -r id; do
  printf %s "$id" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" | awk '{print $NF}' >> macs.txt
done < ids.txt
while read -r rx; do
  printf %s "rx:$rx" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" | awk '{print $NF}' >> macs.txt
done < rx.txt
files=(out.nc out.monthly.nc out.manifest.json wl.log)
$PY - "$key" "${files[@]}" <<'PY' || fail "identifiers or pseudonyms in the analysis's files"
import sys
key = sys.argv[1]
ids = [l.strip() for l in open("ids.txt") if l.strip()] + [l.strip() for l in open("rx.txt") if l.strip()]
macs = [l.strip() for l in open("macs.txt") if l.strip()]
needles = [i.encode() for i in ids] + [m.encode() for m in macs] + [m.upper().encode() for m in macs]
needles += [bytes.fromhex(m) for m in macs] + [key.encode(), bytes.fromhex(key)]
# the search works: the bookings file holds the patients' pseudonyms (raw bytes) by design
booked = open("bookings.nc", "rb").read()
found = sum(bytes.fromhex(m) in booked for m in macs[:5])
assert found == 5, "the openssl pseudonyms are not those of the bookings file (%d of 5 found)" % found
for f in sys.argv[2:]:
    data = open(f, "rb").read()
    for n in needles:
        assert n not in data, "%s contains %r" % (f, n[:40])
print("ok: %d identifiers, %d pseudonyms (hex and raw) and the key absent from %s" % (len(ids), len(macs),
      ", ".join(sys.argv[2:])))
PY
echo "PASS: test_waitlist_sdc"
