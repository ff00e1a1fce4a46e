#!/usr/bin/env bash
# regia ingest waitlist and the shipped services table's 2024 codes (data/waitlist/README.md):
# a row that stands for several PNGLA lines lists one 2024 code per line (88.38.1:
# 88.38.A|88.38.B|88.38.C), and a booking of 2025 coded with any of them is kept and counted
# in that row, with catalogue 2024; the row's 1996 code is still accepted (catalogue 1996);
# a 2024 code given as catalogue 1996, or a code of the 2024 nomenclator the table does not
# monitor (88.38.G, TC della spalla), is rejected as an unknown service.  The bookings
# file's service_code_new holds the whole list.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c 'import netCDF4' 2>/dev/null || skip "python3 netCDF4 missing"
D=$TMP
cat >"$D/districts.csv" <<'EOF'
asl_code,asl_name,district_code,district_name,population
ASL1,Imperiese,D1,Ventimigliese,60000
EOF
openssl rand -hex 32 >"$D/wl.key"
chmod 600 "$D/wl.key"
# code, catalogue, kept as the row of this 1996 code ("" = rejected)
CASES='88.38.B 2024 88.38.1
88.38.A 2024 88.38.1
88.38.c  88.38.1
88.38.1 1996 88.38.1
88.38.E 2024 88.38.2
93.08.E 2024 93.08.1
93.08.F  93.08.1
88.72.2 2024 88.72.3
88.72.3 2024 88.72.3
88.72.3 1996 88.72.3
88.77.5 2024 88.77.2
89.41 2024 89.41
89.43 1996 89.43
88.38.B 1996 -
88.38.G 2024 -
89.43 2024 -'
$PY - "$D" "$CASES" <<'PY'
import sys
D, cases = sys.argv[1], [l.split(" ") for l in sys.argv[2].splitlines()]
H = ("patient_id,prescription_id,prescription_line,prescription_date,contact_time,first_available_time,"
     "booked_time,outcome,outcome_time,priority,access,service_code,catalogue,provider,agenda,residence_asl,"
     "residence_district,provider_asl,provider_district,regime,guarantee,guarantee_reason")
with open(f"{D}/b.csv", "w") as f:
    f.write(H + "\n")
    for i, (code, cat, _) in enumerate(cases):
        d = 2 + i
        f.write(f"PZ{i:04d}XKQ,RXID{i:05d}QW,1,{d:02d}/02/2025,{d+1:02d}/02/2025 09:00,{d+3:02d}/02/2025 08:00,"
                f"{d+4:02d}/02/2025 10:30,pending,,D,first,{code},{cat},OSP01,AG01,ASL1,D1,ASL1,D1,SSN,1,none\n")
PY
"$REGIA" ingest waitlist --data "$D/b.csv" --districts "$D/districts.csv" --key-file "$D/wl.key" \
  --output "$D/b.nc" --run-date 2025-03-01 --max-rejected 50 -q >"$D/log" 2>&1 || { cat "$D/log"; fail "ingest"; }
$PY - "$D" "$CASES" "$REGIA_ROOT/data/waitlist/pngla_services.csv" <<'PY'
import sys, csv, collections, netCDF4
D, cases = sys.argv[1], [l.split(" ") for l in sys.argv[2].splitlines()]
table = list(csv.DictReader(open(sys.argv[3], encoding="utf-8")))
nc = netCDF4.Dataset(f"{D}/b.nc")
txt = lambda v: [str(x) for x in nc[v][:]]  # char arrays with _Encoding read as strings
codes, new = txt("service_code"), txt("service_code_new")
assert codes == [r["code_1996"] for r in table] and new == [r["code_2024"] for r in table], "service table in the file"
row = {c: i for i, c in enumerate(codes)}
assert new[row["93.08.1"]] == "93.08.A|93.08.B|93.08.C|93.08.D|93.08.E|93.08.F", new[row["93.08.1"]]
want = collections.Counter(r for _, _, r in cases if r != "-")
got = {codes[k]: int(n) for k, n in enumerate(nc["service_count"][:]) if n}
assert got == dict(want), (got, dict(want))
# each kept booking's catalogue: as written, or from the code when not written
svc, cat = list(nc["service"][:]), list(nc["catalogue"][:])
by_row = collections.defaultdict(list)
for s, c in zip(svc, cat): by_row[codes[s]].append(int(c))
exp = collections.defaultdict(list)
for code, c, r in cases:
    if r == "-": continue
    exp[r].append(int(c) if c else (1996 if code == r else 2024))
for r in exp: assert sorted(by_row[r]) == sorted(exp[r]), (r, by_row[r], exp[r])
rej = list(csv.DictReader(open(f"{D}/b.rejects.csv")))
bad = [(code, c) for code, c, r in cases if r == "-"]
assert len(rej) == len(bad), rej
for r in rej: assert "unknown service in service_code" in r["reason"], r
assert int(nc.rows_read) == len(cases) and int(nc.rows_kept) == sum(want.values())
print(f"ok: {sum(want.values())} kept in their rows ({dict(want)}), {len(bad)} rejected as unknown services")
PY
[[ $? -eq 0 ]] || fail "multi-code rows"
echo "PASS"
