#!/usr/bin/env bash
# The byte-range series-CSV reader (io/series_csv.c) at 1, 2, 3 and 7 ranks: each rank parses
# only the lines that start in its byte range and rows are routed to their series' owner, yet
# the result equals an independent whole-file reading (checked inside the test program) and
# is the same at every rank count (digest), for ',' ';' and TAB files, statsforecast column
# names, a season column, series split across range boundaries, CRLF, BOM, blank lines,
# multi-byte UTF-8 ids, a tiny file where some ranks get no full line, and the exchange in
# small rounds (the large-count path).  Bad inputs give the same message at 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
T=$BUILD/tests/test_series_csv
[[ -x $T ]] || skip "$T not built"
D=$TMP
/usr/bin/python3 - "$D" <<'PY'
import random, sys
d = sys.argv[1]
rnd = random.Random(9)
def days(n):
    return ["2023-%02d-%02d" % (1 + i // 28, 1 + i % 28) for i in range(n)]
# 1: interleaved, shuffled rows of 40 series: every range boundary cuts series
rows = []
for s in range(40):
    sid = ("st%02d" % s) if s % 7 else ('"q,%d"' % s)
    if s % 11 == 3: sid = "µg/m³-%d" % s       # multi-byte ids
    for i, t in enumerate(days(30)):
        v = "" if (s + i) % 17 == 0 else ("NaN" if (s * i) % 23 == 5 else "%.3f" % rnd.uniform(-50, 50))
        rows.append("%s,%s,%s" % (sid, t, v))
rnd.shuffle(rows)
with open(d + "/mixed.csv", "w", newline="") as f:
    f.write("\ufeffseries_id , time,value\r\n")
    for k, r in enumerate(rows):
        if k % 97 == 0: f.write("\r\n")         # blank lines
        f.write(r + ("\r\n" if k % 3 else "\n"))
# 2: sorted by series: long series span the boundaries; no newline at the end
with open(d + "/sorted.csv", "w") as f:
    f.write("time,value,series_id,note\n")
    for s in range(5):
        for i, t in enumerate(days(200)):
            f.write("%sT%02d:00:00,%d,s%d,%s\n" % (t, 0, i * (s + 1), s, "x" * (i % 13)))
    f.write("s9x,5,s9,tail".replace("s9x", "2024-01-01"))
# 3: an Italian spreadsheet export: ';' and decimal commas
with open(d + "/italy.csv", "w") as f:
    f.write("series_id;time;value\n")
    for s in range(12):
        for i, t in enumerate(days(25)):
            f.write("MI%03d;%s 13:00:00;%d,%d\n" % (s * 37 % 101, t, rnd.randint(0, 200), rnd.randint(0, 9)))
# 4: statsforecast names, TAB, extra columns, rows shuffled
rows = ["%s\tu%d\t%s\t%.2f" % ("k", s, t, s + i / 10) for s in range(9) for i, t in enumerate(days(40))]
rnd.shuffle(rows)
with open(d + "/sf.tsv", "w") as f:
    f.write("extra\tunique_id\tds\ty\n" + "\n".join(rows) + "\n")
# 5: a season column (some cells empty)
with open(d + "/season.csv", "w") as f:
    f.write("series_id,time,value,season\n")
    for i, t in enumerate(days(30)):
        for s in range(6):
            f.write("p%d,%s,%d,%s\n" % (s, t, i, "" if i % 4 else str(s + 2)))
# 6: tiny files: more ranks than lines
open(d + "/tiny.csv", "w").write("series_id,time,value\nb,2023-01-02,2\na,2023-01-01,1\n")
open(d + "/tiny2.csv", "w").write("series_id,time,value\na,2023-01-01,1")
# 7: random files: ids of 1..60 characters (some multi-byte), random line ends and blank
#    lines, so that range boundaries fall everywhere (inside characters too)
for k in range(4):
    rows = []
    alphabet = "abcxyz\u00e8\u00b5\u20ac\U0001F600"
    for s in range(rnd.randint(1, 30)):
        sid = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 60)))
        for i in rnd.sample(range(300), rnd.randint(1, 40)):
            rows.append("%s;%s;%s" % (rnd.choice(["", "1,5", "-2", "3.25", "NA"]), sid,
                                       "2023-01-01T00:00:00Z" if i == 0 else days(300)[i]))
    rnd.shuffle(rows)
    with open(d + "/random%d.csv" % k, "w", newline="") as f:
        f.write("value;series_id;time\n")
        for r in rows:
            f.write(rnd.choice(["", "", "", "\n"]) + r + rnd.choice(["\n", "\r\n"]))
