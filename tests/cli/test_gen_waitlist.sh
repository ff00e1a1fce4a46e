#!/usr/bin/env bash
# regia gen waitlist: the same seed gives identical files and another seed different ones;
# the bookings header is the canonical one (WL_COLUMNS); the data behave as a CUP extract:
# fewer contacts in August than the other months' mean, none on Sundays or national
# holidays, first offers accepted / refused, cancellations, no-shows and withdrawals in
# their stated ranges, D and P breaches in some services, follow-ups, intramoenia, missing
# classes, pending bookings after the end date, repeat patients, prescriptions with several
# lines, 2024 codes from 30/12/2024 only (each code of a row that lists several, about
# equally often); times in order; README.txt says the data are
# synthetic; bad options refused.  When `regia ingest waitlist` is built, the generated
# files ingest without a single rejected row.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
G=("$REGIA" gen waitlist --districts 4 --years 2 --bookings-per-year 60000 --end-date 2025-12-31)

"${G[@]}" --seed 11 --output-dir "$TMP/a" -q
"${G[@]}" --seed 11 --output-dir "$TMP/b" -q
"${G[@]}" --seed 12 --output-dir "$TMP/c" -q
for f in bookings.csv districts.csv agendas.csv README.txt; do
  [[ -s $TMP/a/$f ]] || fail "$f not written"
  cmp -s "$TMP/a/$f" "$TMP/b/$f" || fail "$f differs between two runs with seed 11"
done
cmp -s "$TMP/a/bookings.csv" "$TMP/c/bookings.csv" && fail "seeds 11 and 12 gave the same bookings"
cmp -s "$TMP/a/agendas.csv" "$TMP/c/agendas.csv" && fail "seeds 11 and 12 gave the same agendas"
echo "ok: deterministic by seed"

grep -q '^SYNTHETIC DATA' "$TMP/a/README.txt" || fail "README.txt does not say the data are synthetic"
grep -q 'seed 11' "$TMP/a/README.txt" || fail "README.txt does not give the seed"
grep -qi 'no health agency' "$TMP/a/README.txt" || fail "README.txt does not disclaim a real source"

$PY - "$TMP/a" "$REGIA_ROOT/data/waitlist/pngla_services.csv" <<'PY'
import csv, sys, collections, datetime as dt
D = sys.argv[1]
# the shipped services table: from 30/12/2024 a booking carries the row's 2024 code when the
# row has one (one of them, spread evenly, when the row lists several: 88.38.A|88.38.B|88.38.C),
# else its 1996 code (data/waitlist/README.md)
table = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
row_of = {c: r["code_1996"] for r in table if r["code_2024"] for c in r["code_2024"].split("|")}
new_codes = set(row_of)
old_only = {r["code_1996"] for r in table if not r["code_2024"]}
multi_rows = {r["code_1996"]: r["code_2024"].split("|") for r in table if "|" in r["code_2024"]}
if set(multi_rows) != {"88.38.1", "88.38.2", "93.08.1", "88.72.3", "88.77.2"}: sys.exit(f"FAIL: multi-code rows {sorted(multi_rows)}")
multi_use = collections.Counter()
def fail(m): sys.exit("FAIL: " + m)
H = ("patient_id,prescription_id,prescription_line,prescription_date,contact_time,first_available_time,"
     "booked_time,outcome,outcome_time,priority,access,service_code,catalogue,provider,agenda,residence_asl,"
     "residence_district,provider_asl,provider_district,regime,guarantee,guarantee_reason")
with open(D + "/bookings.csv") as f:
    if f.readline().rstrip("\n") != H: fail("bookings header is not the canonical one")
def t(s): return dt.datetime.strptime(s, "%d/%m/%Y %H:%M")
def easter_monday(y):
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25; g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30; i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7; m = (a + 11 * h + 22 * l) // 451
    mo = (h + l - 7 * m + 114) // 31; da = (h + l - 7 * m + 114) % 31 + 1
    return dt.date(y, mo, da) + dt.timedelta(days=1)
