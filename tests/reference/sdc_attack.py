#!/usr/bin/env python3
"""sdc_attack.py - the attacker of a `regia waitlist` output (sdcTable's attack.R, redone
with scipy.optimize.linprog / HiGHS): for every suppressed count, the least and greatest
value it can take over all non-negative tables that agree with every published count,
every sum of the cube and every published share; the output is protected iff each of
these intervals is at least sdc_protection_level wide.

Two steps, because the peer venv (scipy) has no netCDF4 and Debian's python (netCDF4)
has no scipy:

  /usr/bin/python3 sdc_attack.py dump OUT.nc CUBE.npz     read the output and its monthly
                                                           file OUT_STEM.monthly.nc (netCDF4)
  $VENV/bin/python sdc_attack.py attack CUBE.npz           the LPs (scipy), exit 1 if unsafe

The sums are rebuilt from the output's own coordinates, not from regia's code:
  class    the class named "all" = the sum of the other classes
  area     an area = the sum of the areas whose area_parent it is
  period   a month = the sum of the weeks whose week_month it is
  measure  requests = within + beyond + excluded
           requests = delivered_within + delivered_beyond + not_delivered
  shares   a published share_ex_ante s: 100 within = s (within + beyond); a published
           share_ex_post s: 100 delivered_within = s (delivered_within + delivered_beyond)
The attack also checks that every sum holds on the published counts (the sums were read
right), that no published count is 0 < n < k, and that no statistic of a cell whose
requests are suppressed is published.
"""
import json
import sys

import numpy as np

MEASURES = ["requests", "within", "beyond", "excluded", "delivered_within", "delivered_beyond", "not_delivered"]


def dump(path, out):
    """Read OUT.nc and its monthly file (the global attribute monthly_file, beside it) through
    tests/cli/waitlist_layout.py, back in the order (service, area, class, period, measure)."""
    import os

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
    from waitlist_layout import Output

    ds = Output(path)
    if ds.m is None:
        sys.exit("%s: its monthly file %s is missing: the month tables are published there" % (path, ds.monthly_path))
    arrays = {}
    for p in ("week", "month"):
        arrays["count_" + p] = np.asarray(ds.val("count_" + p), dtype=float)
        arrays["status_" + p] = np.asarray(ds.val("sdc_status_" + p, raw=True), dtype=np.int8)
        for v in ("share_ex_ante", "share_ex_post", "wait_median", "wait_p90"):
            arrays[v + "_" + p] = np.asarray(ds.val(v + "_" + p), dtype=float)
        arrays["light_" + p] = np.asarray(ds.val("light_" + p, raw=True), dtype=np.int8)
    arrays["area_parent"] = np.asarray(ds.val("area_parent", raw=True), dtype=np.int64)
    arrays["week_month"] = np.asarray(ds.val("week_month", raw=True), dtype=np.int64)
    a = ds.attrs
    meta = {
        "class_name": ds.text("class_name"),
        "measure_name": list(MEASURES),
        "service_code": ds.text("service_code"),
        "k": float(a["sdc_threshold_k"]),
        "protection": float(a["sdc_protection_level"]),
        "primary": int(a["sdc_primary_cells"]),
        "secondary": int(a["sdc_secondary_cells"]),
    }
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(out, **arrays)