PY
declare -A dig
check() { # FILE NP [OPTIONS...]: read on NP ranks, compare with the whole-file reading
  local f=$1 np=$2; shift 2; local out
  out=$(mpirun -np "$np" --oversubscribe "$T" --compare "$D/$f" "$@" 2>&1) || fail "$f at $np ranks ($*): $out"
  grep -q '^ok: ' <<<"$out" || fail "$f at $np ranks: no ok line: $out"
  local d=${out##*digest=}
  local key="$f $*"
  if [[ -n ${dig[$key]:-} ]]; then
    [[ ${dig[$key]} == "$d" ]] || fail "$f ($*): rows at $np ranks differ from the first rank count"
  else dig[$key]=$d; fi
  echo "$(grep '^ok: ' <<<"$out") ${*:+[$*]}"
}
for f in mixed.csv sorted.csv italy.csv sf.tsv; do
  for np in 1 2 3; do check "$f" "$np"; done
  check "$f" 3 --chunk 3       # rows exchanged in rounds of 3 per rank pair
done
for np in 1 2 3 7; do check season.csv "$np" --season-col season; done
check season.csv 4 --season-col season --chunk 1
for np in 1 2 3 7; do check tiny.csv "$np"; check tiny2.csv "$np"; done
check mixed.csv 7
for k in 0 1 2 3; do for np in 1 2 4 5 6; do check random$k.csv "$np"; done; done
check italy.csv 2 --sep ';' --decimal ','
grep -q 'cols=unique_id,ds,y' <<<"$(mpirun -np 2 "$T" --compare "$D/sf.tsv")" || fail "statsforecast names not detected"
grep -q 'sep=semicolon decimal=,' <<<"$(mpirun -np 2 "$T" --compare "$D/italy.csv")" || fail "';' and ',' not detected"

# bad inputs: the same message at 1 and 3 ranks (and the one `regia forecast` gives today)
good=$D/good.csv
{ echo series_id,time,value; for i in $(seq 1 9); do echo "a,2023-01-0$i,$((10 + i % 3))"; echo "b,2023-01-0$i,$((20 + i % 4))"; done; } >"$good"
bad() { # NAME FILE REGEX [OPTIONS...]; rank counts from $NPS (default: 1 3)
  local name=$1 f=$2 re=$3; shift 3; local m1 mn np
  m1=$(mpirun -np 1 "$T" --error "$f" "$@" 2>&1) || fail "$name at 1 rank: $m1"
  for np in ${NPS:-3}; do
    mn=$(mpirun -np "$np" --oversubscribe "$T" --error "$f" "$@" 2>&1) || fail "$name at $np ranks: $mn"
    [[ $m1 == "$mn" ]] || fail "$name: messages differ: 1 rank: $m1 / $np ranks: $mn"
  done
  grep -Eq -- "$re" <<<"$m1" || fail "$name: message does not match /$re/: $m1"
  echo "ok: $name (1 and ${NPS:-3} ranks) -> $m1"
}
bad "missing file" "$D/nosuch.csv" "nosuch\.csv: cannot open: No such file"
: >"$D/empty.csv"; bad "empty file" "$D/empty.csv" "empty\.csv: empty file"
echo series_id,time,value >"$D/hdronly.csv"; bad "header only" "$D/hdronly.csv" "hdronly\.csv: no data rows"
{ echo 'id,date,value'; echo 'a,2023-01-01,1'; } >"$D/hdr.csv"
bad "wrong header" "$D/hdr.csv" "hdr\.csv: line 1: header lacks the column 'series_id'"
{ cat "$good"; echo 'a,2023-01-10,abc'; } >"$D/garbage.csv"
bad "garbage value (last line)" "$D/garbage.csv" "garbage\.csv: line 20: column 'value': 'abc' is not a number"
{ cat "$good"; echo 'a,2023-02-30,2'; cat "$good" | tail -n +2 | sed 's/^a/c/;s/^b/d/'; } >"$D/badtime.csv"
bad "bad time (middle)" "$D/badtime.csv" "badtime\.csv: line 20: column 'time': bad date '2023-02-30'"
{ echo series_id,time,value; echo 'a,2023-01-01T00:00+02:00,1'; } >"$D/tz.csv"
bad "time-zone offset" "$D/tz.csv" "tz\.csv: line 2: column 'time': .*offsets are not supported"
{ cat "$good"; tail -n +2 "$good" | sed 's/^/z/'; echo 'b,2023-01-04,99'; } >"$D/dup.csv"
bad "duplicate key across ranges" "$D/dup.csv" "dup\.csv: lines 9 and 38: duplicate \(series_id, time\) = \('b', 2023-01-04"
{ cat "$good"; echo 'a,2023-01-10,1,2'; } >"$D/fields.csv"
bad "field count" "$D/fields.csv" "fields\.csv: line 20: 4 fields, expected 3"
{ cat "$good"; echo ',2023-01-10,1'; } >"$D/noid.csv"
bad "empty series_id" "$D/noid.csv" "noid\.csv: line 20: empty series_id"
{ echo series_id,time,value; printf 'a,2023-01-01,1\xb0\n'; } >"$D/latin1.csv"
bad "latin-1 text" "$D/latin1.csv" "latin1\.csv: not a text CSV: invalid UTF-8 .*line 2"
{ echo series_id,time,value; echo 'a,2023-01-01,abc'; tail -n +2 "$good"; tail -n +2 "$good" | sed 's/^/y/'; printf 'q,2023-01-01,1\xb0\n'; } >"$D/late_latin1.csv"
bad "text check before values (as for a whole file)" "$D/late_latin1.csv" "late_latin1\.csv: not a text CSV: invalid UTF-8 .*line 39"
{ cat "$good"; echo 'a,2023-01-10,1x'; tail -n +2 "$good" | sed 's/^/w/'; echo 'w,2023-13-01,1'; } >"$D/two.csv"
bad "two errors: the earlier line wins" "$D/two.csv" "two\.csv: line 20: column 'value': '1x'"
{ echo 'series_id;time;value'; echo 'a;2023-01-01;1'; } >"$D/semi.csv"
bad "wrong separator named" "$D/semi.csv" "semi\.csv: line 1: the header has one column but contains ';'" --sep ,
{ echo 'series_id,time,value,season'; for i in 1 2 3 4 5 6 7 8; do echo "a,2023-01-0$i,1,"; done; echo 'a,2023-01-09,1,7'; echo 'a,2023-01-10,1,12'; } >"$D/seasons.csv"
bad "two seasons in a series" "$D/seasons.csv" "seasons\.csv: lines 10 and 11: series 'a' has season 7 and 12" --season-col season
{ cat "$good"; printf 'a,2023-01-10,%0200d\n' 1; tail -n +2 "$good" | sed 's/^/v/'; } >"$D/long.csv"
bad "long line" "$D/long.csv" "long\.csv: line 20 is longer than 100 bytes" --max-line 100
{ cat "$good"; printf 'a,2023-01-10,%0900d\n' 1; tail -n +2 "$good" | sed 's/^/v/'; echo 'v,2023-01-01,x'; } >"$D/long2.csv"
NPS="2 3 7" bad "long line over several ranges" "$D/long2.csv" "long2\.csv: line 20 is longer than 100 bytes" --max-line 100
bad "explicit column names" "$D/sorted.csv" "sorted\.csv: line 3: column 'note': 'x' is not a number" --cols series_id,time,note
bad "explicit names absent" "$D/sf.tsv" "sf\.tsv: line 1: header lacks the column 'when'; the first line must name the columns unique_id,when,y" --cols unique_id,when,y
echo "ok: series-CSV reader equal to whole-file reading at 1, 2, 3, 7 ranks; errors identical at 1 and 3 ranks"
