#!/usr/bin/env bash
# Install the STAC validator used by tests/cli/test_publish.sh, pinned, in a virtual
# environment under the build directory ($BUILD/stac-venv, default build/stac-venv):
# stac-validator 4.1.2 and pystac 1.14.1.  Idempotent.
#
# Why both: the STAC JSON schemas live at schemas.stacspec.org (and the extensions' at
# stac-extensions.github.io), which a batch or CI machine often cannot reach.  pystac's
# wheel ships the STAC 1.1.0 core schemas (catalog, collection, item and the item-spec
# fragments) and the GeoJSON ones, so the test points stac-validator at those copies with
# its --schema-config map (tests/cli/stac_check.py) and needs no network.  Only this
# install step needs PyPI.
#   scripts/install-stac-validator.sh           install (needs PyPI), or nothing when present
#   scripts/install-stac-validator.sh --check   exit 0 when installed, 1 otherwise
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=$root/build}"
venv=${REGIA_STAC_VENV:-$BUILD/stac-venv}
PY=${PYTHON:-python3}
pins=(stac-validator==4.1.2 pystac==1.14.1)
stamp=$venv/.regia-pins
want=$(printf '%s\n' "${pins[@]}")
if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
  [[ ${1:-} == --check ]] && exit 0
  echo "regia: stac-validator is installed in $venv"; exit 0
fi
[[ ${1:-} == --check ]] && exit 1
echo "regia: installing ${pins[*]} into $venv"
"$PY" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}"
printf '%s\n' "$want" >"$stamp"