fixed = {(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)}
end = dt.datetime(2026, 1, 1)
switch = dt.date(2024, 12, 30)
rows = list(csv.DictReader(open(D + "/bookings.csv")))
n = len(rows)
if not 100000 < n < 140000: fail(f"{n} rows for 2 years of 60000 a year")
month = collections.Counter(); sunday = holiday = 0
out = collections.Counter(); reason = collections.Counter(); first_ssn = 0
patients = collections.Counter(); lines = collections.Counter()
fu = lp = noclass = pending_future = 0; new_before = new_after = old_after = new_spine = 0
waits = collections.defaultdict(list)
for r in rows:
    c = t(r["contact_time"]); fa = t(r["first_available_time"]); b = t(r["booked_time"])
    rx = dt.datetime.strptime(r["prescription_date"], "%d/%m/%Y")
    if not (rx.date() <= c.date() and c <= fa and c <= b): fail(f"times out of order: {r}")
    if r["outcome"] != "pending":
        if not r["outcome_time"] or t(r["outcome_time"]) < c: fail(f"bad outcome time: {r}")
        if r["outcome"] in ("delivered", "no_show") and t(r["outcome_time"]) < b: fail(f"delivered before booked: {r}")
        if t(r["outcome_time"]) >= end: fail(f"outcome after the end date: {r}")
    elif r["outcome_time"]: fail(f"pending with an outcome time: {r}")
    if c >= end or c < dt.datetime(2024, 1, 1): fail(f"contact outside the period: {r}")
    month[c.month] += 1
    sunday += c.weekday() == 6
    holiday += (c.month, c.day) in fixed or c.date() == easter_monday(c.year)
    out[r["outcome"]] += 1
    patients[r["patient_id"]] += 1
    lines[r["prescription_id"]] += 1
    if r["outcome"] == "pending" and b >= end: pending_future += 1
    if r["catalogue"] == "2024":
        if c.date() < switch: new_before += 1
        else: new_after += 1
    elif c.date() >= switch and "/" in r["service_code"]: old_after += 1
    if c.date() >= switch and r["service_code"] not in (new_codes if r["catalogue"] == "2024" else old_only):
        fail(f"after 30/12/2024 a {r['catalogue']} code the table does not give for that date: {r}")
    if r["catalogue"] == "2024" and r["service_code"] == "88.93.6": new_spine += 1
    if r["catalogue"] == "2024" and row_of[r["service_code"]] in multi_rows: multi_use[r["service_code"]] += 1
    if r["access"] == "follow_up": fu += 1; continue
    if r["regime"] == "intramoenia": lp += 1; continue
    first_ssn += 1
    reason[r["guarantee_reason"]] += 1
    k = r["priority"] or "P"
    noclass += r["priority"] == ""
    if r["guarantee"] != ("0" if r["guarantee_reason"] == "choice" else "1"): fail(f"guarantee flag: {r}")
    visit = "/" in r["service_code"] or r["service_code"].startswith(("89.7", "95.02", "89.13", "89.26"))
    lim = {"U": 3, "B": 10, "D": 30 if visit else 60, "P": 120}[k]
    waits[(r["service_code"].split("/")[0], r["residence_district"], k)].append((fa - c).total_seconds() / 86400 <= lim)
others = sum(month[m] for m in range(1, 13) if m != 8) / 11
print(f"rows {n}; August {month[8]} contacts, other months' mean {others:.0f}")
if not month[8] < 0.8 * others: fail("August has not fewer contacts than the other months")
if sunday or holiday: fail(f"{sunday} Sunday and {holiday} holiday contacts")
acc = reason["none"] / first_ssn; pers = reason["personal"] / first_ssn; ch = reason["choice"] / first_ssn
print(f"first offer accepted {acc:.3f}, refused personal {pers:.3f}, choice {ch:.3f}")
if not 0.30 <= acc <= 0.45: fail(f"share accepting the first offer {acc:.3f} not in 0.30..0.45")
if not (0.15 <= pers <= 0.35 and 0.25 <= ch <= 0.45): fail("refusal shares out of range")
cl = (out["cancelled"]) / n; wd = out["withdrawn"] / n
reached = out["delivered"] + out["no_show"]; ns = out["no_show"] / reached
print(f"cancelled {cl:.3f}, withdrawn {wd:.3f}, no-show {ns:.3f} of the dates reached, pending {out['pending']}")
if not (0.04 <= cl <= 0.08 and 0.015 <= wd <= 0.045 and 0.04 <= ns <= 0.08): fail("outcome shares out of range")
if not pending_future: fail("no pending booking after the end date (the current list)")
if not (fu > 0.1 * n and 0.02 * n < lp < 0.08 * n): fail(f"follow-ups {fu}, intramoenia {lp} of {n}")
if not 0.05 < noclass / first_ssn < 0.11: fail(f"share without a class {noclass / first_ssn:.3f}")
rep = sum(1 for v in patients.values() if v > 1); multi = sum(1 for v in lines.values() if v > 1)
print(f"repeat patients {rep}, prescriptions with several lines {multi}")
if rep < 1000 or multi < 100: fail("too few repeat patients or multi-line prescriptions")
if new_before or not new_after or old_after: fail(f"catalogue: 2024 codes before 30/12/2024 {new_before}, after {new_after}; 1996 visit codes after {old_after}")
if not new_spine: fail("no booking with the 2024 code 88.93.6 (RM della colonna in toto, 1996 88.93)")
# a row listing several 2024 codes gives each of them, about equally often
for row, codes in sorted(multi_rows.items()):
    got = [multi_use[c] for c in codes]; mean = sum(got) / len(got)
    print(f"{row}: 2024 codes {dict(zip(codes, got))}")
    if mean < 20 or min(got) < 0.5 * mean or max(got) > 1.5 * mean: fail(f"{row}: its 2024 codes {codes} used {got} times")
