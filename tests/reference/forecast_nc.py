"""Read a `regia forecast` output with netCDF4 in the per-series form the tests compare.

The output puts observed, forecast, lower and upper on one time axis (time first, then
[interval,] series; NaN where a series has no value) and the ETS internals in the model
file beside it, named by the global attribute model_file (docs/forecast.md); model_file(d)
opens it.  steps(d, k) gives series k's forecast steps in time order:
times (s since 1970), forecast (H,), lower and upper (L, H).
"""
import os

import netCDF4
import numpy as np

_model = {}


def text(var):
    """A char(n, strlen) variable (or an _Encoding'd one netCDF4 decodes) as a list of str."""
    a = var[:]
    if a.dtype.kind in "US" and a.ndim == 1:
        return [s.decode() if isinstance(s, bytes) else str(s) for s in np.ma.filled(a, "")]
    var.set_auto_chartostring(False)
    a = np.ma.filled(var[:], b"")
    return [b"".join(c for c in row if c).decode("utf-8") for row in a]


def ids(d):
    return text(d["series_id"])


def model_file(d):
    """The model file of output d (OUT_STEM.model.nc, its global attribute model_file), opened once."""
    path = os.path.join(os.path.dirname(d.filepath()), d.getncattr("model_file"))
    if path not in _model:
        _model[path] = netCDF4.Dataset(path)
    return _model[path]


def models(d):
    return text(model_file(d)["model"])


def param(d, name):
    return np.ma.filled(model_file(d)[name][:], np.nan)


def steps(d, k):
    t = np.ma.filled(d["time"][:], np.nan)
    fc = np.ma.filled(d["forecast"][:, k], np.nan)
    lo = np.ma.filled(d["lower"][:, :, k], np.nan)
    up = np.ma.filled(d["upper"][:, :, k], np.nan)
    sel = ~np.isnan(fc)
    return t[sel], fc[sel], lo[sel].T, up[sel].T


def all_steps(d, H):
    """forecast (N, H), lower and upper (N, L, H), times (N, H); NaN rows for series without forecasts."""
    N, L = d.dimensions["series"].size, d.dimensions["interval"].size
    T = np.full((N, H), np.nan); F = np.full((N, H), np.nan)
    LO = np.full((N, L, H), np.nan); UP = np.full((N, L, H), np.nan)
    t = np.ma.filled(d["time"][:], np.nan)
    fc = np.ma.filled(d["forecast"][:], np.nan)
    lo = np.ma.filled(d["lower"][:], np.nan)
    up = np.ma.filled(d["upper"][:], np.nan)
    for k in range(N):
        sel = np.flatnonzero(~np.isnan(fc[:, k]))
        if len(sel) == 0:
            continue
        assert len(sel) == H, (k, len(sel), H)
        T[k] = t[sel]; F[k] = fc[sel, k]; LO[k] = lo[sel, :, k].T; UP[k] = up[sel, :, k].T
    return T, F, LO, UP
