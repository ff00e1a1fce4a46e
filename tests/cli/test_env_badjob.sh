#!/usr/bin/env bash
# regia env rejects bad job files and bad inputs with a message naming what and where,
# exits non-zero, and never leaves a partial output; a previous output survives a failed run.
source "$(dirname "$0")/lib.sh"
D=$TMP; mkdir -p "$D/d"
run_np 1 gen env --stations 2 --years 1 --seed 4 --end-date 2023-06-30 --output-dir "$D/d" >/dev/null 2>&1
run_np 1 ingest env --registry "$D/d/sensors.csv" --data "$D/d/measurements.csv" --output "$D/in.nc" >/dev/null 2>&1 ||
  fail "ingest"
good() {  # a valid job; extra lines appended to [analysis] by the caller
  cat <<INI
[job]
output = out.nc
seed = 3
[input]
file = in.nc
[analysis]
pollutants = pm10, no2
horizon = 7
history_days = 120
paths = 100
INI
}
check() {  # check NAME REGEX JOBTEXT [NP]: the job fails with REGEX and leaves no output
  local name=$1 re=$2 text=$3 np=${4:-2}
  printf '%s\n' "$text" >"$D/job.ini"
  rm -f "$D/out.nc"
  expect_fail "$name" "$re" run_np "$np" env "$D/job.ini"
  [[ ! -e $D/out.nc && ! -e $D/out.nc.tmp ]] || fail "$name: output or .tmp left behind"
}
check "unknown key" "job.ini:8: unknown key 'horizn' in section \[analysis\]" "$(good | sed 's/^horizon/horizn/')"
check "unknown section" "job.ini:[0-9]+: unknown section \[analysys\]" "$(good; echo '[analysys]'; echo 'x = 1')"
check "not an integer" "job.ini:8: .*horizon': 'seven' is not a number" "$(good | sed 's/^horizon = 7/horizon = seven/')"
check "out of range" "job.ini:8: .*horizon.: 5000 is outside \[1, 366\]" "$(good | sed 's/^horizon = 7/horizon = 5000/')"
check "bad enum" "job.ini:[0-9]+: .*rules.*eu2008\|eu2030" "$(good; echo 'rules = eu1999')"
check "bad list item" "job.ini:7: .*pollutants.*pm7" "$(good | sed 's/^pollutants = .*/pollutants = pm10, pm7/')"
check "bad level" "job.ini:[0-9]+: .*levels" "$(good; echo 'levels = 80, 140')"
check "bad model code" "job.ini:[0-9]+: key 'model'" "$(good; echo 'model = XYZ')"
check "history too short" "job.ini:9: history_days 60 is too short for season 30" "$(good | sed 's/^history_days = 120/history_days = 60/'; echo 'season = 30')"
check "missing required key" "job.ini.*(output|\[job\]).*(required|missing)" "$(good | grep -v '^output')"
check "duplicate key" "job.ini:4: key 'seed' repeated \\(first set on line 3\\)" "$(good | sed 's/^seed = 3/seed = 3\nseed = 4/')"
check "syntax error" "job.ini:11: not a 'key = value' line" "$(good; echo 'this line has no equals sign')"
check "bad as_of" "job.ini:[0-9]+: key 'as_of'" "$(good | sed 's/^file = in.nc/file = in.nc\nas_of = 2023-02-30/')"
check "missing input" "input file .*nothere.nc \\(job key \\[input\\] file, line 5\\): No such file" "$(good | sed 's/^file = in.nc/file = nothere.nc/')"
printf 'station,value\n1,2\n' >"$D/notnc.nc"
check "input not NetCDF" "notnc.nc" "$(good | sed 's/^file = in.nc/file = notnc.nc/')"
check "pollutant not in input" "job.ini:7: pollutant 'so2' is not in the input" "$(good | sed 's/^pollutants = .*/pollutants = pm10, so2/')"
check "output dir missing" "nodir/out.nc" "$(good | sed 's|^output = out.nc|output = nodir/sub/\0|; s|nodir/sub/output = |nodir/|')"
expect_fail "missing job file" "nothere.ini" run_np 1 env "$D/nothere.ini"
expect_fail "no job file argument" "expected exactly one JOBFILE" run_np 1 env
# a failed run leaves the previous output untouched
good >"$D/job.ini"
run_np 2 env "$D/job.ini" >/dev/null 2>&1 || fail "good job"
sum=$(sha256sum <"$D/out.nc")
good | sed 's/^file = in.nc/file = notnc.nc/' >"$D/job.ini"
expect_fail "failed rerun" "notnc.nc" run_np 2 env "$D/job.ini"
[[ $(sha256sum <"$D/out.nc") == "$sum" && ! -e $D/out.nc.tmp ]] || fail "previous output changed by a failed run"
echo "ok: previous output intact after a failed run"
