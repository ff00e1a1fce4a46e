#!/usr/bin/env bash
# regia ingest waitlist: a hand-made corpus of booking rows, one or more for every reject
# reason, in two files (duplicates within a file and across files): rows read = kept +
# rejected (log, manifest, attributes); the rejects file lists each bad row's line and
# reason; no raw patient or prescription id in the output (strings, ncdump), manifest,
# rejects file or log; pseudonyms are HMAC-SHA-256 under the key (checked with Python's
# hmac); key refusals (none, 0644, short); too many rejects fails with the rejects file
# alone; a region's export (';', its own names, ISO and dd/mm dates) mapped by a job
# file's [columns] gives the same bookings; mm/dd/yyyy stated gives the same bookings,
# not stated is rejected per row, never guessed; 1, 2 and 3 ranks give identical variables.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c 'import netCDF4' 2>/dev/null || skip "python3 netCDF4 missing"
D=$TMP
cat >"$D/districts.csv" <<'EOF'
asl_code,asl_name,district_code,district_name,population
ASL1,Imperiese,D1,Ventimigliese,60000
ASL1,Imperiese,D2,Sanremese,70000
ASL2,Savonese,D3,Albenganese,65000
EOF
openssl rand -hex 32 >"$D/wl.key"
chmod 600 "$D/wl.key"

# ---- the corpus: a.csv, b.csv (canonical), good.csv (a's good rows), r.csv (the same rows
# as a region's export), m.csv (the same rows, mm/dd/yyyy); expect.txt: file line reason
$PY - "$D" <<'PY'
import sys
D = sys.argv[1]
H = ("patient_id,prescription_id,prescription_line,prescription_date,contact_time,first_available_time,"
     "booked_time,outcome,outcome_time,priority,access,service_code,catalogue,provider,agenda,residence_asl,"
     "residence_district,provider_asl,provider_district,regime,guarantee,guarantee_reason").split(",")