def attack(npz_path, verbose=True):
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    z = np.load(npz_path)
    meta = json.loads(str(z["meta"]))
    k, prot = meta["k"], meta["protection"]
    cls, meas = meta["class_name"], meta["measure_name"]
    assert sorted(meas) == sorted(MEASURES), meas
    M = {m: meas.index(m) for m in MEASURES}
    ALL = cls.index("all")
    parts_cls = [i for i in range(len(cls)) if i != ALL]
    parent, week_month = z["area_parent"], z["week_month"]
    cw, cm = z["count_week"], z["count_month"]
    sw, sm = z["status_week"], z["status_month"]
    n_service, n_area, n_class, n_week, _ = cw.shape
    n_month = cm.shape[3]
    problems = []

    # --- no small count is published; statistics of suppressed requests are blank -----
    for p, c, s in (("week", cw, sw), ("month", cm, sm)):
        pub = ~np.isnan(c)
        small = pub & (c > 0) & (c < k)
        if small.any():
            problems.append("%d published %s counts below k = %g, e.g. %s" % (small.sum(), p, k, np.argwhere(small)[0]))
        if ((s != 0) & pub).any() or ((s == 0) & ~pub).any():
            problems.append("sdc_status_%s disagrees with the NaNs of count_%s" % (p, p))
        hidden = np.isnan(c[..., M["requests"]])
        for v in ("share_ex_ante", "share_ex_post", "wait_median", "wait_p90"):
            if (~np.isnan(z[v + "_" + p][hidden])).any():
                problems.append("%s_%s published where the requests are suppressed" % (v, p))
        if (z["light_" + p][hidden] >= 0).any():
            problems.append("light_%s published where the requests are suppressed" % p)

    n_lp = n_witness = n_cells = 0
    narrow = []
    for s in range(n_service):
        for mo in range(n_month):
            weeks = [t for t in range(n_week) if week_month[t] == mo]
            # cells of the block: (area, class, period, measure), period = weeks, then the month
            periods = weeks + ["M"]
            idx = {}
            val = []
            hid = []

            def cell(a, q, p, m):
                key = (a, q, p, m)
                if key not in idx:
                    idx[key] = len(val)
                    if p == "M":
                        val.append(cm[s, a, q, mo, m]); hid.append(sm[s, a, q, mo, m] != 0)
                    else:
                        val.append(cw[s, a, q, p, m]); hid.append(sw[s, a, q, p, m] != 0)
                return idx[key]

            rows = []  # each: list of (cell, coefficient); sum = 0
            for a in range(n_area):
                for p in periods:
                    for m in range(len(MEASURES)):
                        rows.append([(cell(a, ALL, p, m), 1.0)] + [(cell(a, q, p, m), -1.0) for q in parts_cls])
            for top in range(n_area):
                kids = [a for a in range(n_area) if parent[a] == top]
                if not kids:
                    continue
                for q in range(n_class):
                    for p in periods:
                        for m in range(len(MEASURES)):
                            rows.append([(cell(top, q, p, m), 1.0)] + [(cell(a, q, p, m), -1.0) for a in kids])
            if weeks:
                for a in range(n_area):
                    for q in range(n_class):
                        for m in range(len(MEASURES)):
                            rows.append([(cell(a, q, "M", m), 1.0)] + [(cell(a, q, t, m), -1.0) for t in weeks])
            for a in range(n_area):
                for q in range(n_class):
                    for p in periods:
                        r = cell(a, q, p, M["requests"])
                        rows.append([(r, 1.0)] + [(cell(a, q, p, M[x]), -1.0) for x in ("within", "beyond", "excluded")])
                        rows.append([(r, 1.0)] + [(cell(a, q, p, M[x]), -1.0)
                                                  for x in ("delivered_within", "delivered_beyond", "not_delivered")])
                        for share, num, other in (("share_ex_ante", "within", "beyond"),
                                                  ("share_ex_post", "delivered_within", "delivered_beyond")):
                            sh = (z[share + "_month"][s, a, q, mo] if p == "M" else z[share + "_week"][s, a, q, p])
                            if not np.isnan(sh):
                                rows.append([(cell(a, q, p, M[num]), 100.0 - sh), (cell(a, q, p, M[other]), -sh)])
            val = np.array(val)
            hid = np.array(hid)
            if np.isnan(val[~hid]).any():
                problems.append("service %d month %d: a published count is NaN" % (s, mo))
            # the sums hold on the published counts
            for r in rows:
                if all(not hid[c] for c, _ in r):
                    tot = sum(a * val[c] for c, a in r)
                    if abs(tot) > 1e-6 * (1 + max(abs(val[c]) for c, _ in r)):
                        problems.append("service %d month %d: a sum fails on published counts (%s)" % (s, mo, r))
                        break
            var = np.flatnonzero(hid)
            if var.size == 0:
                continue
            col = -np.ones(len(val), dtype=np.int64)
            col[var] = np.arange(var.size)
            ri, ci, vv, b = [], [], [], []
            for r in rows:
                terms = [(col[c], a) for c, a in r if hid[c]]
                if not terms:
                    continue
                rhs = -sum(a * val[c] for c, a in r if not hid[c])
                for c, a in terms:
                    ri.append(len(b)); ci.append(c); vv.append(a)
                b.append(rhs)
            A = coo_matrix((vv, (ri, ci)), shape=(len(b), var.size)).tocsr()
            b = np.array(b)
            lo_w = np.full(var.size, np.inf)
            hi_w = np.full(var.size, -np.inf)
            for j in range(var.size):
                n_cells += 1
                # two solutions already found that are `prot` apart prove the width
                if hi_w[j] - lo_w[j] >= prot - 1e-6:
                    n_witness += 1
                    continue
                ext = []
                for sign in (1.0, -1.0):
                    c = np.zeros(var.size)
                    c[j] = sign
                    res = linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
                    n_lp += 1
                    if res.status == 3:      # unbounded (only upwards is possible)
                        ext.append(np.inf if sign < 0 else -np.inf)
                        continue
                    if res.status != 0:
                        problems.append("service %d month %d: the attacker's LP failed: %s" % (s, mo, res.message))
                        ext.append(np.nan)
                        continue
                    lo_w = np.minimum(lo_w, res.x)
                    hi_w = np.maximum(hi_w, res.x)
                    ext.append(res.x[j])
                lo, hi = ext[0], ext[1]
                if not (hi - lo >= prot - 1e-6):
                    key = [kk for kk, v in idx.items() if v == var[j]][0]
                    narrow.append((meta["service_code"][s], mo, key, lo, hi))
    if verbose:
        print("attacker: %d suppressed counts (%d primary, %d secondary by the output's attributes), %d LPs, %d "
              "proved by earlier solutions; protection %g, k %g" % (n_cells, meta["primary"], meta["secondary"], n_lp,
                                                                     n_witness, prot, k))
    for n in narrow[:20]:
        problems.append("service %s month %d cell (area, class, period, measure) %s recomputable within [%g, %g]"
                        % n)
    if len(narrow) > 20:
        problems.append("... %d narrow intervals in all" % len(narrow))
    if n_cells != meta["primary"] + meta["secondary"]:
        problems.append("%d suppressed cells, the attributes say %d + %d" % (n_cells, meta["primary"],
                                                                           meta["secondary"]))
    return problems


def main(argv):
    if len(argv) == 4 and argv[1] == "dump":
        dump(argv[2], argv[3])
        return 0
    if len(argv) == 3 and argv[1] == "attack":
        problems = attack(argv[2])
        for p in problems:
            print("UNSAFE: " + p)
        print("attacker: %s" % ("protected" if not problems else "%d problems" % len(problems)))
        return 1 if problems else 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
