#!/usr/bin/env bash
# Install the peer tools that the waiting-list tests and benchmarks compare against, pinned,
# in one virtual environment under the build directory ($BUILD/peer-venv, default
# build/peer-venv): statsforecast 2.1.1 (the Croston family), Ciw (a priority-queue
# simulator), SciPy (linprog plays the attacker of disclosure control), pyOMA-2 and KOMA
# (operational modal analysis) and h5py (the sensor store).  Idempotent.
#   scripts/install-peers.sh            install (needs PyPI), or do nothing when present
#   scripts/install-peers.sh --check    exit 0 when installed, 1 otherwise (prints nothing)
# Tests that need a peer report themselves skipped (exit 77) when it is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=$root/build}"
venv=${REGIA_PEER_VENV:-$BUILD/peer-venv}
PY=${PYTHON:-python3}
pins=(statsforecast==2.1.1 ciw==3.2.7 scipy==1.14.1 numpy==2.1.3 pandas==2.2.3
      pyOMA-2==1.4.3 h5py==3.12.1)
# KOMA (knutankv/koma) without its plotting stack (pyvista, trame, plotly): its oma
# module needs only numpy and scipy.
nodeps=(koma-python==1.3.6)
stamp=$venv/.regia-pins
want=$(printf '%s\n' "${pins[@]}" "${nodeps[@]}")
if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
  [[ ${1:-} == --check ]] && exit 0
  echo "regia: peer tools are installed in $venv"; exit 0
fi
[[ ${1:-} == --check ]] && exit 1
echo "regia: installing ${pins[*]} into $venv"
"$PY" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}"
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps "${nodeps[@]}"
printf '%s\n' "$want" >"$stamp"
"$venv/bin/python" -c 'import statsforecast, ciw, scipy; print("regia: statsforecast", statsforecast.__version__, "ciw", ciw.__version__, "scipy", scipy.__version__)'
