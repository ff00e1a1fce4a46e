#!/usr/bin/env bash
# regia sensors gives the same data at 1, 2 and 3 ranks: every data variable of the summary
# and of the detail is identical (the records are shared among the ranks, the per-structure
# analysis runs on the gathered results in time order).  Then a run stopped by SIGUSR1 at 2
# ranks (exit status 3, nothing under the output's names) resumes at 3 ranks, restores the
# saved records instead of recomputing them, and writes the same data; the checkpoint
# directory is gone afterwards.  The store's SHA-256 (input_sha256 of the summary, the
# manifest's inputs) is the same at every rank count, for the one-file store and for a
# directory of 3 files (each hashed by one rank, drivers/sensors_index.c hash_store), and is
# the SHA-256 of the files' "PATH SHA" lines computed here with sha256sum; a failure to hash
# the file of rank 2 stops all 3 ranks with exit status 1 and an error naming that file.
# Store: tests/cli/sensors_fixture.py.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, h5py, scipy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4, h5py or scipy"
/usr/bin/python3 "$REGIA_ROOT/tests/cli/sensors_fixture.py" "$D/store.h5" 6 6 120
job() {
  printf '[job]\ndomain = sensors\noutput = %s.nc\nchunk = %s\ncheckpoint_interval = %s\n[input]\nstore = store.h5\n' "$1" "$2" "$3"
  printf '[records]\nlength = 120\n[welch]\nnperseg = 512\n[ssi]\norders = 2:24:2\nfmax = 12\n[novelty]\nmodel = linear\n'
  printf 'training_days = 3\n[alerts]\nyellow_records = 2\nred_records = 4\n'
} 
same() { h5_same "$@"; }   # tests/cli/lib.sh
for n in 1 2 3; do
  job r$n 8 300 >"$D/r$n.ini"
  run_np $n sensors "$D/r$n.ini" >"$D/r$n.log" 2>&1 || { cat "$D/r$n.log"; fail "regia sensors at $n ranks"; }
done
for n in 2 3; do
  same "$D/r1.nc" "$D/r$n.nc" || fail "the summary at $n ranks differs from 1 rank"
  same "$D/r1_detail.h5" "$D/r${n}_detail.h5" || fail "the detail at $n ranks differs from 1 rank"
done
echo "ok: summary and detail identical at 1, 2 and 3 ranks"
# provenance: input_sha256 of the summary and the manifest's inputs (role, path, sha256)
prov() {
  /usr/bin/python3 - "$1.nc" "$1.manifest.json" <<'PY'
import sys, json, netCDF4
nc = netCDF4.Dataset(sys.argv[1])
print("input_sha256", nc.getncattr("input_sha256"))
for i in json.load(open(sys.argv[2]))["inputs"]:
    print(i["role"], i["path"], i["sha256"])
PY
}
want=$(sha256sum <"$D/store.h5" | cut -c1-64)
for n in 1 2 3; do
  prov "$D/r$n" >"$D/prov$n.txt" || fail "no provenance at $n ranks"
  grep -qx "input_sha256 $want" "$D/prov$n.txt" || { cat "$D/prov$n.txt"; fail "input_sha256 at $n ranks is not the store's SHA-256 $want"; }
  cmp -s "$D/prov1.txt" "$D/prov$n.txt" || { diff "$D/prov1.txt" "$D/prov$n.txt"; fail "provenance at $n ranks differs from 1 rank"; }
done
# a store of 3 files (S1, S2 and S3, a copy of S1 under another name), copied with netCDF4
mkdir "$D/ms"
/usr/bin/python3 - "$D/store.h5" "$D/ms" <<'PY' || fail "splitting the store"
import sys, netCDF4
a = netCDF4.Dataset(sys.argv[1])
def copy(g, h):
    h.setncatts({k: g.getncattr(k) for k in g.ncattrs()})
    for d in g.dimensions.values(): h.createDimension(d.name, len(d))
    for v in g.variables.values():
        w = h.createVariable(v.name, v.dtype, v.dimensions, zlib=True, complevel=1, shuffle=True)
        w.setncatts({k: v.getncattr(k) for k in v.ncattrs()}); w[:] = v[:]
    for s in g.groups.values(): copy(s, h.createGroup(s.name))
