#!/usr/bin/env bash
# regia evt: Port Pirie (tests/reference/gev_series.csv, --block none) equal to Coles
# (2001, section 3.4.1); yearly and monthly block maxima (UTC) of a daily CSV equal to the
# maxima computed here, missing values skipped; the NetCDF and the CSV agree; --unfit skip
# keeps an unfittable series with NaN and its fit_status; bad inputs give errors naming
# the file and the line or series; the output is identical at 1, 2 and 3 ranks and 2
# threads.  CF/ACDD compliance: tests/cli/test_evt_cf.sh; evd::fgev: test_gev_evd.sh.
source "$(dirname "$0")/lib.sh"
D=$TMP
PY=/usr/bin/python3
REF=$REGIA_ROOT/tests/reference/gev_series.csv

# --- Port Pirie against Coles (2001): mu 3.87 (0.028), sigma 0.198 (0.020), xi -0.050 (0.098);
#     10-year 4.30 [4.19, 4.41], 100-year 4.69 [4.38, 5.00] -------------------------------------
"$REGIA" evt --input "$REF" --output "$D/pp.nc" --block none --return-periods 10,100 --units m -q ||
  fail "regia evt on $REF"
$PY - "$D/pp.csv" "$D/pp.nc" <<'PY' || fail "Port Pirie differs from Coles (2001)"
import csv, sys, math, netCDF4
rows = {(r["series_id"], r["quantity"], r["return_period"]): r for r in csv.DictReader(open(sys.argv[1]))}
def get(q, T=""):
    r = rows[("portpirie", q, T)]
    return float(r["estimate"]), float(r["std_error"]), r["lower"], r["upper"]
bad = []
def near(what, got, want, tol):
    if not abs(got - want) <= tol:
        bad.append(f"{what}: {got:.5f}, Coles {want} (tolerance {tol})")
for q, m, s in (("location", 3.87, 0.028), ("scale", 0.198, 0.020), ("shape", -0.050, 0.098)):
    e, se, _, _ = get(q)
    near(q, e, m, 0.5 * 10 ** -(len(str(m).split(".")[1])))
    near(q + " se", se, s, 0.0005)
# Coles rounds the level to 2 decimals before adding -+1.96 se: interval ends within 0.01
for T, z, lo, hi in (("10", 4.30, 4.19, 4.41), ("100", 4.69, 4.38, 5.00)):
    e, se, l, h = get("return_level", T)
    near(f"z{T}", e, z, 0.005)
    near(f"z{T} lower", float(l), lo, 0.01)
    near(f"z{T} upper", float(h), hi, 0.01)
    if abs((float(h) - e) - 1.959963984540054 * se) > 1e-9 * se:
        bad.append(f"z{T}: interval is not z -+ 1.96 se")
with netCDF4.Dataset(sys.argv[2]) as ds:
    ids = ["".join(c.decode() for c in row if c) for row in ds["series_id"][:].filled(b"")]
    k = ids.index("portpirie")
    if ds["n_blocks"][k] != 65: bad.append(f"n_blocks {ds['n_blocks'][k]}, expected 65")
    if abs(ds["location"][k] - get("location")[0]) > 1e-10: bad.append("NetCDF location differs from the CSV")
    if abs(ds["return_level_upper"][1, k] - float(get("return_level", "100")[3])) > 1e-9: bad.append("NetCDF z100 upper")
    if ds["location"].units != "m" or ds["shape"].units != "1": bad.append("units")
    if ds["return_period"][:].tolist() != [10.0, 100.0]: bad.append("return_period")
    if "time" in ds.dimensions or "block_maximum" in ds.variables: bad.append("--block none has no block axis")
    if ds.evt_block != "none": bad.append("evt_block")
for b in bad: print("BAD", b)
sys.exit(1 if bad else 0)
PY
echo "ok: Port Pirie = Coles (2001): $(grep '^portpirie,return_level,100' "$D/pp.csv")"

# --- a job file gives the same run as the options ---------------------------------------------
cat >"$D/pp.ini" <<INI
[job]
domain = evt
output = $D/ppjob.nc
[evt]
input = $REF
block = none
return_periods = 10, 100
units = m
INI
"$REGIA" evt "$D/pp.ini" -q || fail "regia evt JOBFILE"
cmp -s "$D/pp.csv" "$D/ppjob.csv" || fail "the job file's CSV differs from the options' run"
echo "ok: regia evt JOBFILE = regia evt --options"

# --- block maxima of a daily series: years and months in UTC, missing values skipped ---------
$PY - "$D/daily.csv" "$D/expect.csv" <<'PY'
import csv, datetime, math, random, sys
r = random.Random(11)
rows, best = [], {}
for sid, mu, sg in (("north span", 10.0, 2.0), ("pier_2", 3.0, 0.5)):
    d = datetime.datetime(2000, 1, 1, 5, 0)
    while d < datetime.datetime(2021, 1, 1):
        v = mu + sg * r.gauss(0, 1)
        if r.random() < 0.02:
            txt = "NA" if r.random() < 0.5 else ""
        else:
            txt = f"{v:.4f}"; v = float(txt)
            for key in (("year", d.year), ("month", d.year, d.month)):
                k = (sid,) + key
                best[k] = max(best.get(k, -math.inf), v)
        rows.append((sid, d.strftime("%Y-%m-%dT%H:%M:%SZ"), txt))
        d += datetime.timedelta(hours=13)
