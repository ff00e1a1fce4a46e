#!/usr/bin/python3
"""extract_check.py SRC.nc EXTRACT.nc DIM ITEMS [REGION]: an extract made by regia_nc_extract
(regia/extract.h) against its source, read with netCDF4 (not regia's code):
  - the same groups, dimensions (DIM's length = the number of items; others equal; unlimited
    kept), user types (none), variables (type, dimensions, attributes with equal values);
  - the same storage per variable: chunking (a chunk along DIM cut to the new length),
    zlib/shuffle/complevel, fletcher32, endianness, fill value / no-fill;
  - every variable's values: along each use of DIM, the extract's j-th row equals the source's
    ITEMS[j]-th (NaN = NaN, strings equal); variables without DIM identical; an integer variable
    with regia_index_dim = DIM holds the source's indices remapped (position among ITEMS, -1
    when not kept; -1 and fill values kept);
  - global attributes: all the source's equal but history (the source's + one line),
    geospatial_lat/lon/vertical_min/max and geospatial_bounds (recomputed from the items);
    regia_extract_of = the source's file name, regia_extract_of_sha256 = its SHA-256,
    regia_extract_dim = DIM, regia_region = REGION (absent without one).
Prints one line per group checked; exit 1 with the differences."""
import hashlib
import os
import sys

import netCDF4
import numpy as np

src_path, ex_path, dim = sys.argv[1:4]
items = [int(x) for x in sys.argv[4].split(",")]
region = sys.argv[5] if len(sys.argv) > 5 else None
bad = []
RECOMPUTED = {"history", "geospatial_lat_min", "geospatial_lat_max", "geospatial_lon_min", "geospatial_lon_max",
              "geospatial_vertical_min", "geospatial_vertical_max", "geospatial_bounds"}
NEW = {"regia_extract_of", "regia_extract_of_sha256", "regia_extract_dim", "regia_region"}


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def attrs(obj):
    return {k: obj.getncattr(k) for k in obj.ncattrs()}


def check_attrs(where, a, b, skip=()):
    for k in sorted(set(a) | set(b)):
        if k in skip:
            continue
        if k not in a or k not in b:
            bad.append(f"{where}: attribute {k} only in the {'source' if k in a else 'extract'}")
        elif not same(a[k], b[k]):
            bad.append(f"{where}: attribute {k} differs: {a[k]!r} vs {b[k]!r}")


def rows(v, axes):
    """v's values with each DIM axis taken at the items (in their order)."""
    data = v[...]
    for ax in axes:
        data = np.take(data, items, axis=ax)
    return data


def remap(a, v):
    """The values of index variable v (regia_index_dim = DIM) as an extract must hold them: an
    index along DIM becomes its position among ITEMS, -1 when not kept; -1 and fill stay."""
    fill = getattr(v, "_FillValue", netCDF4.default_fillvals[v.dtype.str[1:]])
    pos = {old: new for new, old in enumerate(items)}
    out = a.copy()
    for k, x in np.ndenumerate(a):
        if x != -1 and x != fill:
            out[k] = pos.get(int(x), -1)
    return out


