#!/usr/bin/env bash
# The sensor store's collective writer on 2 and 3 ranks: each trace written by one rank
# while the others take part with nothing, the truth by rank 0; the file reads back as
# the serial one does (tests/unit/test_sensor_store.c under mpirun).
source "$(dirname "$0")/lib.sh"
T=${BUILD:-$REGIA_ROOT/build}/tests/test_sensor_store
[[ -x $T ]] || skip "$T not built"
for n in 2 3; do
  mkdir -p "$TMP/$n"
  mpirun -np "$n" --oversubscribe "$T" "$TMP/$n" || fail "collective write on $n ranks"
  [[ -s $TMP/$n/par.nc ]] || fail "no file from $n ranks"
done
echo "ok: collective writes on 2 and 3 ranks read back"
