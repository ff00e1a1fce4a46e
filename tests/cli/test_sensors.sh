#!/usr/bin/env bash
# regia sensors end to end on a small store written without regia (tests/cli/sensors_fixture.py:
# structure S1 undamaged, S2 with a 4 % frequency drop from the start of day 5): at 2 ranks
# the summary, the detail and the manifest are written; S2 turns red on day 5 or 6 and never
# before, S1 is never red; the three modes are tracked at their frequencies; h5py reads the
# detail (spectra, poles, modes, tracks, the alert reasons) and its rows agree with the
# summary; the summary's alert_reason (day, structure, reason_strlen) has a sentence for
# every structure and day, beginning with that day's level (none / not scored without
# one), the same as the detail's; `cdo sinfo` reads the summary without a warning (CDO
# skips alert_reason: cdi = "ignore") and `cdo showname` lists its variables; xarray
# selects a structure by name and reads its reasons; the summary passes the
# CF-1.10/ACDD-1.3 checker (when installed; skipped otherwise, see cf_check).
# records_scored (day, structure) equals the detail's finite `novelty` per structure and
# day, at most records_analysed, and with records_left_out gives the count the alert's
# sentence says was left out; the detail has the summary's provenance (regia version and
# git revision, history, date_created, job file and SHA-256 (= sha256 of s.ini), store
# SHA-256, ranks, backend, ACDD creator and licence) and a title, summary and id of its own.
source "$(dirname "$0")/lib.sh"
D=$TMP
/usr/bin/python3 -c 'import netCDF4, h5py, scipy' 2>/dev/null || skip "/usr/bin/python3 lacks netCDF4, h5py or scipy"
/usr/bin/python3 "$REGIA_ROOT/tests/cli/sensors_fixture.py" "$D/store.h5" 7 8 120
cat >"$D/s.ini" <<'INI'
[job]
domain = sensors
output = s.nc
chunk = 8
[input]
store = store.h5
[records]
length = 120
[welch]
nperseg = 512
[ssi]
orders = 2:30:2
fmax = 12
[novelty]
model = linear
training_days = 4
lags = 1
[alerts]
yellow_records = 2
red_records = 4
[risk]
return_periods = 10, 100
INI
run_np 2 sensors "$D/s.ini" >"$D/s.log" 2>&1 || { cat "$D/s.log"; fail "regia sensors at 2 ranks"; }
for f in s.nc s_detail.h5 s.manifest.json; do [[ -s $D/$f ]] || fail "$f not written"; done
grep -q '"detail"' "$D/s.manifest.json" || fail "the manifest does not list the detail"
/usr/bin/python3 - "$D" <<'PY' || fail "summary or detail content"
import sys, numpy as np, netCDF4, h5py
d = sys.argv[1]
s = netCDF4.Dataset(d + "/s.nc")
names = [str(x) for x in s["structure_name"][:]]  # _Encoding utf-8: strings
assert names == ["S1", "S2"], names
assert s["alert_level"].dimensions == ("day", "structure"), s["alert_level"].dimensions
lv = s["alert_level"][:].filled(-1).T  # (day, structure) in the file
assert s["alert_level"].flag_meanings == "green yellow red"
assert (lv[0] != 2).all(), "S1 (undamaged) red: %s" % lv[0]
assert (lv[1, :5] != 2).all(), "S2 red before its damage: %s" % lv[1]
red = np.where(lv[1] == 2)[0]
assert red.size and red[0] <= 6, "S2 not red on day 5 or 6: %s" % lv[1]
cond = s["alert_condition"][:].T
assert s["alert_condition"].flag_meanings.split()[4] == "persistent_exceedances"
assert cond[1, red[0]] & 2, cond[1]  # records_above_threshold on a red day
f = s["track_frequency"][:].T
for i in range(2):
    got = sorted(x for x in f[i] if np.isfinite(x))
    assert len(got) == 3 and all(abs(a - b) / b < 0.05 for a, b in zip(got, [2.0, 2.6, 6.1])), got