for name, src, fn in (("S1", "S1", "a.h5"), ("S2", "S2", "b.h5"), ("S3", "S1", "c.h5")):
    b = netCDF4.Dataset("%s/%s" % (sys.argv[2], fn), "w", format="NETCDF4")
    b.setncatts({k: a.getncattr(k) for k in a.ncattrs()})
    copy(a.groups[src], b.createGroup(name)); b.close()
PY
# the lines name the files as regia opens them: the store path resolved against the job
# file's directory ($D), then /FILE
want=$(for f in a b c; do echo "$D/ms/$f.h5 $(sha256sum <"$D/ms/$f.h5" | cut -c1-64)"; done | sha256sum | cut -c1-64)
for n in 1 2 3; do
  job m$n 8 300 | sed 's|^store = store.h5|store = ms|; s|^training_days = 3|training_days = 2|' >"$D/m$n.ini"
  run_np $n sensors "$D/m$n.ini" >"$D/m$n.log" 2>&1 || { cat "$D/m$n.log"; fail "regia sensors on 3 files at $n ranks"; }
  prov "$D/m$n" >"$D/mprov$n.txt" || fail "no provenance (3 files) at $n ranks"
  grep -qx "input_sha256 $want" "$D/mprov$n.txt" || { cat "$D/mprov$n.txt"; fail "input_sha256 (3 files) at $n ranks is not $want"; }
  for f in a b c; do
    grep -qx "sensor store file $f.h5 $(sha256sum <"$D/ms/$f.h5" | cut -c1-64)" "$D/mprov$n.txt" ||
      { cat "$D/mprov$n.txt"; fail "the manifest at $n ranks lacks the SHA-256 of $f.h5"; }
  done
  cmp -s "$D/mprov1.txt" "$D/mprov$n.txt" || { diff "$D/mprov1.txt" "$D/mprov$n.txt"; fail "provenance (3 files) at $n ranks differs from 1 rank"; }
  same "$D/m1.nc" "$D/m$n.nc" || fail "the summary (3 files) at $n ranks differs from 1 rank"
done
rc=0
out=$(REGIA_FAULT=sensors_hash:2 timeout 120 mpirun -np 3 --oversubscribe "$REGIA" sensors "$D/m3.ini" 2>&1) || rc=$?
((rc == 1)) || { echo "$out"; fail "a failed hash on rank 2: exit status $rc, expected 1"; }
grep -q "ms/c.h5: fault injected at sensors_hash on rank 2" <<<"$out" || { echo "$out"; fail "the hash error does not name ms/c.h5"; }
echo "ok: store SHA-256 and file SHA-256 identical at 1, 2 and 3 ranks (1 file and 3 files); a hash failure on rank 2 names its file"
# checkpoint: a block of one record, saved after every block
job a 1 0.000001 >"$D/a.ini"
wait_file() { for _ in $(seq 1 2400); do compgen -G "$1" >/dev/null && return 0; sleep 0.05; done; return 1; }
mpirun -np 2 --oversubscribe "$REGIA" sensors "$D/a.ini" >"$D/a1.log" 2>&1 & pid=$!
wait_file "$D/a.ckpt/rank-1.ckpt" || { kill $pid; fail "no checkpoint"; }
kill -USR1 $pid; rc=0; wait $pid || rc=$?
((rc == 3)) || { cat "$D/a1.log"; fail "exit $rc after SIGUSR1, expected 3 (the run may have ended before the signal)"; }
[[ ! -e $D/a.nc && ! -e $D/a_detail.h5 && ! -e $D/a.manifest.json ]] || fail "a stopped run left an output"
run_np 3 sensors "$D/a.ini" >"$D/a2.log" 2>&1 || { cat "$D/a2.log"; fail "resumed at 3 ranks"; }
restored=$(grep -o '[0-9]* of [0-9]* records restored' "$D/a2.log" | awk '{s += $1} END {print s + 0}')
((restored > 0)) || { cat "$D/a2.log"; fail "nothing restored at 3 ranks"; }
same "$D/r1.nc" "$D/a.nc" || fail "the resumed summary differs from the uninterrupted one"
same "$D/r1_detail.h5" "$D/a_detail.h5" || fail "the resumed detail differs from the uninterrupted one"
[[ ! -e $D/a.ckpt ]] || fail "checkpoint left after completion"
echo "ok: stopped at 2 ranks, resumed at 3 ($restored of 72 records restored), identical summary and detail"