r.shuffle(rows)  # any row order
with open(sys.argv[1], "w") as f:
    f.write("time,value,series_id,comment\n")
    for sid, t, v in rows: f.write(f'{t},{v},"{sid}",x\n')
with open(sys.argv[2], "w") as f:
    for k, v in sorted(best.items()): f.write(",".join(map(str, k)) + f",{v!r}\n")
PY
"$REGIA" evt --input "$D/daily.csv" --output "$D/y.nc" --return-periods 2,20 -q || fail "yearly blocks"
"$REGIA" evt --input "$D/daily.csv" --output "$D/m.nc" --block month --min-blocks 100 -q || fail "monthly blocks"
$PY - "$D/y.nc" "$D/m.nc" "$D/expect.csv" <<'PY' || fail "block maxima differ from those computed here"
import sys, calendar, datetime, numpy as np, netCDF4
want = {}
for line in open(sys.argv[3]):
    p = line.rstrip("\n").split(",")
    want.setdefault(p[1], {}).setdefault(p[0], {})[tuple(int(x) for x in p[2:-1])] = float(p[-1])
bad = []
for path, kind in ((sys.argv[1], "year"), (sys.argv[2], "month")):
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_mask(False)
        ids = ["".join(c.decode() for c in row if c) for row in ds["series_id"][:]]
        if ids != ["north span", "pier_2"]: bad.append(f"{kind}: ids {ids}")
        t = ds["time"][:]
        keys = []
        for s in t:
            d = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=float(s))
            if d.day != 1 or d.hour or (kind == "year" and d.month != 1): bad.append(f"{kind}: block start {d}")
            keys.append((d.year,) if kind == "year" else (d.year, d.month))
        if len(set(keys)) != len(keys) or keys != sorted(keys): bad.append(f"{kind}: time axis not increasing")
        for k, sid in enumerate(ids):
            w = want[kind][sid]
            bm = ds["block_maximum"][:].T  # (time, series) in the file
            got = {keys[j]: bm[k, j] for j in range(len(keys)) if not np.isnan(bm[k, j])}
            if got != w: bad.append(f"{kind} {sid}: {len(got)} maxima, expected {len(w)}; first diff "
                                    f"{next(((x, got.get(x), w.get(x)) for x in sorted(set(got) | set(w)) if got.get(x) != w.get(x)), None)}")
            if ds["n_blocks"][k] != len(w): bad.append(f"{kind} {sid}: n_blocks {ds['n_blocks'][k]} != {len(w)}")
            if ds["fit_status"][k] != 0 or not np.isfinite(ds["location"][k]): bad.append(f"{kind} {sid}: not fitted")
        if kind == "year":
            if keys[0] != (2000,) or keys[-1] != (2020,): bad.append(f"years {keys[0]} .. {keys[-1]}")
            if ds.time_coverage_start != "2000-01-01T00:00:00Z" or ds.time_coverage_end != "2021-01-01T00:00:00Z":
                bad.append(f"coverage {ds.time_coverage_start} .. {ds.time_coverage_end}")
            if ds["return_period"].units != "year": bad.append("return_period units")
        else:
            if ds["return_period"].units != "month": bad.append("return_period units")
for b in bad: print("BAD", b)
sys.exit(1 if bad else 0)
PY
echo "ok: yearly (21) and monthly (252) block maxima of 2 series equal those computed here"
grep -q '^"\?north span"\?,return_level,20,' "$D/y.csv" || fail "y.csv: no 20-year return level of 'north span'"

# --- --unfit skip: a constant and a short series stay in the output with NaN --------------------
{ head -1 "$REF"; grep '^heavy,' "$REF"
  for y in 1990 1991 1992 1993 1994 1995 1996 1997 1998 1999 2000; do echo "flat,$y-06-01,2.5"; done
  for y in 2001 2002 2003; do echo "few,$y-06-01,$y"; done; } >"$D/mix.csv"
"$REGIA" evt --input "$D/mix.csv" --output "$D/mixed.nc" --block none --unfit skip >"$D/mixed.log" 2>&1 ||
  { cat "$D/mixed.log"; fail "--unfit skip"; }
grep -q "2 of 3 series not fitted.*'few' (too_few_blocks).*'flat' (constant_maxima)" "$D/mixed.log" ||
  { cat "$D/mixed.log"; fail "--unfit skip: no warning naming the two series"; }
grep -q '^flat,location,,NaN,NaN,,,11,constant_maxima,$' "$D/mixed.csv" || fail "mixed.csv: flat row"
grep -q '^few,return_level,100,NaN,NaN,NaN,NaN,3,too_few_blocks,$' "$D/mixed.csv" || fail "mixed.csv: few row"
grep -q '^heavy,shape,,0.3786132' "$D/mixed.csv" || fail "mixed.csv: heavy's shape"
echo "ok: --unfit skip: 'flat' and 'few' kept with NaN and their fit_status, 'heavy' fitted"