rl, lo, hi = s["return_level"][:].T, s["return_level_lower"][:].T, s["return_level_upper"][:].T
assert np.all(np.isfinite(rl)) and np.all(lo <= rl) and np.all(rl <= hi) and np.all(rl[:, 1] >= rl[:, 0])
h = h5py.File(d + "/s_detail.h5", "r")
reason = h["alert_reason"][1, red[0]].tobytes().decode().rstrip("\0")
assert reason.startswith("red"), reason
n = h["record_structure"].shape[0]
assert n == 2 * 7 * 8, n
assert h["psd"].shape == (n, 6, 257) and h["pole_frequency"].shape[0] == n
st = h["record_status"][:]
assert (st == 0).sum() >= n - 4, np.bincount(st)
mf, num = h["mode_frequency"][:], h["mode_number"][:]
assert ((num > 0).sum(axis=1) >= 2).mean() > 0.9
# the PSD of channel A2/x peaks near the first mode
fr = h["spectrum_frequency"][0]
psd = h["psd"][:, 3]
r = int(np.where(np.isfinite(psd).all(axis=1))[0][0])
k = int(np.argmax(psd[r])); assert abs(fr[k] - 2.0) < 0.3, fr[k]
nov = h["novelty"][:]; thr = h["novelty_threshold"][:]
assert np.isfinite(thr).all() and np.nanmax(nov[h["record_structure"][:] == 1]) > thr[1]
# the reasons in words: in the summary, per day and structure, equal to the detail's
ar = s["alert_reason"]
assert ar.dimensions == ("day", "structure", "reason_strlen"), ar.dimensions
assert ar.getncattr("_Encoding") == "utf-8" and ar.cdi == "ignore" and ar.long_name
assert "alert_reason" in s["alert_level"].ancillary_variables.split()
why = np.moveaxis(ar[:], -1, 0)  # (structure, day) strings
assert why.shape == lv.shape, (why.shape, lv.shape)
names_lv = {0: "green", 1: "yellow", 2: "red"}
for i in range(2):
    for k in range(lv.shape[1]):
        w = str(why[i, k])
        assert w.strip() == w and w, f"S{i + 1} day {k}: empty or padded reason {w!r}"
        want = names_lv[lv[i, k]] if lv[i, k] >= 0 else ("none", "not scored")
        assert w.startswith(want), f"S{i + 1} day {k}: level {lv[i, k]}, reason {w!r}"
        dw = h["alert_reason"][i, k].tobytes().decode().rstrip("\0")
        assert w == dw, f"S{i + 1} day {k}: summary {w!r} != detail {dw!r}"
assert str(why[1, red[0]]) == reason and "records whose frequencies fell (of " in reason, reason
print("alert_reason: %d sentences, S2 day %d: %s" % (why.size, red[0], why[1, red[0]]))
# records_scored (day, structure): the day's records with a novelty score, = the finite
# `novelty` of the detail's records of that structure and day; the sentence's "N records
# left out (quality flags or no data)" = left out, its "M not scored (...)" = analysed - scored
sc, an, lo = (s[k] for k in ("records_scored", "records_analysed", "records_left_out"))
assert sc.dimensions == ("day", "structure") and sc.dtype == np.int32, (sc.dimensions, sc.dtype)
for a in ("units", "coverage_content_type", "coordinates"):
    assert sc.getncattr(a) == an.getncattr(a), (a, sc.getncattr(a), an.getncattr(a))
assert sc.long_name
sc, an, lo = sc[:].T, an[:].T, lo[:].T  # (structure, day)
assert (sc >= 0).all() and (sc <= an).all(), (sc, an)
rs, rday = h["record_structure"][:], (h["record_time"][:] // 86400).astype(int)
day0 = int(s["day"][0])
want = np.zeros_like(sc)
for r in np.where(np.isfinite(nov))[0]:
    want[rs[r], rday[r] - day0] += 1
assert (sc == want).all(), f"records_scored {sc.tolist()} != finite novelty per structure and day {want.tolist()}"
assert want.sum() > 0 and (sc < an).any(), "no record left unscored: the test does not tell scored from analysed"
import re
for i in range(2):
    for k in range(lv.shape[1]):
        w = str(why[i, k])
        if not w.startswith(("green", "yellow", "red")): continue
        m = re.search(r"; (\d+) records? left out \(quality flags or no data\)", w)
        n = int(m.group(1)) if m else 0
        m = re.search(r"; (\d+) not scored \(((\d+) [a-z ]+)(, (\d+) [a-z ]+)*\)", w)
        u = int(m.group(1)) if m else 0
        if m:  # the parts add up
            parts = re.findall(r"(\d+) (?:without|with) [a-z ]+", w[m.start(2):m.end()])
            assert sum(map(int, parts)) == u, (w, parts)
        assert n == lo[i, k] and u == an[i, k] - sc[i, k], f"S{i + 1} day {k}: {w!r} vs analysed {an[i, k]}, " \
            f"left out {lo[i, k]}, scored {sc[i, k]}"
        m = re.search(r"^(?:green|yellow|red): \d+ of (\d+) scored records", w)
        if m: assert int(m.group(1)) == sc[i, k], (w, sc[i, k])
print("records_scored: %d of %d analysed records scored" % (sc.sum(), an.sum()))
# the detail's provenance: the summary's (same run), its own title, summary and id
import hashlib
g, G = {k: s.getncattr(k) for k in s.ncattrs()}, dict(h.attrs)
G = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in G.items()}
for k in ("Conventions", "regia_version", "regia_git_rev", "regia_domain", "history", "date_created",
          "date_modified", "job_file", "job_sha256", "input_file", "input_sha256", "ranks", "backend", "blas",
          "product_version", "naming_authority", "license", "creator_name", "institution", "source",
          "time_coverage_start", "time_coverage_end", "synthetic", "record_length_s"):
    assert k in G, f"the detail lacks the global attribute {k}"
    assert np.array_equal(np.atleast_1d(G[k]), np.atleast_1d(g[k])), f"{k}: detail {G[k]!r} != summary {g[k]!r}"