def check_group(gs, ge):
    where = gs.path
    if gs.path != ge.path:
        bad.append(f"group path {gs.path} vs {ge.path}")
    # dimensions defined here
    ds_, de_ = gs.dimensions, ge.dimensions
    if list(ds_) != list(de_):
        bad.append(f"{where}: dimensions {list(ds_)} vs {list(de_)}")
    for name in ds_:
        if name not in de_:
            continue
        a, b = ds_[name], de_[name]
        want = len(items) if (gs.path == "/" and name == dim) else len(a)
        if len(b) != want:
            bad.append(f"{where}: dimension {name} has {len(b)}, expected {want}")
        if a.isunlimited() != b.isunlimited():
            bad.append(f"{where}: dimension {name}: unlimited {a.isunlimited()} vs {b.isunlimited()}")
    if gs.cmptypes or gs.enumtypes or gs.vltypes:
        bad.append(f"{where}: the source has user types (the extract should have refused it)")
    # attributes
    if gs.path == "/":
        a, b = attrs(gs), attrs(ge)
        check_attrs(where, a, b, skip=RECOMPUTED | NEW)
        for k in RECOMPUTED - {"history"}:
            if (k in a) != (k in b):
                bad.append(f"{where}: attribute {k} only in the {'source' if k in a else 'extract'}")
        h0, h1 = a.get("history", ""), b.get("history", "")
        if not (h1.startswith(h0) and h1.count("\n") == h0.count("\n") + (1 if h0 else 0) and "regia extract of" in h1):
            bad.append(f"history: not the source's plus one line: {h1!r}")
        fname = os.path.basename(src_path)
        sha = hashlib.sha256(open(src_path, "rb").read()).hexdigest()
        for k, want in (("regia_extract_of", fname), ("regia_extract_of_sha256", sha), ("regia_extract_dim", dim),
                        ("regia_region", region)):
            if want is None:
                if k in b:
                    bad.append(f"{k} present without a region: {b[k]!r}")
            elif b.get(k) != want:
                bad.append(f"{k} = {b.get(k)!r}, expected {want!r}")
        # geospatial_* from the items' coordinates
        for sn, lo, hi in (("latitude", "geospatial_lat_min", "geospatial_lat_max"),
                           ("longitude", "geospatial_lon_min", "geospatial_lon_max"),
                           ("altitude", "geospatial_vertical_min", "geospatial_vertical_max")):
            v = [x for x in gs.variables.values() if x.dimensions == (dim,) and getattr(x, "standard_name", "") == sn]
            if not v or lo not in a:
                continue
            vals = np.ma.masked_invalid(np.ma.asarray(v[0][...])[items]).compressed()
            ty = v[0].dtype.type  # a float coordinate's attribute is the float's decimal value (9.08, not 9.0799999)
            if vals.size and (ty(b[lo]) != vals.min() or ty(b[hi]) != vals.max()):
                bad.append(f"{lo}/{hi} = {b[lo]}/{b[hi]}, items have {vals.min()}/{vals.max()}")
    else:
        check_attrs(where, attrs(gs), attrs(ge))
    # variables
    if list(gs.variables) != list(ge.variables):
        bad.append(f"{where}: variables {list(gs.variables)} vs {list(ge.variables)}")
    for name, vs in gs.variables.items():
        if name not in ge.variables:
            continue
        ve = ge.variables[name]
        w = f"{where.rstrip('/')}/{name}"
        if vs.dtype != ve.dtype or vs.dimensions != ve.dimensions:
            bad.append(f"{w}: {vs.dtype}{vs.dimensions} vs {ve.dtype}{ve.dimensions}")
            continue
        check_attrs(w, attrs(vs), attrs(ve))
        if vs.filters() != ve.filters():
            bad.append(f"{w}: filters {vs.filters()} vs {ve.filters()}")
        if vs.endian() != ve.endian():
            bad.append(f"{w}: endianness {vs.endian()} vs {ve.endian()}")
        ca, cb = vs.chunking() or "contiguous", ve.chunking() or "contiguous"  # None: a classic-format file
        if ca == "contiguous" or cb == "contiguous":
            if ca != cb:
                bad.append(f"{w}: storage {ca} vs {cb}")
        else:
            want = [min(c, len(items)) if d.name == dim and d.group().path == "/" else c
                    for d, c in zip(vs.get_dims(), ca)]
            if list(cb) != want:
                bad.append(f"{w}: chunks {cb}, expected {want}")
        # values
        vs.set_auto_maskandscale(False)
        ve.set_auto_maskandscale(False)
        axes = [i for i, d in enumerate(vs.get_dims()) if d.name == dim and d.group().path == "/"]
        a = rows(vs, axes)
        if getattr(vs, "regia_index_dim", None) == dim:  # an index along DIM: remapped
            a = remap(np.array(a), vs)
        b = ve[...]
        if vs.dtype == str:
            a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
            if a.shape != b.shape or any(x != y for x, y in zip(a.ravel(), b.ravel())):
                bad.append(f"{w}: string values differ")
        elif not same(a, b):
            bad.append(f"{w}: values differ from the source's rows {items}")
    for name, sub in gs.groups.items():
        if name not in ge.groups:
            bad.append(f"{where}: group {name} missing from the extract")
            continue
        check_group(sub, ge.groups[name])
    for name in ge.groups:
        if name not in gs.groups:
            bad.append(f"{where}: group {name} only in the extract")
    print(f"  {os.path.basename(ex_path)} group {gs.path}: {len(gs.variables)} variables checked")


with netCDF4.Dataset(src_path) as s, netCDF4.Dataset(ex_path) as e:
    if s.data_model != e.data_model:
        bad.append(f"format {s.data_model} vs {e.data_model}")
    check_group(s, e)
if bad:
    print("FAIL " + os.path.basename(ex_path) + ":\n  " + "\n  ".join(bad[:40]))
    sys.exit(1)
print(f"ok: {os.path.basename(ex_path)} = {os.path.basename(src_path)} at {dim} {items}")
