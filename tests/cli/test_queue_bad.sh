#!/usr/bin/env bash
# regia queue on bad options, bad job values and broken input files: each fails with its
# message (the option, or the file, line and column), exit status 2 for a bad option
# value and 1 for a bad file or job file, and leaves nothing under the output's names (the
# NetCDF file, the CSV summary, the manifest, temporary files, a checkpoint directory); a
# previous output survives a failing run.
source "$(dirname "$0")/lib.sh"
D=$TMP
n=0
# bad NAME REGEX NP STATUS -- ARGS...: `queue ARGS --output OUT` must exit STATUS and print REGEX
bad() {
  local name=$1 re=$2 np=$3 want=$4; shift 4; [[ ${1:-} == -- ]] && shift; n=$((n+1))
  local out=$D/out_$n.nc rc=0 msg
  if ((np == 1)); then msg=$("$REGIA" queue "$@" --output "$out" 2>&1) || rc=$?  # no launcher: faster
  else msg=$(run_np "$np" queue "$@" --output "$out" 2>&1) || rc=$?; fi
  ((rc != 0)) || fail "$name: exit status 0, expected failure"
  [[ $rc == "$want" ]] || fail "$name: exit status $rc, expected $want: $msg"
  grep -Eq -- "$re" <<<"$msg" || fail "$name: message does not match /$re/: $msg"
  local left; left=$(cd "$D" && ls -d out_$n.* 2>/dev/null || true)
  [[ -z $left ]] || fail "$name: left behind: $left"
  echo "ok: $name (np=$np, exit $rc) -> $(grep -Em1 -- "$re" <<<"$msg")"
}
m=(--servers 5 --service-mean 1 --customers 1000)
# --- option values: exit 2 ------------------------------------------------------------------
bad "rate 0" "--rates: '0.4,0': rate 2 \(class 2\) is 0: every arrival rate must be > 0" 1 2 -- --rates 0.4,0 "${m[@]}"
bad "negative rate" "--rates: '-1': rate 1 \(class U\) is -1" 1 2 -- --classes U --rates -1 "${m[@]}"
bad "rates not numbers" "--rates: 'abc': expected comma-separated numbers" 1 2 -- --rates abc "${m[@]}"
bad "unstable" "--servers: the system is unstable: utilisation rho = 1\.2 >= 1 \(offered load 6 Erlang on 5 servers\): waits grow without bound" \
  3 2 -- --rates 2,4 "${m[@]}"
bad "unstable at rho = 1" "utilisation rho = 1 >= 1" 1 2 -- --rates 5 "${m[@]}"
bad "unstable schedule" "--schedule: the system is unstable: utilisation rho = 4\.2 >= 1 .*an average of 0\.238095 servers" 1 2 -- \
  --rates 1 --schedule "Mon-Fri 08:00-16:00" --service-mean 1 --customers 100
bad "rates for classes" "--rates: '1': 1 rates for 2 classes \(U,B\)" 1 2 -- --classes U,B --rates 1 "${m[@]}"
bad "9 classes" "--rates: '1,1,1,1,1,1,1,1,1': more than 8 values" 1 2 -- --rates 1,1,1,1,1,1,1,1,1 --servers 20 --service-mean 1 --customers 10
bad "class twice" "key 'classes': 'A' listed twice" 1 2 -- --classes A,A --rates 1,1 "${m[@]}"
bad "no arrivals" "--rates R1,R2,\.\.\. \(Poisson arrival rates\) or --arrivals FILE\.csv \(a trace\) is required" 1 2 -- "${m[@]}"
bad "rates and trace" "--arrivals: give either rates or arrivals" 1 2 -- --rates 1 --arrivals "$D/x.csv" "${m[@]}"
bad "trace without classes" "--arrivals: a trace needs classes" 1 2 -- --arrivals "$D/x.csv" "${m[@]}"
bad "no servers" "--servers C, --schedule 'DAYS HH:MM-HH:MM xN' or --schedule-file FILE\.csv is required" 1 2 -- \
  --rates 1 --service-mean 1 --customers 10
bad "servers and schedule" "--servers: give one of servers, schedule and schedule_file" 1 2 -- --rates 1 "${m[@]}" --schedule "daily 00:00-24:00"
bad "servers 0" "--servers '0': expected an integer in 1\.\.100000" 1 2 -- --rates 1 --servers 0 --service-mean 1 --customers 10
bad "no end" "--customers N or --horizon T is required" 1 2 -- --rates 1 --servers 2 --service-mean 1
bad "bad day" "--schedule: shift 'Mox 08:00-16:00 x3': 'Mox' is not a day" 1 2 -- --rates 0.1 --schedule "Mox 08:00-16:00 x3" --service-mean 1 --customers 10
bad "bad times" "--schedule: shift 'Mon 8-16': '8-16' is not a time range HH:MM-HH:MM" 1 2 -- --rates 0.1 --schedule "Mon 8-16" --service-mean 1 --customers 10
bad "x0" "--schedule: shift 'Mon 08:00-16:00 x0': 'x0' is not a server count" 1 2 -- --rates 0.1 --schedule "Mon 08:00-16:00 x0" --service-mean 1 --customers 10
bad "service mean 0" "--service-mean: '0': every value must be a number > 0" 1 2 -- --rates 1 --servers 2 --service-mean 0 --customers 10
bad "service means for classes" "--service-mean: '1,2,3': expected one value for every class or 2 values, one per class, got 3" 1 2 -- \
  --rates 1,1 --servers 5 --service-mean 1,2,3 --customers 10
