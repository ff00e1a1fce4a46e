#!/usr/bin/env bash
# bench_ssi.sh - SSI per record: regia's covariance SSI with automatic modes
# (benchmarks/bench_ssi.c on regia_ssi_cov) against pyOMA-2 1.4.3 (SSIcov + its automatic
# clustering) and koma-python 1.3.6 (covssi + stable poles + HDBSCAN pole clustering) on the
# same records in one run, one core and one thread each, the modes checked to agree.
# Records: KOMA's shear frame (5 channels, 12 Hz, 1200 s; i = 50, orders 2..60 step 2,
# KOMA's unbiased window; reference: KOMA's published modes) when ../shared/data has it, and
# pyOMA2's example frame (example_data(): 5 channels, 100 Hz, 300 s; i = 50, orders 2..60
# step 2; reference: the frame's exact frequencies).  Writes benchmarks/results/ssi_<date>.md
# and .json (benchmarks/ssi_report.py).  Not part of make check.
#
#   benchmarks/bench_ssi.sh [BUILD]      (BUILD: build directory with benchmarks/bench_ssi)
#
# Environment: SSI_REGIA_REPS (20), SSI_PEER_REPS (3), SSI_RATIO (target, 50),
#   REGIA_PEER_VENV (build/peer-venv), KOMA_DATA (../shared/data/koma-shearframe),
#   RESULTS (the report's path without extension).
# Exit status: 0 modes agree and the target is met; 1 a failure or disagreement; 3 missed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BUILD:-build}}
BIN=$(cd "$ROOT" && realpath -m "$BUILD/benchmarks/bench_ssi")
VENV=${REGIA_PEER_VENV:-$ROOT/build/peer-venv}
KOMA_DATA=${KOMA_DATA:-$ROOT/../shared/data/koma-shearframe}
: "${SSI_REGIA_REPS:=20}" "${SSI_PEER_REPS:=3}" "${SSI_RATIO:=50}"
RESULTS=${RESULTS:-$ROOT/benchmarks/results/ssi_$(date +%Y-%m-%d)}
die() { echo "bench_ssi: $*" >&2; exit 1; }
[[ -x $BIN ]] || die "$BIN not built (make DEPS=0 BUILD=$BUILD $BUILD/benchmarks/bench_ssi)"
[[ -x $VENV/bin/python ]] || die "no peer venv at $VENV (scripts/install-peers.sh)"
"$VENV/bin/python" -c 'import pyoma2, koma.oma' 2>/dev/null || die "$VENV lacks pyoma2 or koma (scripts/install-peers.sh)"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
pin=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then pin=(taskset -c 0); fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$RESULTS")"

# case NAME RECORD.npy FS I OMIN OMAX STEP WINDOW REF STRICT REF_NAME DESC TOL (strict modes, relative)
cases=()
run_case() {
  local name=$1 npy=$2 fs=$3 i=$4 omin=$5 omax=$6 step=$7 win=$8 ref=$9 strict=${10} refname=${11} desc=${12} tol=${13}
  echo "== $name: regia ($SSI_REGIA_REPS records), pyOMA-2 and KOMA ($SSI_PEER_REPS records each)"
  local shape
  shape=$("$VENV/bin/python" -c "import numpy as np, sys; y = np.load(sys.argv[1]); y.astype('<f8').tofile(sys.argv[2]); print(*y.shape)" \
    "$npy" "$work/$name.f64") || die "$name: cannot read $npy"
  read -r n nch <<<"$shape"
  "${pin[@]}" "$BIN" "$work/$name.f64" "$n" "$nch" "$fs" "$i" "$omin" "$omax" "$step" "$win" "$SSI_REGIA_REPS" \
    >"$work/$name.regia.json" || die "$name: regia's run failed"
  "${pin[@]}" "$VENV/bin/python" "$ROOT/benchmarks/ssi_peers.py" "$npy" "$fs" "$i" "$omin" "$omax" "$step" \
    "$SSI_PEER_REPS" >"$work/$name.peers.json" || die "$name: the peers' run failed"
  /usr/bin/python3 - "$work/$name.json" "$work/$name.regia.json" "$work/$name.peers.json" "$name" "$ref" "$strict" \
    "$refname" "$desc" "$tol" <<'PY' || die "$name: assembling the case"
import json, sys
out, rg, pe, name, ref, strict, refname, desc, tol = sys.argv[1:10]
json.dump({"name": name, "desc": desc, "ref": [float(x) for x in ref.split(",")], "tol": float(tol),
           "strict": [int(x) for x in strict.split(",")], "ref_name": refname,
           "regia": json.load(open(rg)), "peers": json.load(open(pe))}, open(out, "w"))
PY
  cases+=("$work/$name.json")
}

if [[ -f $KOMA_DATA/data_shearframe.npy ]]; then
  kref=$(/usr/bin/python3 -c "import math; print(','.join('%.7f' % (w / 2 / math.pi) for w in (1.136442, 3.296780, 5.149427, 6.556154, 7.440604)))")
  run_case koma_shearframe "$KOMA_DATA/data_shearframe.npy" 12 50 2 60 2 unbiased "$kref" 1,2,3,4 \
    "KOMA's published modes" "KOMA's shear-frame record (koma-python examples/data: 5 channels, 12 Hz, 1200 s), i = 50, orders 2..60 step 2, regia's unbiased (KOMA) window." 0.002
else
  echo "note: $KOMA_DATA/data_shearframe.npy not found: KOMA's shear frame left out"
fi
"$VENV/bin/python" -c "import numpy as np, sys; from pyoma2.functions.gen import example_data; np.save(sys.argv[1], example_data()[0])" \
  "$work/pyoma2_frame.npy" || die "pyoma2 example_data failed"
run_case pyoma2_frame "$work/pyoma2_frame.npy" 100 50 2 60 2 fixed 0.889952,2.597758,4.095108,5.260697,6.000096 0,1,2,3,4 \
  "the frame's exact frequencies" "pyOMA2's example frame (pyoma2.functions.gen.example_data(): 5 storeys, 5 channels, 100 Hz, 300 s, 10 % noise), i = 50, orders 2..60 step 2, regia's fixed (pyOMA2) window." 0.003
/usr/bin/python3 "$ROOT/benchmarks/ssi_report.py" "$RESULTS.md" "$RESULTS.json" "$SSI_RATIO" "${cases[@]}"
