#!/usr/bin/env bash
# make install: PREFIX/bin/regia finds the batch template and slurm/leonardo.env under
# PREFIX/share/regia, so an installed `regia submit --dry-run` writes the Booster and
# DCGP scripts, sourcing the installed environment file, and says what it would submit.
source "$(dirname "$0")/lib.sh"
P=$TMP/prefix
# install the binary already built ($REGIA, not remade: -o), as `make install` does
make -s -C "$REGIA_ROOT" -o "$REGIA" install PREFIX="$P" REGIA="$REGIA" DEPS=0 CUDA=0 >"$TMP/install.log" 2>&1 ||
  { cat "$TMP/install.log"; fail "make install PREFIX=$P"; }
for f in bin/regia share/regia/slurm/leonardo.env share/regia/slurm/templates/regia.sbatch.in share/regia/jobs/demo_env.ini; do
  [[ -f $P/$f ]] || fail "make install did not install $f"
done
D=$TMP/job; mkdir -p "$D"
printf '[job]\noutput = o.nc\n[input]\nfile = in.nc\n[slurm]\naccount = AIHUB_x\n[ingest]\nregistry = r.csv\ndata = a.csv\n' >"$D/j.ini"
# no REGIA_ROOT: the installed regia must find its own files, not the source tree's
out=$(cd "$D" && env -u REGIA_ROOT "$P/bin/regia" submit --dry-run j.ini 2>&1) || { echo "$out"; fail "installed regia submit"; }
grep -q "^would submit: 'sbatch' '--parsable' '$D/slurm-logs/j-ingest.sbatch'" <<<"$out" &&
  grep -q "^would submit: 'sbatch' '--parsable' '--dependency=afterok:<ID1>' '$D/slurm-logs/j-env.sbatch'" <<<"$out" &&
  grep -q 'dry run: nothing submitted' <<<"$out" || fail "dry run output: $out"
for s in env ingest; do
  grep -qF "source '$P/share/regia/slurm/leonardo.env' || exit 1" "$D/slurm-logs/j-$s.sbatch" ||
    fail "$s script does not source the installed leonardo.env: $(grep source "$D/slurm-logs/j-$s.sbatch")"
  grep -qF "srun --mpi=pmix '$P/bin/regia' " "$D/slurm-logs/j-$s.sbatch" || fail "$s script does not run the installed regia"
  bash -n "$D/slurm-logs/j-$s.sbatch" || fail "$s script is not valid bash"
done
echo "ok: make install PREFIX=$P; the installed regia submit --dry-run finds its template and leonardo.env"
# without them it says what is missing
rm "$P/share/regia/slurm/templates/regia.sbatch.in"
expect_fail "installed, template removed" "cannot read the batch template" env -u REGIA_ROOT "$P/bin/regia" submit --dry-run "$D/j.ini"
