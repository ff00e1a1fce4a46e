#!/usr/bin/python3
"""extract_fixture.py OUT.nc [compound]: a NetCDF-4 file with what an extract must carry over
(tests/cli/test_nc_extract.sh, test_points_csv.sh), written with netCDF4 (not regia's code):
an unlimited item dimension `site` (6 sites), NC_STRING and char-array region variables (one
site in no region), names with an accent and a comma, a coordinate with a fill value,
deflate + shuffle, fletcher32, chunks larger than an extract, big-endian, no-fill, int64,
a (site, site) matrix, index variables with regia_index_dim (remapped), a dimension `region` beside the variable region(site), a scalar, a contiguous variable, string and vector attributes, and
nested groups "model" and "model/inner" whose variables use `site`.
With "compound": the same file plus a compound type (an extract refuses it)."""
import sys

import warnings

import netCDF4
import numpy as np

warnings.filterwarnings("ignore", "endian-ness")  # z is big-endian on purpose
out = sys.argv[1]
with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
    ds.title = "extract fixture"
    ds.Conventions = "CF-1.10"
    ds.history = "2026-12-01T00:00:00Z: extract_fixture.py"
    ds.geospatial_lat_min, ds.geospatial_lat_max = 45.0, 46.5
    ds.geospatial_lon_min, ds.geospatial_lon_max = 8.5, 11.0
    ds.geospatial_bounds = "POLYGON ((45 8.5, 46.5 8.5, 46.5 11, 45 11, 45 8.5))"
    ds.setncattr_string("keywords_list", ["a", "b"])
    n = 6
    ds.createDimension("site", None)
    ds.createDimension("t", 5)
    ds.createDimension("strlen", 12)
    t = ds.createVariable("t", "f8", ("t",))
    t.units = "days since 2024-01-01"
    t[:] = np.arange(5)
    names = ["Cantù", "Milano, Senato", "Lecco", "Sondrio", "Bormio", "Lodi"]
    regions = ["Nord", "Sud", "", "Nord", "Sud", "Est"]
    v = ds.createVariable("site_name", str, ("site",))
    v.long_name = "site name"
    for i, s in enumerate(names):
        v[i] = s
    # a dimension named as the per-site region variable (env: province(station, name_strlen)
    # beside the provincial aggregates along dimension province), untouched by an extract
    ds.createDimension("region", 3)
    v = ds.createVariable("region_name", "S1", ("region", "strlen"))
    v[:] = netCDF4.stringtochar(np.array(["Nord", "Sud", "Est"], dtype="S12"))
    v = ds.createVariable("region_mean", "f4", ("region", "t"))
    v[:] = np.arange(15, dtype="f4").reshape(3, 5)
    v = ds.createVariable("region", str, ("site",))
    for i, s in enumerate(regions):
        v[i] = s
    v = ds.createVariable("region_c", "S1", ("site", "strlen"))
    v[:] = netCDF4.stringtochar(np.array(regions, dtype="S12"))
    lat = ds.createVariable("lat", "f8", ("site",), fill_value=-999.0)
    lat.standard_name, lat.units = "latitude", "degrees_north"
    lon = ds.createVariable("lon", "f4", ("site",))
    lon.standard_name, lon.units = "longitude", "degrees_east"
    lat[:] = [45.8, 45.4642, 45.85, 46.17, -999.0, 45.31]
    lon[:] = [9.08, 9.19, 9.39, 9.87, 10.37, 9.5]
    x = ds.createVariable("x", "f4", ("site", "t"), zlib=True, complevel=4, shuffle=True, chunksizes=(4, 5),
                          fill_value=np.float32(np.nan))
    x.units = "1"
    x.setncattr_string("flags", "string-typed attribute")
    x.valid_range = np.array([0, 100], dtype="f4")
    y = ds.createVariable("y", "i8", ("t", "site"), fletcher32=True, chunksizes=(5, 3), fill_value=-1)
    z = ds.createVariable("z", "i4", ("site",), endian="big")
    nf = ds.createVariable("nofill", "i2", ("site",), fill_value=False)
    d = ds.createVariable("dist", "f8", ("site", "site"))
    c = ds.createVariable("c", "f8", ("t",), contiguous=True)
    sc = ds.createVariable("crs", "i4")
    sc.grid_mapping_name = "latitude_longitude"
    sc.assignValue(0)
    x[0:n, :] = (np.arange(n * 5, dtype="f4").reshape(n, 5) / 3)
    x[2, 1] = np.nan
    y[:, 0:n] = np.arange(5 * n).reshape(5, n) * 10**10
    z[0:n] = np.arange(n) * 7 - 20
    nf[0:n] = np.arange(n) + 100
    d[0:n, 0:n] = np.add.outer(np.arange(n), 10 * np.arange(n))
    c[:] = np.arange(5) * 0.5
    # index variables (regia_index_dim): 0-based indices along `site` (-1 none), remapped by
    # an extract (old site index -> its position in the extract, -1 when not kept); one along
    # `site` itself, one along `t` with a fill value, one along another dimension (kept)
    pa = ds.createVariable("parent", "i4", ("site",))
    pa.regia_index_dim = "site"
    pa[0:n] = [3, -1, 0, 5, 1, 2]
    ts = ds.createVariable("t_site", "i2", ("t",), fill_value=np.int16(-999))
    ts.regia_index_dim = "site"
    ts[:] = [0, 3, -999, -1, 5]
    tr = ds.createVariable("t_region", "i8", ("site",))
    tr.regia_index_dim = "region"
    tr[0:n] = [0, 1, -1, 0, 1, 2]
    g = ds.createGroup("model")
    g.note = "nested"
    g.createDimension("k", 3)
    a = g.createVariable("alpha", "f8", ("site", "k"), zlib=True, complevel=1)
    a[0:n, :] = np.arange(n * 3).reshape(n, 3) + 0.25
    kk = g.createVariable("k", "i4", ("k",))
    kk[:] = [1, 2, 3]
    h = g.createGroup("inner")
    b = h.createVariable("beta", str, ("site",))
    for i in range(n):
        b[i] = f"b{i}" * (i + 1)
    if len(sys.argv) > 2 and sys.argv[2] == "compound":
        ct = ds.createCompoundType(np.dtype([("a", "f4"), ("b", "i4")]), "pair_t")
        pv = ds.createVariable("pair", ct, ("t",))
print(f"wrote {out}")
