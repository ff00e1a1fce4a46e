#!/usr/bin/env bash
# make demo: the environmental and the waiting-list jobs end to end on generated demo data.
#   1. regia gen env     -> demo-out/data/{sensors,measurements}.csv (ARPA Lombardia layout)
#   2. regia ingest env  -> demo-out/lombardia.nc   (analysis-ready CF timeSeries, 2 ranks;
#                           --synthetic: its title and source say the data are synthetic)
#   3. regia env         -> demo-out/env_forecast.nc (forecasts + EU-limit risk, 2 ranks)
#   4. regia gen waitlist    -> demo-out/waitlist-data/{bookings,districts,agendas}.csv (synthetic;
#                               6 of the PNGLA services, so that the demo takes a few minutes)
#   5. a pseudonym key       -> demo-out/wl.key (openssl rand -hex 32, mode 600)
#   6. regia ingest waitlist -> demo-out/bookings.nc (pseudonymised bookings, 2 ranks)
#   7. regia waitlist        -> demo-out/waitlist.nc (PNGLA compliance, demand, queue risk,
#                               capacity; jobs/waitlist_demo.ini, 2 ranks)
#   8. regia gen sensors     -> demo-out/sensor-store/*.h5 (4 synthetic structures, 2 damaged)
#   9. regia sensors         -> demo-out/sensors.nc + sensors_detail.h5 (modes, tracking,
#                               novelty alerts, GEV; jobs/sensors_demo.ini, 2 ranks)
#  10. regia publish         -> demo-out/catalog/ (the three outputs with their products,
#                               per-region extracts, SHA256SUMS, STAC 1.1 JSON, index.html)
# Environment: NP (ranks, default 2), REGIA (binary).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${REGIA:=$root/build/regia}" "${NP:=2}"
out=$root/demo-out
mkdir -p "$out"
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} REGIA_PROGRESS_INTERVAL=${REGIA_PROGRESS_INTERVAL:-5}
mpi=(mpirun -np "$NP" --oversubscribe)

echo "== 1/10 generating demo data (8 stations, 2023-01-01 .. 2024-09-30)"
"$REGIA" gen env --stations 8 --years 2 --seed 2024 --end-date 2024-09-30 --output-dir "$out/data"
echo "== 2/10 ingesting on $NP ranks"
"${mpi[@]}" "$REGIA" ingest env --registry "$out/data/sensors.csv" --data "$out/data/measurements.csv" \
    --synthetic --output "$out/lombardia.nc"
echo "== 3/10 environmental job on $NP ranks (jobs/demo_env.ini)"
"${mpi[@]}" "$REGIA" env "$root/jobs/demo_env.ini"
echo "== 4/10 generating a synthetic region's bookings (3 districts, 6 services, 2024-07-01 .. 2025-06-30)"
# cardiology, neurology and eye visits; mammography, chest CT, colonoscopy (rows of the shipped table)
awk -F, 'NR == 1 || $3 == "89.7A.3" || $2 == "89.13" || $2 == "95.02" || $2 == "87.37.1" || $2 == "87.41" ||
         $2 == "45.23"' "$root/data/waitlist/pngla_services.csv" >"$out/waitlist-services.csv"
"$REGIA" gen waitlist --districts 3 --years 1 --seed 2025 --end-date 2025-06-30 \
    --services "$out/waitlist-services.csv" --output-dir "$out/waitlist-data"
echo "== 5/10 a pseudonym key (kept apart from the data in real use; never in an output or log)"
command -v openssl >/dev/null || { echo "demo: openssl not found (it makes the pseudonym key)" >&2; exit 1; }
rm -f "$out/wl.key"
(umask 077; openssl rand -hex 32 >"$out/wl.key")
chmod 600 "$out/wl.key"
echo "== 6/10 ingesting the bookings on $NP ranks (HMAC-SHA-256 pseudonyms)"
"${mpi[@]}" "$REGIA" ingest waitlist --data "$out/waitlist-data/bookings.csv" --key-file "$out/wl.key" \
    --districts "$out/waitlist-data/districts.csv" --services "$out/waitlist-services.csv" --run-date 2025-07-01 \
    --synthetic --output "$out/bookings.nc"
echo "== 7/10 waiting-list analysis on $NP ranks (jobs/waitlist_demo.ini)"
"${mpi[@]}" "$REGIA" waitlist "$root/jobs/waitlist_demo.ini"
echo "== 8/10 generating a synthetic sensor store (2 bridges, 2 buildings, 21 days of 5-minute records every 4 h at 50 Hz)"
rm -rf "$out/sensor-store"
"${mpi[@]}" "$REGIA" gen sensors --structures 4 --days 21 --rate 50 --record-minutes 5 --interval-minutes 240 \
    --sensors 3 --seed 2026 --output-dir "$out/sensor-store"
echo "== 9/10 structural monitoring on $NP ranks (jobs/sensors_demo.ini)"
"${mpi[@]}" "$REGIA" sensors "$root/jobs/sensors_demo.ini"
echo "== 10/10 publishing the outputs into demo-out/catalog (open demo-out/catalog/index.html)"
rm -rf "$out/catalog"   # a fresh demo catalog (publishing into an existing one adds the runs)
"$REGIA" publish --catalog "$out/catalog" --title "regia demo results (synthetic data)" \
    "$out/env_forecast.nc" "$out/waitlist.nc" "$out/sensors.nc"
echo
echo "Outputs:"
ls -l "$out"/*.nc "$out"/*.h5 "$out"/*.json "$out"/*.csv 2>/dev/null | sed 's/^/  /'
echo "Browse:        demo-out/catalog/index.html (STAC: demo-out/catalog/catalog.json)"
echo "Inspect with:  ncdump -h demo-out/env_forecast.nc; ncdump -h demo-out/waitlist.nc; ncdump -h demo-out/sensors.nc"
echo "               /usr/bin/python3 -c \"import xarray as xr; print(xr.open_dataset('demo-out/env_forecast.nc'))\""
echo "               /usr/bin/python3 -c \"import xarray as xr; print(xr.open_dataset('demo-out/waitlist.monthly.nc').share_ex_ante_month.set_xindex('service_code').sel(service_code='89.7/08'))\""
echo "               cdo sinfo demo-out/waitlist.nc; cdo sinfo demo-out/waitlist.monthly.nc   (the month tables)"
