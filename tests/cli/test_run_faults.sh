#!/usr/bin/env bash
# The run protocol ends cleanly when one rank fails in any phase: with REGIA_FAULT=PHASE:RANK
# (drivers/run.c) rank RANK fails at PHASE of a 3-rank run of regia env and of regia
# forecast.  Every rank must exit (no hang: a time limit), with status 1 and the injected
# error printed once, and nothing may be left under the output's names (no output, no
# temporary file, no manifest), while a previous output under the same name survives.
source "$(dirname "$0")/lib.sh"
D=$TMP
run_np 1 gen env --stations 6 --years 2 --seed 3 --end-date 2024-03-31 --output-dir "$D/d" >/dev/null 2>&1 || fail "gen"
run_np 1 ingest env --registry "$D/d/sensors.csv" --data "$D/d/measurements.csv" --output "$D/in.nc" >/dev/null 2>&1 ||
  fail "ingest"
printf '[job]\noutput = env.nc\nchunk = 5\n[input]\nfile = in.nc\n[analysis]\nhistory_days = 200\npaths = 100\n' >"$D/env.ini"
/usr/bin/python3 - "$D/fc.csv" <<'PY'
import sys, math, datetime
with open(sys.argv[1], "w") as f:
    f.write("series_id,time,value\n")
    for s in range(12):
        for d in range(120):
            y = 20 + 5 * math.sin(2 * math.pi * d / 7) + ((d * 7919 + s * 104729) % 97) / 30.0
            f.write("s%02d,%s,%.3f\n" % (s, (datetime.date(2024, 1, 1) + datetime.timedelta(d)).isoformat(), y))
PY
fc_args=(forecast --input "$D/fc.csv" --season 7 --horizon 5 --chunk 3)
# previous outputs that every failing run must leave as they are
run_np 3 env "$D/env.ini" >"$D/env0.log" 2>&1 || { cat "$D/env0.log"; fail "reference env run"; }
run_np 3 "${fc_args[@]}" --output "$D/fc.nc" >"$D/fc0.log" 2>&1 || { cat "$D/fc0.log"; fail "reference forecast run"; }
h_env=$(sha256sum <"$D/env.nc"); h_fc=$(sha256sum <"$D/fc.nc"); h_fm=$(sha256sum <"$D/fc.model.nc")
h_em=$(sha256sum <"$D/env.model.nc")
m_env=$(sha256sum <"$D/env.manifest.json"); m_fc=$(sha256sum <"$D/fc.manifest.json")
# the products directories (issue 12) of the previous runs: names and contents
prod_sum() { if [[ -d $D/$1.products ]]; then (cd "$D/$1.products" && sha256sum -- *) | sha256sum; else echo none; fi; }
p_env=$(prod_sum env); p_fc=$(prod_sum fc)
[[ $p_env != none && $p_fc != none ]] || fail "the reference runs made no products directory"
phases=(configure index allocate read backend prepare checkpoint compute create define write products manifest commit)
n=0
check() {  # check NAME OUTPUT_BASE HASH MANIFEST_HASH PHASE RANK CMD...
  local name=$1 base=$2 h=$3 mh=$4 ph=$5 r=$6; shift 6
  local rc=0 out
  out=$(REGIA_FAULT="$ph:$r" timeout 120 mpirun -np 3 --oversubscribe "$REGIA" "$@" 2>&1) || rc=$?
  ((rc != 124 && rc != 137)) || fail "$name $ph:$r: still running after 120 s (a hang)"
  ((rc == 1)) || { echo "$out"; fail "$name $ph:$r: exit status $rc, expected 1"; }
  local want=$r; [[ $r == '*' ]] && want=0  # every rank failing: the lowest one's error is printed
  grep -q "fault injected at $ph on rank $want " <<<"$out" || { echo "$out"; fail "$name $ph:$r: no error message"; }
  (( $(grep -c "fault injected" <<<"$out") == 1 )) || { echo "$out"; fail "$name $ph:$r: the error is printed more than once"; }
  [[ $(sha256sum <"$D/$base.nc") == "$h" ]] || fail "$name $ph:$r: the previous output was changed"
  [[ $(sha256sum <"$D/$base.manifest.json") == "$mh" ]] || fail "$name $ph:$r: the previous manifest was changed"
  [[ $base != fc || $(sha256sum <"$D/fc.model.nc") == "$h_fm" ]] || fail "$name $ph:$r: the previous model file was changed"
  [[ $base != env || $(sha256sum <"$D/env.model.nc") == "$h_em" ]] || fail "$name $ph:$r: the previous env model file was changed"
  local ps=p_$base; [[ $(prod_sum "$base") == "${!ps}" ]] || fail "$name $ph:$r: the previous products were changed"
  local left
  left=$(find "$D" -maxdepth 1 -name "$base.*tmp*" | head -3)
  [[ -z $left ]] || fail "$name $ph:$r: left behind: $left"
  n=$((n + 1))
}
i=0
for ph in "${phases[@]}"; do
  r=$((i % 3)); i=$((i + 1))
  check env env "$h_env" "$m_env" "$ph" "$r" env "$D/env.ini"
  check forecast fc "$h_fc" "$m_fc" "$ph" "$(((r + 1) % 3))" "${fc_args[@]}" --output "$D/fc.nc"
done
# the forecast's model file (an extra output) failing on one rank: nothing committed
check forecast fc "$h_fc" "$m_fc" model 1 "${fc_args[@]}" --output "$D/fc.nc"
# the env model file likewise
check env env "$h_env" "$m_env" model 2 env "$D/env.ini"
echo "ok: $n runs with one failing rank (${#phases[@]} phases x env, forecast at 3 ranks, and the model files of both): all ranks ended with the error, nothing left behind, previous outputs intact"
# every rank failing at once is the same
check env env "$h_env" "$m_env" compute '*' env "$D/env.ini"
echo "ok: a fault on every rank at once ends cleanly too"