bad "lognormal without cv" "--service: 'lognormal' needs service_cv" 1 2 -- --rates 1 "${m[@]}" --service lognormal
bad "cv with exp" "--service-cv: applies to lognormal and gamma service times only" 1 2 -- --rates 1 "${m[@]}" --service-cv 1
bad "cv 0" "--service-cv: '0': every value must be a number > 0" 1 2 -- --rates 1 "${m[@]}" --service gamma --service-cv 0
bad "unknown service" "--service 'weibull': expected exp, det, lognormal or gamma" 1 2 -- --rates 1 "${m[@]}" --service weibull
bad "t not ascending" "--t: '2,1': expected ascending waits > 0" 1 2 -- --rates 1 "${m[@]}" --t 2,1
bad "t zero" "--t: '0': expected ascending waits > 0 \(P\(W > 0\) is always reported\)" 1 2 -- --rates 1 "${m[@]}" --t 0
bad "quantile 1" "--quantiles: '0\.5,1': expected ascending probabilities in \(0, 1\)" 1 2 -- --rates 1 "${m[@]}" --quantiles 0.5,1
bad "reps 1" "--reps '1': expected an integer in 2\.\.100000" 1 2 -- --rates 1 "${m[@]}" --reps 1
bad "warmup past horizon" "--warmup: 10 is not before the horizon 10" 1 2 -- --rates 1 --servers 2 --service-mean 1 --horizon 10 --warmup 10
bad "csv = output" "--csv: '.*out_[0-9]+\.nc' is the output itself" 1 2 -- --rates 1 "${m[@]}" --csv "$D/out_$((n + 1)).nc"
bad "unknown option" "unknown option '--arrival-rates'" 1 2 -- --arrival-rates 1 "${m[@]}"
rc=0; msg=$("$REGIA" queue --rates 1 "${m[@]}" --output "$D/o.txt" 2>&1) || rc=$?
((rc == 2)) && grep -q "regia queue writes NetCDF-4; give the output a .nc name" <<<"$msg" || fail "non-NetCDF output: exit $rc: $msg"
[[ ! -e $D/o.txt && ! -e $D/o.csv ]] || fail "non-NetCDF output: file left behind"
echo "ok: non-NetCDF output name (exit 2)"

