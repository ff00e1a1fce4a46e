#!/usr/bin/env bash
# regia sensors: the Welch spectra batched across records ([welch] batch_records) give the
# same results as one record per call: every data variable of the summary and of the
# detail is identical with batch_records = 1, 8, 5 at 2 ranks (batches cut at other
# records) and the default 0 (1 on the CPU backend, 8 on a GPU), on a generated store
# with sensor faults, so that the records of a batch have different numbers of usable
# channels (runs of one structure and channel count go to the op together, the others
# alone).  Store: regia gen sensors.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null || skip "/usr/bin/python3 lacks h5py or numpy"
"$REGIA" gen sensors --structures 2 --days 3 --rate 50 --record-minutes 2 --interval-minutes 90 --sensors 3 \
  --seed 7 --output-dir "$D/store" -q >"$D/gen.log" 2>&1 || { cat "$D/gen.log"; fail "regia gen sensors"; }
job() { # job NAME BATCH
  sed -e "s#^output = .*#output = $D/$1.nc#" -e "s#^detail = .*#detail = $D/$1_detail.h5#" \
      -e "s#^store = .*#store = $D/store#" -e "s#^length = .*#length = 120#" -e "s#^nperseg = .*#nperseg = 512#" \
      -e "s#^training_days = .*#training_days = 2#" -e "s#^thermal_lag = .*#thermal_lag = 0#" \
      -e "s#^\[welch\]#[welch]\nbatch_records = $2#" -e "s#^\[job\]#[job]\nproducts = no#" \
      "$REGIA_ROOT/jobs/sensors_demo.ini" >"$D/$1.ini"
}
same() { h5_same "$@"; }   # tests/cli/lib.sh
job one 1; job eight 8; job five 5; job auto 0
run_np 1 sensors "$D/one.ini" >"$D/one.log" 2>&1 || { cat "$D/one.log"; fail "regia sensors, batch_records = 1"; }
run_np 1 sensors "$D/eight.ini" >"$D/eight.log" 2>&1 || { cat "$D/eight.log"; fail "regia sensors, batch_records = 8"; }
run_np 1 sensors "$D/auto.ini" >"$D/auto.log" 2>&1 || { cat "$D/auto.log"; fail "regia sensors, batch_records = 0 (the default)"; }
run_np 2 sensors "$D/five.ini" >"$D/five.log" 2>&1 || { cat "$D/five.log"; fail "regia sensors, batch_records = 5, 2 ranks"; }
# the store must give batches of mixed channel counts, else the grouping is not exercised
/usr/bin/python3 - "$D/one_detail.h5" <<'PY' || fail "the store gives no records with different usable channel counts"
import sys, h5py, numpy as np
u = h5py.File(sys.argv[1], "r")["record_channels_used"][()]
print("usable channels per record:", dict(zip(*[x.tolist() for x in np.unique(u, return_counts=True)])))
sys.exit(0 if len(np.unique(u[u > 0])) >= 2 else 1)
PY
for n in eight five auto; do
  same "$D/one.nc" "$D/$n.nc" || fail "the summary with $n differs from batch_records = 1"
  same "$D/one_detail.h5" "$D/${n}_detail.h5" || fail "the detail with $n differs from batch_records = 1"
done
echo "ok: summary and detail identical with batch_records 1, 8, 5 (2 ranks) and 0 (the default)"
