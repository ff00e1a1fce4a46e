#!/usr/bin/env bash
# regia forecast's option model and input variants: --key=value equals --key value; a job
# file equals the command line; -q and -v; --input - reads standard input; --output must be
# a NetCDF name; statsforecast's unique_id,ds,y columns, ';' separators with decimal commas,
# a per-series season from a column or from [forecast] seasons; a tiny file whose times lie
# far apart is refused before anything is allocated; the generated --help lists the options.
source "$(dirname "$0")/lib.sh"
D=$TMP
data() { ncdump "$1" | sed -n '/^data:/,$p'; }
/usr/bin/python3 - "$D" <<'PY'
import sys, math, datetime, os
d = sys.argv[1]
rows = []
for s, m in (("a", 7), ("b", 7), ("c", 12)):
    for i in range(150):
        y = 40 + 6 * math.sin(2 * math.pi * i / m) + ((i * 7919 + ord(s) * 104729) % 89) / 25.0
        rows.append((s, (datetime.date(2024, 1, 1) + datetime.timedelta(i)).isoformat(), y, m))
with open(os.path.join(d, "in.csv"), "w") as f:
    f.write("series_id,time,value\n")
    for s, t, y, m in rows: f.write("%s,%s,%.3f\n" % (s, t, y))
with open(os.path.join(d, "sf.csv"), "w") as f:         # statsforecast's names, other order
    f.write("ds,unique_id,y\n")
    for s, t, y, m in rows: f.write("%s,%s,%.3f\n" % (t, s, y))
with open(os.path.join(d, "it.csv"), "w") as f:          # an Italian spreadsheet export
    f.write("series_id;time;value\n")
    for s, t, y, m in rows: f.write(("%s;%s;%.3f\n" % (s, t, y)).replace(".", ",", 1) if False else "%s;%s;%s\n" % (s, t, ("%.3f" % y).replace(".", ",")))
with open(os.path.join(d, "seas.csv"), "w") as f:        # a season column
    f.write("series_id,time,value,period\n")
    for s, t, y, m in rows: f.write("%s,%s,%.3f,%d\n" % (s, t, y, m))
PY
base=(--season 7 --horizon 10)
run_np 2 forecast --input "$D/in.csv" "${base[@]}" --output "$D/ref.nc" >"$D/ref.log" 2>&1 || { cat "$D/ref.log"; fail "reference"; }
run_np 2 forecast --input="$D/in.csv" --season=7 --horizon=10 --output="$D/eq.nc" >/dev/null 2>&1 || fail "--key=value"
cmp -s <(data "$D/ref.nc") <(data "$D/eq.nc") || fail "--key=value differs from --key value"
echo "ok: --key=value = --key value"
printf '[job]\ndomain = forecast\noutput = job.nc\n[forecast]\ninput = in.csv\nseason = 7\nhorizon = 10\n' >"$D/fc.ini"
run_np 3 forecast "$D/fc.ini" >"$D/job.log" 2>&1 || { cat "$D/job.log"; fail "job file"; }
cmp -s <(data "$D/ref.nc") <(data "$D/job.nc") || fail "job file output differs from the command line's"
echo "ok: a forecast job file gives the command line's output"
out=$(run_np 1 forecast -q --input "$D/in.csv" "${base[@]}" --output "$D/q.nc" 2>&1) || fail "-q run"
[[ -z $out ]] || fail "-q printed: $out"
out=$(run_np 1 forecast -v --input "$D/nosuch.csv" "${base[@]}" --output "$D/v.nc" 2>&1) && fail "missing input accepted"
grep -Eq 'error raised at [a-z_/]+\.c:[0-9]+' <<<"$out" || fail "-v: no source location: $out"
echo "ok: -q is silent, -v shows where an error was raised ($(grep -o 'raised at [^ ]*' <<<"$out"))"
run_np 2 forecast --input - "${base[@]}" --output "$D/stdin.nc" <"$D/in.csv" >"$D/stdin.log" 2>&1 ||
  { cat "$D/stdin.log"; fail "--input -"; }
