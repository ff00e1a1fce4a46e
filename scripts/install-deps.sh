#!/usr/bin/env bash
# Install the Debian packages regia needs.  As root it installs what is missing;
# otherwise it prints the exact command to run.  Usage:
#   scripts/install-deps.sh [build|test|bench|slurm|all]   (default: test)
set -euo pipefail
what=${1:-test}
build=(build-essential pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
       libnetcdf-mpi-dev libopenblas-dev librandom123-dev libssl-dev libglpk-dev
       libfftw3-dev liblapacke-dev libmseed-dev libplplot-dev plplot-driver-cairo
       fonts-dejavu-core libjansson-dev)
test=(netcdf-bin hdf5-tools cdo nco python3-xarray python3-netcdf4 python3-h5py python3-scipy python3-pip python3-venv
      r-base-core r-cran-evd gdal-bin chromium)
bench=(r-base-core r-cran-forecast r-cran-evd python3-statsmodels)
slurm=(slurm-wlm munge libpmix-dev)
case $what in
  build) pkgs=("${build[@]}") ;;
  test)  pkgs=("${build[@]}" "${test[@]}" "${slurm[@]}") ;;  # make check runs the SLURM tests too
  bench) pkgs=("${build[@]}" "${bench[@]}") ;;
  slurm) pkgs=("${build[@]}" "${slurm[@]}") ;;
  all)   pkgs=("${build[@]}" "${test[@]}" "${bench[@]}" "${slurm[@]}") ;;
  *) echo "usage: $0 [build|test|bench|slurm|all]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "regia: missing Debian packages: ${missing[*]}" >&2
  echo "regia: install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  echo "regia: (on Leonardo, load the modules instead: source slurm/leonardo.env)" >&2
  exit 1
fi
echo "regia: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/regia-update-stamp
if [[ ! -f $stamp ]] || [[ -n $(find "$stamp" -mmin +720 2>/dev/null) ]]; then
  apt-get update -qq
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
