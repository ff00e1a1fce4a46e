#!/usr/bin/env bash
# gen env is deterministic; ingest env at 1, 2, 3 ranks gives identical data; rows add up;
# the file is CF-decodable (ncdump -h, xarray).
source "$(dirname "$0")/lib.sh"
D=$TMP/d; mkdir -p "$D/a" "$D/b"
run_np 1 gen env --stations 5 --years 1 --seed 11 --output-dir "$D/a" --end-date 2023-04-30
run_np 2 gen env --stations 5 --years 1 --seed 11 --output-dir "$D/b" --end-date 2023-04-30
for f in sensors.csv measurements.csv; do
  [[ $(sha256sum <"$D/a/$f") == $(sha256sum <"$D/b/$f") ]] || fail "gen not deterministic: $f"
done
head -1 "$D/a/sensors.csv" | grep -qx 'IdSensore,NomeTipoSensore,UnitaMisura,Idstazione,NomeStazione,Quota,Provincia,Comune,Storico,DataStart,DataStop,Utm_Nord,UTM_Est,lat,lng,Location' || fail "sensors header"
head -1 "$D/a/measurements.csv" | grep -qx 'IdSensore,Data,Valore,Stato,idOperatore' || fail "measurements header"
grep -q ',04/30/2023 11:00:00 PM,' "$D/a/measurements.csv" || fail "--end-date: last hour missing"
! grep -q ',05/01/2023 ' "$D/a/measurements.csv" || fail "--end-date: data after the end"
mkdir -p "$D/c"; run_np 1 gen env --stations 5 --years 1 --seed 12 --output-dir "$D/c" --end-date 2023-04-30
[[ $(sha256sum <"$D/a/measurements.csv") != $(sha256sum <"$D/c/measurements.csv") ]] || fail "seed has no effect"
echo "ok: gen deterministic"

# add some bad rows to a second data file
{ echo 'IdSensore,Data,Valore,Stato,idOperatore'
  echo '5502,01/01/2023 01:00:00 AM,12.5,VA,1'     # duplicate of a row of file 1
  echo '99999,01/01/2023 01:00:00 AM,12.5,VA,1'    # unknown sensor
  echo '5502,13/45/2023 01:00:00 AM,12.5,VA,1'     # bad date
  echo '5502,01/02/2023 01:00:00 AM,abc,VA,1'      # garbage number
  echo '5502,01/02/2023 02:00:00 AM,-5,VA,1'       # negative
  echo '5502,01/02/2023 03:00:00 AM,9000,VA,1'     # too large
  echo '5502,01/02/2023 04:00:00 AM,12.5,VA'       # field count
} >"$D/extra.csv"
data_vars=no2,o3,pm10,pm2p5,no2_qc,o3_qc,pm10_qc,pm2p5_qc,time,day,station_id,lat,lon,alt,station_name
for np in 1 2 3; do
  run_np $np ingest env --registry "$D/a/sensors.csv" --data "$D/a/measurements.csv" --data "$D/extra.csv" \
    --output "$D/out$np.nc" 2>"$D/log$np" || { cat "$D/log$np"; fail "ingest np=$np"; }
  [[ -f $D/out$np.nc && ! -e $D/out$np.nc.tmp ]] || fail "np=$np: output missing or .tmp left"
  ncdump -v $data_vars "$D/out$np.nc" | sed -n '/^data:/,$p' >"$D/data$np.txt"
done
cmp -s "$D/data1.txt" "$D/data2.txt" || fail "np=1 and np=2 data differ"
cmp -s "$D/data1.txt" "$D/data3.txt" || fail "np=1 and np=3 data differ"
cmp -s "$D/out1.rejects.csv" "$D/out2.rejects.csv" && cmp -s "$D/out1.rejects.csv" "$D/out3.rejects.csv" || fail "rejects differ across ranks"
grep -q '"extra.csv",4,bad date,' <(sed "s|$D/||" "$D/out3.rejects.csv") && grep -q '"extra.csv",2,duplicate timestamp,"5502,' <(sed "s|$D/||" "$D/out3.rejects.csv") || { cat "$D/out3.rejects.csv"; fail "reject line numbers"; }
echo "ok: identical data and rejects at 1, 2, 3 ranks"
# gen --order time: the same rows by time stamp; ingested, the same data
mkdir -p "$D/t"; run_np 1 gen env --stations 5 --years 1 --seed 11 --output-dir "$D/t" --end-date 2023-04-30 --order time
cmp -s "$D/a/sensors.csv" "$D/t/sensors.csv" || fail "--order time: registry differs"
[[ $(sort "$D/a/measurements.csv" | sha256sum) == $(sort "$D/t/measurements.csv" | sha256sum) ]] || fail "--order time: not the same rows"
[[ $(sed -n 3p "$D/t/measurements.csv") == 5501,01/01/2023\ 12:00:00\ AM,* ]] || fail "--order time: not by time"
run_np 2 ingest env --registry "$D/t/sensors.csv" --data "$D/t/measurements.csv" --data "$D/extra.csv" --output "$D/t.nc" 2>/dev/null
ncdump -v $data_vars "$D/t.nc" | sed -n '/^data:/,$p' | cmp -s - "$D/data1.txt" || fail "rows by time: data differ"
echo "ok: gen --order time, same ingested data"
grep -Eq 'rows read ([0-9]+) = kept [0-9]+ \+ rejected 7' "$D/log1" || { cat "$D/log1"; fail "row accounting"; }
rej=$D/out1.rejects.csv
[[ $(wc -l <"$rej") == 8 ]] || { cat "$rej"; fail "expected 7 rejects"; }
for r in 'duplicate timestamp' 'unknown sensor' 'bad date' 'unparseable number' 'negative' '> 5000' 'wrong field count'; do
  grep -q -- "$r" "$rej" || fail "rejects lack '$r'"
done
ncdump -h "$D/out1.nc" >"$D/h.txt" || fail "ncdump -h"
for a in 'Conventions = "CF-1.10, ACDD-1.3"' 'featureType = "timeSeries"' 'regia_rows_read' 'cf_role = "timeseries_id"' \
         'no2:_FillValue = NaNf' 'pm10_qc:flag_meanings = "valid not_validated"' 'input_data_2'; do
  grep -qF -- "$a" "$D/h.txt" || fail "header lacks $a"
done
/usr/bin/python3 - "$D/out1.nc" <<'PY' || fail "python check"
import sys, numpy as np
try:
    import xarray as xr
except ImportError:
    print("xarray missing; skipped"); sys.exit(0)
d = xr.open_dataset(sys.argv[1])
assert np.issubdtype(d.time.dtype, np.datetime64), d.time.dtype
assert str(d.time.values[0])[:16] == "2022-12-31T23:00", d.time.values[0]
assert str(d.day.values[0])[:10] == "2023-01-01"
a = d.attrs
assert int(a["regia_rows_read"]) == int(a["regia_rows_kept"]) + int(a["regia_rows_rejected"])
n = int(np.isfinite(d.no2).sum() + np.isfinite(d.o3).sum() + np.isfinite(d.pm10).sum() + np.isfinite(d.pm2p5).sum())
assert 0 < n <= int(a["regia_rows_kept"])
assert float(d.pm10.max()) > 50 and 44.7 < float(d.lat.min()) and float(d.lat.max()) < 46.6
print("ok: xarray decodes time", d.time.values[0], "and", n, "values")
PY