# breaches: in some service x district the first offers of D or P requests are beyond the
# limit for many; most are within it
bad = sorted((sum(v) / len(v), s, d, k) for (s, d, k), v in waits.items() if k in "DP" and len(v) >= 40)
print("lowest D/P shares within the limit:", [(s, d, k, round(x, 2)) for x, s, d, k in bad[:4]])
if not bad or bad[0][0] > 0.6: fail("no service x district breaches for D or P")
if sum(1 for x, *_ in bad if x >= 0.9) < len(bad) // 2: fail("too few service x district cells within the limits")
# districts and agendas
ds = list(csv.DictReader(open(D + "/districts.csv")))
if len(ds) != 4 or list(ds[0]) != ["asl_code", "asl_name", "district_code", "district_name", "population"]: fail("districts.csv")
ag = list(csv.DictReader(open(D + "/agendas.csv")))
if list(ag[0]) != ["provider", "provider_name", "agenda", "service", "district", "slots_per_week", "weekdays",
                   "valid_from", "valid_to"]: fail("agendas.csv header")
aug = [int(a["slots_per_week"]) for a in ag if a["valid_from"].endswith("-08-01")]
sep = [int(a["slots_per_week"]) for a in ag if a["valid_from"].endswith("-09-01")]
if not aug or sum(aug) >= 0.8 * sum(sep): fail("agendas have no August reduction")
if sum(1 for a in ag if not a["valid_to"]) != len({a["agenda"] for a in ag}): fail("one open-ended row per agenda")
PY
echo "ok: bookings behave"

expect_fail "more ASLs than districts" "asls 5 is more than --districts 4" "${G[@]}" --seed 1 --asls 5 --output-dir "$TMP/x"
expect_fail "bad end date" "end-date: .*31/12/2025x" "$REGIA" gen waitlist --end-date 31/12/2025x --output-dir "$TMP/x"
expect_fail "no output directory" "output-dir" "$REGIA" gen waitlist --districts 2
expect_fail "services table missing" "nope.csv" "${G[@]}" --seed 1 --services "$TMP/nope.csv" --output-dir "$TMP/x"

# the files ingest as they are (no rejected row)
if "$REGIA" ingest waitlist --help >/dev/null 2>&1; then
  openssl rand -hex 32 >"$TMP/wl.key"; chmod 600 "$TMP/wl.key"
  "$REGIA" ingest waitlist --data "$TMP/a/bookings.csv" --districts "$TMP/a/districts.csv" --key-file "$TMP/wl.key" \
    --output "$TMP/a/b.nc" --run-date 2026-01-01 -q >"$TMP/ingest.log" 2>&1 || { cat "$TMP/ingest.log"; fail "ingest"; }
  rej=$(($(wc -l <"$TMP/a/b.rejects.csv") - 1))
  ((rej == 0)) || { head -5 "$TMP/a/b.rejects.csv"; fail "$rej generated rows rejected by regia ingest waitlist"; }
  echo "ok: regia ingest waitlist keeps every generated row"
fi
echo "PASS"