cmp -s <(data "$D/ref.nc") <(data "$D/stdin.nc") || fail "--input - differs from the file"
[[ -z $(find "$D" -maxdepth 1 -name '*.tmp.stdin.csv*') ]] || fail "copy of standard input left behind"
grep -q 'standard input' "$D/stdin.manifest.json" || fail "manifest does not say the input was standard input"
echo "ok: --input - reads standard input"
expect_fail "--output x.csv" "writes NetCDF-4; give the output a \.nc name" run_np 1 forecast --input "$D/in.csv" "${base[@]}" --output "$D/x.csv"
[[ ! -e $D/x.csv ]] || fail "x.csv written"
rc=0; run_np 1 forecast --input "$D/in.csv" "${base[@]}" --output "$D/x.json" >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "--output x.json: exit $rc, expected 2 (usage)"
run_np 2 forecast --input "$D/sf.csv" "${base[@]}" --output "$D/sf.nc" >/dev/null 2>&1 || fail "statsforecast columns"
cmp -s <(data "$D/ref.nc") <(data "$D/sf.nc") || fail "unique_id,ds,y differs from series_id,time,value"
echo "ok: statsforecast's unique_id,ds,y read as series_id,time,value"
run_np 3 forecast --input "$D/it.csv" "${base[@]}" --output "$D/it.nc" >"$D/it.log" 2>&1 || { cat "$D/it.log"; fail "';' and decimal commas"; }
cmp -s <(data "$D/ref.nc") <(data "$D/it.nc") || fail "';' with decimal commas differs"
expect_fail "';' file read as ','" "separated by ';'" run_np 1 forecast --input "$D/it.csv" "${base[@]}" --separator comma --output "$D/it2.nc"
echo "ok: ';' separators with decimal commas; a wrong separator is named"
run_np 2 forecast --input "$D/seas.csv" --season-column period --horizon 10 --output "$D/sc.nc" >"$D/sc.log" 2>&1 ||
  { cat "$D/sc.log"; fail "season column"; }
[[ $(ncdump -v season "$D/sc.nc" | sed -n '/^ season = .*;/p' | tr -dc '0-9,') == "7,7,12" ]] ||
  fail "season column: seasons $(ncdump -v season "$D/sc.nc" | sed -n '/^ season = .*;/p')"
run_np 2 forecast --input "$D/in.csv" --seasons 'a:7,b:7,c:12' --horizon 10 --output "$D/st.nc" >/dev/null 2>&1 || fail "seasons table"
cmp -s <(data "$D/sc.nc") <(data "$D/st.nc") || fail "[forecast] seasons differs from the season column"
run_np 1 forecast --input "$D/in.csv" --season 12 --horizon 10 --output "$D/m12.nc" >/dev/null 2>&1 || fail "season 12"
/usr/bin/python3 - "$D/sc.nc" "$D/m12.nc" <<'PY' || fail "series c with season 12 from the column differs from --season 12"
import os, sys, netCDF4, numpy as np
sys.path.insert(0, os.environ["REGIA_ROOT"] + "/tests/reference")
import forecast_nc
a, b = (netCDF4.Dataset(p) for p in sys.argv[1:])
i, j = forecast_nc.ids(a).index("c"), forecast_nc.ids(b).index("c")
fa, fb = forecast_nc.steps(a, i)[1], forecast_nc.steps(b, j)[1]
sys.exit(0 if len(fa) == 10 and np.array_equal(fa, fb) and a["season"][i] == 12 else 1)
PY
expect_fail "no season at all" "season" run_np 1 forecast --input "$D/in.csv" --horizon 10 --output "$D/ns.nc"
echo "ok: per-series seasons from a column and from [forecast] seasons (one kernel call per period)"
# 321 bytes whose rows lie at +0 s, +1 s and +16,777,215 s: refused before the allocation
{ echo "series_id,time,value"; for s in a b c d e f g h; do
    echo "$s,1970-01-01T00:00:00,1"; echo "$s,1970-01-01T00:00:01,2"; echo "$s,1970-07-14T04:20:15,3"; done; } >"$D/far.csv"
out=$( { /usr/bin/time -f 'maxrss %M' "$REGIA" forecast --input "$D/far.csv" --season 1 --horizon 3 --output "$D/far.nc"; } 2>&1) &&
  fail "far-apart times accepted"
grep -q 'steps per row' <<<"$out" || fail "far-apart times: unclear message: $out"
rss=$(grep -o 'maxrss [0-9]*' <<<"$out" | awk '{print $2}')
((rss < 300000)) || fail "far-apart times: $rss kB used before refusing"
echo "ok: $(wc -c <"$D/far.csv")-byte file with times 16,777,215 s apart refused at $rss kB ($(grep -o "series 'a'.*steps of its grid" <<<"$out"))"
"$REGIA" forecast --help >"$D/help.txt" || fail "--help"
for o in --input --season --horizon --levels --model --backend --threads --checkpoint-interval --season-column --separator; do
  grep -q -- "$o" "$D/help.txt" || fail "--help lacks $o"
done
echo "ok: --help lists the options generated from the schema"
