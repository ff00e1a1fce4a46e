#!/usr/bin/env bash
# make demo: the environmental job end to end on embedded (generated) demo data.
#   1. regia gen env     -> demo-out/data/{sensors,measurements}.csv (ARPA Lombardia layout)
#   2. regia ingest env  -> demo-out/lombardia.nc   (analysis-ready CF timeSeries, 2 ranks)
#   3. regia env         -> demo-out/env_forecast.nc (forecasts + EU-limit risk, 2 ranks)
# Environment: NP (ranks, default 2), REGIA (binary).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${REGIA:=$root/build/regia}" "${NP:=2}"
out=$root/demo-out
mkdir -p "$out"
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} REGIA_PROGRESS_INTERVAL=${REGIA_PROGRESS_INTERVAL:-5}
mpi=(mpirun -np "$NP" --oversubscribe)

echo "== 1/3 generating demo data (8 stations, 2023-01-01 .. 2024-09-30)"
"$REGIA" gen env --stations 8 --years 2 --seed 2024 --end-date 2024-09-30 --output-dir "$out/data"
echo "== 2/3 ingesting on $NP ranks"
"${mpi[@]}" "$REGIA" ingest env --registry "$out/data/sensors.csv" --data "$out/data/measurements.csv" \
    --output "$out/lombardia.nc"
echo "== 3/3 environmental job on $NP ranks (jobs/demo_env.ini)"
"${mpi[@]}" "$REGIA" env "$root/jobs/demo_env.ini"
echo
echo "Outputs:"
ls -l "$out"/*.nc "$out"/*.json "$out"/*.csv 2>/dev/null | sed 's/^/  /'
echo "Inspect with:  ncdump -h demo-out/env_forecast.nc"
echo "               /usr/bin/python3 -c \"import xarray as xr; print(xr.open_dataset('demo-out/env_forecast.nc'))\""
