#!/usr/bin/env bash
# Install the CF-1.10 compliance checker used by tests/cli/test_cf_compliance.sh:
# IOOS compliance-checker (PyPI), pinned, in a virtual environment under the build
# directory ($BUILD/cf-venv, default build/cf-venv).  Idempotent: does nothing when the
# pinned version is already there.
#
# Why this checker: compliance-checker 6.x has a cf:1.10 suite and ships the CF standard
# name table (v93) and, through the cf-units wheel, UDUNITS-2 and its unit database, so a
# check needs no network.  (The NCAS `cfchecker` on PyPI, 4.1.0, stops at CF-1.8 and
# downloads the standard-name, area-type and region tables at run time.)  Only this
# install step needs PyPI.
#
# As root it installs the Debian packages it needs (python3-venv, python3-pip) with apt-get,
# then pip-installs the checker.  As another user it prints the exact commands to run.
#   scripts/install-cf-checker.sh            install (root) or print the commands
#   scripts/install-cf-checker.sh --print    only print the commands
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=$root/build}"
venv=${REGIA_CF_VENV:-$BUILD/cf-venv}
PY=${PYTHON:-python3}
# The pinned checker, and cf-units, whose UDUNITS-2 database decides which units it accepts.
pins=(compliance-checker==6.1.0 cf-units==3.3.1)
want_version=6.1.0
debs=(python3-venv python3-pip)

has_cf110() { [[ $("$venv/bin/compliance-checker" -l 2>/dev/null) == *"cf:1.10"* ]]; }
installed_version() {
  [[ -x $venv/bin/python ]] || return 1
  "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("compliance-checker"))' 2>/dev/null
}
if [[ ${1:-} != --print && $(installed_version || true) == "$want_version" ]] && has_cf110; then
  echo "regia: compliance-checker $want_version is installed in $venv"
  exit 0
fi

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
fi
pip_cmd="$venv/bin/pip install --disable-pip-version-check -q ${pins[*]}"

if [[ ${1:-} == --print || $(id -u) -ne 0 ]]; then
  echo "regia: the CF checker (compliance-checker $want_version, in $venv) is installed with:" >&2
  ((${#missing[@]})) && echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  echo "  $PY -m venv $venv" >&2
  echo "  $pip_cmd" >&2
  echo "regia: (or run this script as root)" >&2
  exit 1
fi

if ((${#missing[@]})); then
  echo "regia: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  stamp=/var/lib/apt/periodic/regia-update-stamp
  if [[ ! -f $stamp ]] || [[ -n $(find "$stamp" -mmin +720 2>/dev/null) ]]; then
    apt-get update -qq
    mkdir -p "$(dirname "$stamp")" && touch "$stamp"
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "regia: compliance-checker $want_version needs Python >= 3.11; $PY is $("$PY" -V 2>&1)" >&2
  echo "regia: set PYTHON=/path/to/python3.11-or-newer and run again" >&2
  exit 1
}
if [[ ! -x $venv/bin/pip ]]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$PY" -m venv "$venv"
fi
echo "regia: installing ${pins[*]} into $venv"
PIP_NO_INPUT=1 $pip_cmd
got=$(installed_version || true)
[[ $got == "$want_version" ]] || { echo "regia: expected compliance-checker $want_version, got '${got}'" >&2; exit 1; }
has_cf110 || { echo "regia: the installed checker has no cf:1.10 suite" >&2; exit 1; }
echo "regia: compliance-checker $got installed in $venv ($venv/bin/compliance-checker)"