# --- input files: exit 1, naming the file, the line and the column ----------------------------
t=(--classes A,B --servers 1 --service-mean 1)
printf 'time,klass\n1,A\n' >"$D/h.csv"
bad "trace header" "h\.csv: line 1: header lacks the column 'class' \(expected time,class; found time,klass\)" 2 1 -- --arrivals "$D/h.csv" "${t[@]}"
printf 'time,class\n1,A\n2,Z\n' >"$D/k.csv"
bad "trace class" "k\.csv: line 3: column 'class': 'Z' is not one of the classes A,B" 3 1 -- --arrivals "$D/k.csv" "${t[@]}"
printf 'time,class\n1,A\n-2,B\n' >"$D/neg.csv"
bad "trace negative time" "neg\.csv: line 3: column 'time': '-2' is negative" 1 1 -- --arrivals "$D/neg.csv" "${t[@]}"
printf 'time,class\n1,A\n1h,B\n' >"$D/nan.csv"
bad "trace time text" "nan\.csv: line 3: column 'time': '1h' is not a number" 1 1 -- --arrivals "$D/nan.csv" "${t[@]}"
printf 'time,class\n1,A\n,B\n' >"$D/miss.csv"
bad "trace missing time" "miss\.csv: line 3: column 'time': '' is missing" 1 1 -- --arrivals "$D/miss.csv" "${t[@]}"
printf 'time,class\n1,A,x\n' >"$D/f.csv"
bad "trace field count" "f\.csv: line 2: 3 fields, expected 2" 1 1 -- --arrivals "$D/f.csv" "${t[@]}"
printf 'time,class\n' >"$D/hdr.csv"
bad "trace header only" "hdr\.csv: no data rows" 1 1 -- --arrivals "$D/hdr.csv" "${t[@]}"
: >"$D/empty.csv"
bad "trace empty" "empty\.csv: empty file" 1 1 -- --arrivals "$D/empty.csv" "${t[@]}"
printf 'time,class\n1,A\n2,\xe9\n' >"$D/latin1.csv"
bad "trace latin-1" "latin1\.csv: not a text CSV" 1 1 -- --arrivals "$D/latin1.csv" "${t[@]}"
bad "trace missing" "nosuch\.csv: cannot open: No such file" 1 1 -- --arrivals "$D/nosuch.csv" "${t[@]}"
printf 'time,class\n1,A\n2,B\n' >"$D/early.csv"
bad "trace before warm-up" "early\.csv: every arrival \(the last at time 2\) comes before the warm-up 5" 1 1 -- --arrivals "$D/early.csv" "${t[@]}" --warmup 5
s=(--rates 0.01 --service-mean 1 --customers 100)
printf 'days,start,end,servers\nMon,08:00,16:00,3\nMox,08:00,16:00,3\n' >"$D/s1.csv"
bad "schedule day" "s1\.csv: line 3: column 'days': 'Mox' is not a day" 1 1 -- --schedule-file "$D/s1.csv" "${s[@]}"
printf 'day,start,end,servers\nMon,08:00,16:00,3\n' >"$D/s2.csv"
bad "schedule header" "s2\.csv: line 1: header lacks the column 'days'" 1 1 -- --schedule-file "$D/s2.csv" "${s[@]}"
printf 'days,start,end,servers\nMon,8,16,1\n' >"$D/s3.csv"
bad "schedule start" "s3\.csv: line 2: column 'start': '8' is not a time HH:MM" 1 1 -- --schedule-file "$D/s3.csv" "${s[@]}"
printf 'days,start,end,servers\nMon,08:00,25:00,1\n' >"$D/s4.csv"
bad "schedule end" "s4\.csv: line 2: column 'end': '25:00' is not a time HH:MM" 1 1 -- --schedule-file "$D/s4.csv" "${s[@]}"
printf 'days,start,end,servers\nMon,08:00,16:00,1.5\n' >"$D/s5.csv"
bad "schedule servers" "s5\.csv: line 2: column 'servers': '1\.5' is not an integer in 1\.\.100000" 3 1 -- --schedule-file "$D/s5.csv" "${s[@]}"
printf 'days,start,end,servers\n' >"$D/s6.csv"
bad "schedule no shifts" "s6\.csv: no shifts" 1 1 -- --schedule-file "$D/s6.csv" "${s[@]}"
printf 'days,start,end,servers\nMon,08:00,09:00,1\n' >"$D/s7.csv"
bad "schedule unstable" "--schedule-file: the system is unstable: utilisation rho = 16\.8 >= 1" 2 1 -- --schedule-file "$D/s7.csv" \
  --rates 0.1 --service-mean 1 --customers 100

# --- a job file: exit 1, naming the file and line ---------------------------------------------
printf '[job]\noutput = j.nc\n[queue]\nrates = 1, 0\nservers = 2\nservice_mean = 1\ncustomers = 100\n' >"$D/j.ini"
expect_fail "job file rate 0" "j\.ini:4: key 'rates': '1, 0': rate 2 \(class 2\) is 0" run_np 2 queue "$D/j.ini"
rc=0; "$REGIA" queue "$D/j.ini" >/dev/null 2>&1 || rc=$?; ((rc == 1)) || fail "job file: exit $rc, expected 1"
printf '[job]\noutput = j.nc\n[queue]\nrates = 1\nservers = 2\nservice_mean = 1\n' >"$D/j2.ini"
expect_fail "job file without an end" "j2\.ini: \[queue\] needs customers or horizon" "$REGIA" queue "$D/j2.ini"
printf '[job]\noutput = j.nc\n[queue]\nrates = 1\nserver = 2\nservice_mean = 1\n' >"$D/j3.ini"
expect_fail "job file unknown key" "j3\.ini:5: unknown key 'server'" "$REGIA" queue "$D/j3.ini"
[[ ! -e $D/j.nc && ! -e $D/j.csv && ! -e $D/j.manifest.json ]] || fail "job files: output left behind"

# --- a previous output survives a failing run --------------------------------------------------
"$REGIA" queue --rates 1 "${m[@]}" --reps 2 --output "$D/keep.nc" -q || fail "previous output"
sum=$(sha256sum "$D/keep.nc" "$D/keep.csv" "$D/keep.manifest.json" "$D/keep.products/summary.csv")
rc=0; run_np 2 queue --classes A --arrivals "$D/k.csv" "${t[@]:2}" --output "$D/keep.nc" >/dev/null 2>&1 || rc=$?
((rc == 1)) || fail "previous output: the failing run exited $rc"
[[ $(sha256sum "$D/keep.nc" "$D/keep.csv" "$D/keep.manifest.json" "$D/keep.products/summary.csv") == "$sum" ]] || fail "previous output changed by a failing run"
[[ -z $(cd "$D" && ls -d keep.* | grep -v -e '^keep\.nc$' -e '^keep\.csv$' -e '^keep\.manifest\.json$' -e '^keep\.products$') ]] ||
  fail "previous output: temporary files left: $(ls "$D")"
echo "ok: a failing run leaves the previous output, CSV and manifest as they were"
echo "ok: $n bad inputs refused with their messages"