# --- bad inputs: the file and the line or series named ----------------------------------------
printf 'series_id,time,value\na,2001-01-01,1\na,2001-13-01,2\n' >"$D/badtime.csv"
expect_fail "unparseable time" "badtime.csv: line 3: column 'time'" "$REGIA" evt --input "$D/badtime.csv" --output "$D/x.nc"
printf 'series_id,value\na,1\n' >"$D/nocol.csv"
expect_fail "missing column" "nocol.csv: line 1: header lacks the column 'time'" "$REGIA" evt --input "$D/nocol.csv" --output "$D/x.nc"
printf 'series_id,time,value\na,2001-01-01,x1\n' >"$D/badval.csv"
expect_fail "bad value" "badval.csv: line 2: column 'value'" "$REGIA" evt --input "$D/badval.csv" --output "$D/x.nc"
expect_fail "too few blocks" "mix.csv: series 'few' \(lines [0-9]+-[0-9]+\): 3 blocks with a value, fewer than the 10" \
  "$REGIA" evt --input "$D/mix.csv" --output "$D/x.nc" --block none
expect_fail "too few yearly blocks" "daily.csv: series 'north span' \(lines [0-9]+-[0-9]+\): 21 yearly blocks with a value, fewer than the 30" \
  "$REGIA" evt --input "$D/daily.csv" --output "$D/x.nc" --min-blocks 30
grep -v '^few,' "$D/mix.csv" >"$D/flat.csv"
expect_fail "constant series" "flat.csv: series 'flat' \(lines [0-9]+-[0-9]+\): all 11 block maxima equal 2.5" \
  "$REGIA" evt --input "$D/flat.csv" --output "$D/x.nc" --block none
expect_fail "return period <= 1" "--return-periods '1,10': return period 1 is not > 1" \
  "$REGIA" evt --input "$REF" --output "$D/x.nc" --return-periods 1,10
expect_fail "unknown block" "--block 'week'" "$REGIA" evt --input "$REF" --output "$D/x.nc" --block week
expect_fail "missing file" "nothere.csv: cannot open" "$REGIA" evt --input "$D/nothere.csv" --output "$D/x.nc"
[[ ! -e $D/x.nc && ! -e $D/x.csv ]] || fail "a failed run left an output"
# an output that is the input under another spelling ("./x.csv"): refused, the input intact
mkdir -p "$D/own" && cp "$D/mix.csv" "$D/own/peaks.csv"
sum0=$(sha256sum <"$D/own/peaks.csv")
expect_fail "default CSV is the input" "the CSV of the estimates, by default the output's name with .csv \('peaks.csv'\), is the input file: give --csv" \
  bash -c "cd '$D/own' && '$REGIA' evt --input ./peaks.csv --output peaks.nc --block none --unfit skip"
expect_fail "--csv is the input" "--csv '.*peaks.csv' is the input file itself" \
  bash -c "cd '$D/own' && '$REGIA' evt --input peaks.csv --output p.nc --csv ./peaks.csv --block none --unfit skip"
expect_fail "--output is the input" "--output '.*peaks.csv' is the input file 'peaks.csv'" \
  bash -c "cd '$D/own' && '$REGIA' evt --input peaks.csv --output ./peaks.csv --csv e.csv --block none --unfit skip"
[[ $(sha256sum <"$D/own/peaks.csv") == "$sum0" ]] || fail "the input peaks.csv was overwritten"
[[ ! -e $D/own/peaks.nc && ! -e $D/own/p.nc ]] || fail "a refused run left an output"

# --- identical at 1, 2, 3 ranks and 2 threads ------------------------------------------------------
same() { nc_same "$@"; }   # tests/cli/lib.sh
cat "$REF" >"$D/all.csv"; tail -n +2 "$D/daily.csv" | cut -d, -f1-3 | awk -F, '{print $3","$1","$2}' | tr -d '"' >>"$D/all.csv"
for args in "--block none --unfit skip" "--block year --unfit skip --chunk 2"; do
  run_np 1 evt --input "$D/all.csv" $args --output "$D/r1.nc" -q || fail "1 rank ($args)"
  for np in 2 3; do
    run_np "$np" evt --input "$D/all.csv" $args --output "$D/r$np.nc" -q || fail "$np ranks ($args)"
    same "$D/r1.nc" "$D/r$np.nc" >/dev/null || fail "$args: data at $np ranks differ: $(same "$D/r1.nc" "$D/r$np.nc")"
    cmp -s "$D/r1.csv" "$D/r$np.csv" || fail "$args: CSV at $np ranks differs"
  done
  OMP_NUM_THREADS=2 run_np 1 evt --input "$D/all.csv" $args --output "$D/rt.nc" -q || fail "2 threads"
  same "$D/r1.nc" "$D/rt.nc" >/dev/null || fail "$args: data with 2 threads differ"
  echo "ok: $args: identical at 1, 2, 3 ranks and 2 threads ($(same "$D/r1.nc" "$D/r3.nc"))"
done
echo "ok: regia evt"