assert g["synthetic"] == "yes", f"the fixture store says synthetic, the summary says {g['synthetic']!r}"
assert g["job_sha256"] == hashlib.sha256(open(d + "/s.ini", "rb").read()).hexdigest(), g["job_sha256"]
assert G["job_file"] == "s.ini" and g["detail_file"] == "s_detail.h5" and G["summary_file"] == "s.nc"
assert G["id"] == g["id"] + "_detail", (G["id"], g["id"])
for k in ("title", "summary", "comment", "processing_level"):
    assert G[k] and G[k] != g[k], f"{k}: the detail's is the summary's: {G[k]!r}"
for k in ("featureType", "cdm_data_type", "time_coverage_resolution"):  # no DSG; rows are records, not days
    assert k not in G, f"the detail has {k} = {G[k]!r}"
print("detail provenance: %s, job_sha256 %s..." % (G["history"], G["job_sha256"][:12]))
PY
echo "ok: regia sensors at 2 ranks: S2 red from day $(/usr/bin/python3 -c "
import netCDF4, numpy as np; l = netCDF4.Dataset('$D/s.nc')['alert_level'][:].filled(-1).T; print(int(np.where(l[1] == 2)[0][0]))"), S1 never red, 3 modes tracked, detail readable by h5py"
command -v cdo >/dev/null || fail "cdo not found: install the test packages (scripts/install-deps.sh test)"
cdo sinfo "$D/s.nc" >"$D/cdo.txt" 2>&1 || { cat "$D/cdo.txt"; fail "cdo sinfo cannot read the summary"; }
if grep -i warn "$D/cdo.txt"; then fail "cdo sinfo warns on the summary (above)"; fi
cdo -s showname "$D/s.nc" >"$D/names.txt" 2>&1 || fail "cdo showname"
for v in rms_acceleration novelty_score alert_level alert_condition modal_frequency track_frequency \
         novelty_threshold return_level; do
  grep -qw "$v" "$D/names.txt" || fail "cdo showname does not list $v: $(cat "$D/names.txt")"
done
echo "ok: cdo sinfo reads the summary without a warning; cdo showname lists its variables"
/usr/bin/python3 - "$D/s.nc" <<'PY' || fail "xarray cannot select a structure by name"
import sys, xarray as xr
d = xr.open_dataset(sys.argv[1]).set_xindex("structure_name")
s2 = d.sel(structure_name="S2")
assert str(d.structure_kind.sel(structure_name="S2").values) != "" and s2.alert_level.dims == ("day",)
assert (s2.alert_level == 2).any() and s2.modal_frequency.dims == ("day", "mode")
assert s2.alert_reason.dims == ("day",) and str(s2.alert_reason[s2.alert_level == 2][0].values).startswith("red: ")
print("ok: xarray: S2 red on", str(s2.day[s2.alert_level == 2][0].values)[:10])
PY
cf_check "$D/s.nc" sensors || fail "the summary fails the CF/ACDD checker"
echo "ok: the summary passes cf:1.10 and acdd:1.3"
# the detail claims CF-1.10 and ACDD-1.3 too; it is HDF5 named .h5 (docs/sensors-run.md),
# and the checker's only objection to that name is its section 2.1 (".nc"): check a copy
cp "$D/s_detail.h5" "$D/s_detail_as.nc"
cf_check "$D/s_detail_as.nc" sensors_detail || fail "the detail fails the CF/ACDD checker"
echo "ok: the detail passes cf:1.10 and acdd:1.3"