CODES = [("89.7/08", ""), ("89.7A.3", "2024"), ("95.02", ""), ("87.37.1", "1996"), ("88.01.1", ""), ("89.13", "")]
DIST = [("ASL1", "D1"), ("ASL1", "D2"), ("ASL2", "D3")]
def good(i):
    d, m = 1 + i % 20, 1 + i % 11
    res, prov = DIST[i % 3], DIST[(i // 3) % 3]
    code, cat = CODES[i % len(CODES)]
    out = "delivered" if i % 5 else "pending"
    return dict(patient_id=f"PZ{i:04d}XKQ", prescription_id=f"RXID{i:05d}QW", prescription_line=str(1 + i % 2),
                prescription_date=f"{d:02d}/{m:02d}/2024", contact_time=f"{d+1:02d}/{m:02d}/2024 09:{i%60:02d}",
                first_available_time=f"{d+5:02d}/{m:02d}/2024 08:00" if i % 4 else "",
                booked_time=f"{d+7:02d}/{m:02d}/2024 10:30", outcome=out,
                outcome_time=f"{d+7:02d}/{m:02d}/2024 10:45" if out != "pending" else "",
                priority=["U", "B", "D", "P", ""][i % 5], access="first" if i % 3 else "follow_up",
                service_code=code, catalogue=cat, provider=f"OSP{(i // 3) % 3 + 1:02d}",
                agenda=f"AG{i % 4 + 1:02d}" if i % 7 else "", residence_asl=res[0], residence_district=res[1],
                provider_asl=prov[0], provider_district=prov[1], regime="SSN" if i % 6 else "intramoenia",
                guarantee=["1", "0", ""][i % 3], guarantee_reason=["none", "personal", "choice"][i % 3])
line = lambda r, sep=",": sep.join(r[h] for h in H)
bad = [  # (changes, reason the rejects file must give)
    (dict(booked_time=""), "missing required field booked_time"),
    (dict(patient_id=""), "missing required field patient_id"),
    (dict(contact_time="32/01/2024 09:00"), "unparseable date in contact_time"),
    (dict(contact_time="01/13/2024 09:00"), "date in contact_time contradicts the default format dd/mm/yyyy"),
    (dict(prescription_date="15/06/1999"), r"implausible date in prescription_date \(before 2000-01-01\)"),
    (dict(booked_time="01/01/2090 10:00"), r"implausible date in booked_time \(more than 2 years after"),
    (dict(priority="X"), "unknown priority class in priority"),
    (dict(service_code="99.99"), "unknown service in service_code"),
    (dict(service_code="89.7A.3", catalogue="1996"), "unknown service in service_code"),
    (dict(residence_district="D9"), "unknown district in residence_district"),
    (dict(provider_asl="ASL9"), "unknown ASL in provider_asl"),
    (dict(residence_asl="ASL2", residence_district="D1"), "district in residence_district does not belong to its ASL"),
    (dict(outcome="delivered", outcome_time="01/01/2024 10:00"), "delivery before booking"),
    (dict(booked_time="01/01/2024 10:00", outcome="pending", outcome_time=""), "booked before contact"),
    (dict(first_available_time="01/01/2024 08:00"), "first available before contact"),
    (dict(prescription_date="28/12/2024"), "contact before the prescription date"),
    (dict(outcome="cancelled", outcome_time="01/01/2024 10:00"), "outcome before contact"),
    (dict(outcome="no_show", outcome_time=""), "missing outcome_time of a closed booking"),
    (dict(access="boh"), "unknown value in access"),
    (dict(outcome="maybe"), "unknown value in outcome"),
    (dict(regime="private"), "unknown value in regime"),
    (dict(prescription_line="0"), "prescription_line is not a whole number"),
    (dict(provider="P" * 40), r"value too long in provider \(more than 31"),
]
a, b, exp, ids = [",".join(H)], [",".join(H)], [], set()
goods = []
for i in range(1, 41):
    r = good(i); goods.append(r); a.append(line(r)); ids |= {r["patient_id"], r["prescription_id"]}
    if i == 20: a.append("")  # a blank line: no row, but it has a line number
for k, (chg, why) in enumerate(bad):
    r = good(500 + k); r.update(chg); a.append(line(r)); exp.append(("a.csv", len(a), why))
    ids |= {r["patient_id"], r["prescription_id"]} - {""}
r = good(600); a.append(line(r)[: line(r).rfind(",")]); exp.append(("a.csv", len(a), "wrong field count"))
ids |= {r["patient_id"], r["prescription_id"]}
r = good(601); a.append(line(r).replace(",SSN,", ',"SSN,', 1)); exp.append(("a.csv", len(a), "wrong field count"))
ids |= {r["patient_id"], r["prescription_id"]}
r = good(3); r["patient_id"] = "PZDUPAXKQ"; a.append(line(r)); exp.append(("a.csv", len(a), "duplicate prescription line"))
ids.add("PZDUPAXKQ")
for i in range(100, 110):
    r = good(i); b.append(line(r)); ids |= {r["patient_id"], r["prescription_id"]}
r = good(5); r["patient_id"] = "PZDUPBXKQ"; b.append(line(r)); exp.append(("b.csv", len(b), "duplicate prescription line"))
ids.add("PZDUPBXKQ")
r = good(6); r["prescription_line"] = "7"; b.append(line(r))  # another line of a prescription: kept
open(f"{D}/a.csv", "w").write("\n".join(a) + "\n")
open(f"{D}/b.csv", "w").write("\n".join(b) + "\n")
open(f"{D}/expect.txt", "w").write("".join(f"{f} {n} {w}\n" for f, n, w in exp))
open(f"{D}/ids.txt", "w").write("".join(f"{x}\n" for x in sorted(ids)))
rows_a, rows_b = sum(1 for x in a[1:] if x), sum(1 for x in b[1:] if x)
open(f"{D}/counts.txt", "w").write(f"{rows_a + rows_b} {40 + 11} {len(exp)}\n")
# the good rows alone; as a region's export; as mm/dd/yyyy
open(f"{D}/good.csv", "w").write("\n".join([",".join(H)] + [line(r) for r in goods]) + "\n")
names = dict(patient_id="CodiceFiscale", prescription_id="NRE", prescription_line="Riga", prescription_date="DataPrescrizione",
             contact_time="DataContatto", first_available_time="PrimaDisponibilita", booked_time="DataPrenotata",
             outcome="Esito", outcome_time="DataEsito", priority="Priorita", access="TipoAccesso",
             service_code="CodPrestazione", catalogue="Catalogo", provider="Erogatore", agenda="Agenda",
             residence_asl="AslRes", residence_district="DistrettoRes", provider_asl="AslErog",
             provider_district="DistrettoErog", regime="Regime", guarantee="Garanzia", guarantee_reason="MotivoRifiuto")
order = H[::-1]  # another column order
def iso(s):  # dd/mm/yyyy[ HH:MM] -> yyyy-mm-dd[THH:MM]
    if not s: return s
    d, t = (s.split(" ") + [""])[:2]
    dd, mm, yy = d.split("/")
    return f"{yy}-{mm}-{dd}" + (f"T{t}" if t else "")
def mdy(s):
    if not s: return s
    d, t = (s.split(" ") + [""])[:2]
    dd, mm, yy = d.split("/")
    return f"{mm}/{dd}/{yy}" + (f" {t}" if t else "")
DATES = ["prescription_date", "contact_time", "first_available_time", "booked_time", "outcome_time"]
rl, ml = [";".join(names[h] for h in order) + ";Note"], [",".join(H)]
for k, r in enumerate(goods):
    x = dict(r); y = dict(r)
    for c in DATES:
        if k % 2 or c == "booked_time": x[c] = iso(x[c])  # a mix: ISO is unambiguous, dd/mm the default
        y[c] = mdy(y[c])
    rl.append(";".join(x[h] for h in order) + ";nota libera, con virgola")
    ml.append(line(y))
open(f"{D}/r.csv", "w").write("\n".join(rl) + "\n")
open(f"{D}/m.csv", "w").write("\n".join(ml) + "\n")
with open(f"{D}/region.ini", "w") as f:
    f.write("[input]\ndata = r.csv\nkey_file = wl.key\ndistricts = districts.csv\nseparator = semicolon\nrun_date = 2025-06-30\n")
    f.write("[columns]\n" + "".join(f"{c} = {names[c]}\n" for c in H))
    f.write("[job]\ndomain = ingest waitlist\noutput = region.nc\n")
PY
read -r N_READ N_KEPT N_REJ <"$D/counts.txt"
ING=(ingest waitlist --key-file "$D/wl.key" --districts "$D/districts.csv" --run-date 2025-06-30)
# variables of bookings files, compared at the end in one Python run: SAME+=("what a.nc b.nc")
SAME=()
compare_all() {
  $PY - "${SAME[@]}" <<'PY'
import sys, netCDF4, numpy as np
for spec in sys.argv[1:]:
    what, pa, pb = spec.rsplit(" ", 2)
    a, b = netCDF4.Dataset(pa), netCDF4.Dataset(pb)
    assert set(a.variables) == set(b.variables), f"{what}: variables {set(a.variables) ^ set(b.variables)}"
    da = {k: len(v) for k, v in a.dimensions.items()}
    assert da == {k: len(v) for k, v in b.dimensions.items()}, f"{what}: dimensions differ"
    for v in a.variables:
        x, y = np.ma.filled(a[v][:], 0), np.ma.filled(b[v][:], 0)
        assert np.array_equal(x, y), f"{what}: {v} differs"
    print(f"ok: {what}: identical variables ({len(a.variables)}, {da['booking']} bookings)")
PY
}
R1() { "$REGIA" "$@"; } # one rank without mpirun (MPI singleton): quicker

# ---- the corpus at 1, 2, 3 ranks --------------------------------------------------------
for np_ in 1 2 3; do
  run_np $np_ "${ING[@]}" --data "$D/a.csv" --data "$D/b.csv" --max-rejected 60 --output "$D/o$np_.nc" \
    >"$D/log$np_" 2>&1 || { cat "$D/log$np_"; fail "corpus at $np_ ranks"; }
done
for np_ in 2 3; do
  SAME+=("1 and $np_ ranks $D/o1.nc $D/o$np_.nc")
  cmp -s "$D/o1.rejects.csv" "$D/o$np_.rejects.csv" || fail "1 and $np_ ranks: rejects files differ"
done
echo "ok: 1, 2 and 3 ranks give identical rejects files"
grep -q "rows read $N_READ = kept $N_KEPT + rejected $N_REJ" "$D/log2" || fail "log: $(grep 'rows read' "$D/log2")"
# every bad row with its line and reason; nothing else rejected
while read -r f n why; do
  grep -Eq "^\"$D/$f\",$n,\"?$why" "$D/o2.rejects.csv" || fail "rejects: no '$f line $n: $why' in $(cat "$D/o2.rejects.csv")"
done <"$D/expect.txt"
(($(($(wc -l <"$D/o2.rejects.csv") - 1)) == N_REJ)) || fail "rejects: $(wc -l <"$D/o2.rejects.csv") lines"
echo "ok: rows read $N_READ = kept $N_KEPT + rejected $N_REJ; each of the $N_REJ rejects with its line and reason"
$PY - "$D" <<'PY' || fail "output"
import hashlib, hmac, json, sys, netCDF4, numpy as np
D = sys.argv[1]
key = bytes.fromhex(open(f"{D}/wl.key").read().strip())
nc = netCDF4.Dataset(f"{D}/o2.nc")
nc.set_auto_chartostring(False)  # the tables as char arrays (they have _Encoding = "utf-8")
m = json.load(open(f"{D}/o2.manifest.json"))
n_read, n_kept, n_rej = map(int, open(f"{D}/counts.txt").read().split())
for src in (nc.__dict__, m):
    assert (int(src["rows_read"]), int(src["rows_kept"]), int(src["rows_rejected"])) == (n_read, n_kept, n_rej), src
assert nc.pseudonymisation == "HMAC-SHA-256" and len(nc.pseudonym_key_id) == 16
kid = hashlib.sha256(b"regia key id" + key).hexdigest()[:16]
assert nc.pseudonym_key_id == kid == m["pseudonym_key_id"], (nc.pseudonym_key_id, kid)
assert len(nc.dimensions["booking"]) == n_kept and nc.dimensions["pseudonym"].size == 32
# the pseudonyms of known rows: HMAC-SHA-256(key, id) and (key, "rx:" + id)
pat = {bytes(r.astype(np.uint8)) for r in nc["patient_pseudonym"][:]}
rx = [bytes(r.astype(np.uint8)) for r in nc["prescription_pseudonym"][:]]
mac = lambda s: hmac.new(key, s.encode(), hashlib.sha256).digest()
assert mac("PZ0007XKQ") in pat and mac("PZ0107XKQ") in pat and mac("PZDUPAXKQ") not in pat
assert mac("rx:RXID00007QW") in rx and mac("RXID00007QW") not in rx
assert rx.count(mac("rx:RXID00006QW")) == 2  # lines 1 and 7 of one prescription
# sorted by service, residence district, contact time; service_first/count consistent
s, d, t = nc["service"][:], nc["residence_district"][:], nc["contact_time"][:]
key3 = list(zip(s, d, t))
assert key3 == sorted(key3), "bookings not sorted"
first, count = nc["service_first"][:], nc["service_count"][:]
assert count.sum() == n_kept and all(first[1:] == np.cumsum(count)[:-1])
for k in range(len(count)):
    assert (s[first[k]:first[k] + count[k]] == k).all()
# a known row's fields: good(7) of the corpus (15/08 ... 08/08/2024: d = 8, m = 8)
i = rx.index(mac("rx:RXID00007QW"))
svc = "".join(c.decode() for c in nc["service_code"][s[i]].compressed())
assert svc == "89.7" and nc["catalogue"][i] == 2024 and nc["priority"][i] == 2  # 89.7A.3 (2024), class D
# contact 09/08/2024 09:07 Europe/Rome (summer time, UTC+2)
import calendar
assert nc["contact_time"][i] == calendar.timegm((2024, 8, 9, 7, 7, 0)), nc["contact_time"][i]
assert nc["prescription_time"][i] == calendar.timegm((2024, 8, 7, 22, 0, 0))
assert nc["outcome"][i] == 1 and nc["access"][i] == 0 and nc["guarantee"][i] == 0 and nc["guarantee_reason"][i] == 1
code = lambda v, j: "".join(c.decode() for c in nc[v][j].compressed())
assert code("provider_code", nc["provider"][i]) == "OSP03" and nc["agenda"][i] == -1  # row 7: no agenda
assert code("agenda_code", nc["agenda"][rx.index(mac("rx:RXID00009QW"))]) == "AG02"
assert code("district_code", nc["residence_district"][i]) == "D2"
assert list(nc["district_population"][:]) == [60000, 70000, 65000] and code("service_discipline", s[i]) == "08"
# no first available time for i % 4 == 0: the fill value
j = rx.index(mac("rx:RXID00008QW"))
assert np.ma.is_masked(nc["first_available_time"][j]) or nc["first_available_time"][j] == -2**63
roles = {f["role"] for f in m["inputs"]}
assert roles == {"services", "districts", "data"}, roles
assert [f["role"] for f in m["outputs"]] == ["bookings", "rejects"], m["outputs"]
print("ok: rows in attributes and manifest, key id, HMAC pseudonyms, order, a known row's fields")
PY
# no raw identifier anywhere regia wrote (the key neither)
for f in "$D"/o2.nc "$D"/o2.manifest.json "$D"/o2.rejects.csv "$D"/log2; do
  grep -aFf "$D/ids.txt" "$f" >/dev/null && fail "$f holds a raw identifier: $(grep -aoFf "$D/ids.txt" "$f" | head -3)"
done
{ strings -n 4 "$D/o2.nc"; ncdump "$D/o2.nc"; } | grep -Ff "$D/ids.txt" >/dev/null && fail "the NetCDF holds a raw identifier"
grep -aqF "$(cat "$D/wl.key")" "$D"/o2.* "$D"/log2 && fail "the key is in an output"
echo "ok: no raw patient or prescription id (of $(wc -l <"$D/ids.txt")) or key in the output, strings, ncdump, manifest, rejects or log"

# ---- key refusals -------------------------------------------------------------------------
NOKEY=(ingest waitlist --districts "$D/districts.csv" --data "$D/good.csv" --output "$D/k.nc")
expect_fail "no key file" "--key-file KEY is required.*openssl rand -hex 32" R1 "${NOKEY[@]}"
printf '[input]\ndata = good.csv\ndistricts = districts.csv\n[job]\noutput = k.nc\n' >"$D/nokey.ini"
expect_fail "no key file (job)" "nokey.ini: \[input\] key_file is required" R1 ingest waitlist "$D/nokey.ini"
cp "$D/wl.key" "$D/open.key"; chmod 644 "$D/open.key"
expect_fail "0644 key" "open.key: mode 0644 lets group or others access it.*chmod 600" run_np 2 "${NOKEY[@]}" --key-file "$D/open.key"
printf 'abc123\n' >"$D/short.key"; chmod 600 "$D/short.key"
expect_fail "short key" "short.key: 6 bytes, too short" R1 "${NOKEY[@]}" --key-file "$D/short.key"
out=$(R1 "${NOKEY[@]}" --key-file "$D/short.key" 2>&1 || true)
grep -q abc123 <<<"$out" && fail "the short key's text is in the message"
expect_fail "missing key" "nothere.key: cannot open" R1 "${NOKEY[@]}" --key-file "$D/nothere.key"
[[ ! -e $D/k.nc && ! -e $D/k.rejects.csv ]] || fail "an output was written without a usable key"

# ---- too many rejects: the rejects file alone explains the failure --------------------------
expect_fail "too many rejects" "rows \(.*%\) rejected, more than --max-rejected 5 %: see .*t.rejects.csv \(most often: " \
  run_np 2 "${ING[@]}" --data "$D/a.csv" --output "$D/t.nc"
[[ -s $D/t.rejects.csv && ! -e $D/t.nc && ! -e $D/t.manifest.json ]] || fail "too many rejects: $(ls "$D")"

# ---- a region's export, mapped by a job file -------------------------------------------------
R1 "${ING[@]}" --data "$D/good.csv" --output "$D/good.nc" >"$D/logg" 2>&1 || { cat "$D/logg"; fail "good rows"; }
run_np 2 ingest waitlist "$D/region.ini" >"$D/logr" 2>&1 || { cat "$D/logr"; fail "region export"; }
SAME+=("a region's export mapped by [columns] $D/good.nc $D/region.nc")
grep -q "rows read 40 = kept 40 + rejected 0" "$D/logr" || fail "region export: $(grep 'rows read' "$D/logr")"
# without the map: the missing column is named with the way to map it
expect_fail "region export, no map" "r.csv: line 1: the header lacks the column 'patient_id' .*\[columns\] section or with --patient-id HEADER" \
  R1 "${ING[@]}" --data "$D/r.csv" --separator ';' --output "$D/x.nc"
# one column mapped by an option
sed '1s/^patient_id,/CF,/' "$D/good.csv" >"$D/cf.csv"
R1 "${ING[@]}" --data "$D/cf.csv" --patient-id CF --output "$D/cf.nc" 2>/dev/null || fail "--patient-id CF"
SAME+=("--patient-id CF $D/good.nc $D/cf.nc")

# ---- date formats: mm/dd/yyyy stated, or not (never guessed) -------------------------------
R1 "${ING[@]}" --data "$D/m.csv" --date-format mdy --output "$D/m.nc" 2>/dev/null || fail "mdy stated"
SAME+=("mm/dd/yyyy stated $D/good.nc $D/m.nc")
R1 "${ING[@]}" --data "$D/m.csv" --max-rejected 100 --output "$D/mu.nc" >/dev/null 2>&1 || fail "mdy unstated"
grep -q 'contradicts the default format dd/mm/yyyy (month > 12): an mm/dd/yyyy export? state date_format = mdy' \
  "$D/mu.rejects.csv" || fail "mdy unstated: no per-row reason"
echo "ok: mm/dd/yyyy not stated: its rows with a day > 12 are rejected with the reason, never guessed"
# a job file of this domain submits as `regia ingest waitlist JOBFILE`
printf '[slurm]\nprofile = local\nlog_dir = logs\n' >>"$D/region.ini"
out=$("$REGIA" submit --dry-run "$D/region.ini" 2>&1) || { echo "$out"; fail "submit of an ingest waitlist job file"; }
grep -qE "^srun .*regia' ingest waitlist '$D/region.ini'" "$D/logs/region-ingest-waitlist.sbatch" ||
  fail "the batch script does not run regia ingest waitlist JOBFILE"
echo "ok: a job file of ingest waitlist submits as regia ingest waitlist JOBFILE"
compare_all || fail "bookings differ"
[[ -z $(ls "$D" | grep 'tmp$') ]] || fail "temporary files left: $(ls "$D")"
