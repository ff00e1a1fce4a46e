#!/usr/bin/env bash
# Provenance that is true (issue 12): outputs name their inputs and companion files by file
# name, never by an absolute machine path.  Runs regia gen sensors + sensors (a job file with
# absolute paths, the store given as DIR/), ingest sensors, evt and forecast with absolute
# input and output paths from another working directory, then fails if the header of any
# NetCDF output (ncdump -h), the attributes of any HDF5 output (h5dump -A, less its first
# line: the file opened), a manifest, a products CSV or the generated store's history holds
# the absolute work directory.
source "$(dirname "$0")/lib.sh"
command -v ncdump >/dev/null || skip "ncdump not found"
W=$(cd "$TMP" && pwd -P)/work
mkdir -p "$W"
cd /
"$REGIA" gen sensors --structures 2 --days 3 --rate 50 --record-minutes 2 --interval-minutes 240 --sensors 3 \
  --seed 5 --output-dir="$W/store/" -q || fail "regia gen sensors --output-dir=$W/store/"
cat >"$W/s.ini" <<INI
[job]
domain = sensors
output = $W/sensors.nc
detail = $W/sensors_detail.h5
[input]
store = $W/store/
[records]
length = 120
[welch]
nperseg = 512
[novelty]
training_days = 1
INI
"$REGIA" sensors "$W/s.ini" -q || fail "regia sensors $W/s.ini"
store=$(ls "$W"/store/*.h5 | head -1)
"$REGIA" ingest sensors --data "$store" --output "$W/isn.nc" -q || fail "regia ingest sensors --data $store"
"$REGIA" evt --input "$REGIA_ROOT/tests/reference/gev_series.csv" --output "$W/evt.nc" --block none \
  --return-periods 10,100 --units m -q || fail "regia evt"
"$REGIA" forecast --input "$REGIA_ROOT/examples/forecast_demo.csv" --season 7 --horizon 7 --output "$W/fc.nc" -q ||
  fail "regia forecast"
for f in sensors.nc isn.ingest.nc evt.nc fc.nc fc.model.nc sensors_detail.h5 sensors.manifest.json; do
  [[ -s $W/$f ]] || fail "$f not written"
done
bad=0
check() { # check LABEL < text: fails when the text names the work directory or the source tree
  local hits
  hits=$(grep -n -e "$W" -e "$REGIA_ROOT/" -e "$TMP")
  [[ -z $hits ]] || { echo "absolute path in $1:" >&2; echo "$hits" | head -5 >&2; return 1; }
}
for f in "$W"/*.nc; do ncdump -h "$f" | check "$(basename "$f") (ncdump -h)" || bad=1; done
# the detail file is NetCDF-4 (HDF5): its attributes through ncdump -h too, and h5dump -A when present
if command -v h5dump >/dev/null; then
  for f in "$W"/*.h5 "$W"/store/*.h5; do h5dump -A "$f" | tail -n +2 | check "$(basename "$f") (h5dump -A)" || bad=1; done
else
  echo "note: h5dump not found: the HDF5 attributes are checked through ncdump -h only"
  for f in "$W"/*.h5; do ncdump -h "$f" | check "$(basename "$f") (ncdump -h)" || bad=1; done
fi
for f in "$W"/*.manifest.json; do check "$(basename "$f")" <"$f" || bad=1; done
while IFS= read -r f; do check "${f#"$W"/}" <"$f" || bad=1; done < <(find "$W" -name '*.csv' -path '*products*')
grep -q '^[[:space:]]*:detail_file = "sensors_detail.h5"' <(ncdump -h "$W/sensors.nc") ||
  fail "sensors.nc: detail_file is not the detail's file name: $(ncdump -h "$W/sensors.nc" | grep detail_file)"
(( bad == 0 )) || fail "outputs hold absolute machine paths (issue 12: file names, not paths)"
echo "ok: no absolute path in the headers of $(ls "$W"/*.nc "$W"/*.h5 | wc -l) outputs, their manifests and products CSVs"
