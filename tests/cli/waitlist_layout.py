"""waitlist_layout.py - a `regia waitlist` output (OUT.nc and its monthly file
OUT_STEM.monthly.nc, named by the global attribute monthly_file) read back as arrays in
the modules' order, for the tests and tests/reference/sdc_attack.py.

The files are laid out for CDO 2.1 (docs/waitlist.md, "Output"): time first and service
last, e.g. count_requests_week(week, class, area, service), one variable per count
measure, per interval level (demand_lower_80) and per quantile (risk_share_q50), and
the demand and risk variables on the week axis (forecast_step, risk_step say which
weeks).  Output(path).val(name) gives the arrays service first again:

  count_week, sdc_status_week      (service, area, class, week, measure)
  count_month, sdc_status_month    (service, area, class, month, measure)
  demand_forecast                  (service, area, class, horizon)
  demand_lower, demand_upper       (service, area, class, interval, horizon)
  risk_share_mean, risk_p_miss, risk_requests  (service, area, class, risk_week)
  risk_share_q                     (service, area, class, risk_week, quantile)
  interval, quantile               the levels (percent) and quantiles (attributes)
  anything else                    the variable with its dimensions reversed

Floats come back with _FillValue as NaN (integers too, as floats); val(name, raw=True)
keeps the stored values and type.
"""
import math
import os

import netCDF4
import numpy as np

MEASURES = ["requests", "within", "beyond", "excluded", "delivered_within", "delivered_beyond", "not_delivered"]


def tag(v):
    """A level or quantile as a name part: 80 -> '80', 97.5 -> '97p5' (waitlist_nc.c)."""
    return ("%g" % v).replace(".", "p")


class Output:
    def __init__(self, path, monthly=None):
        self.path = path
        self.d = netCDF4.Dataset(path)
        self.d.set_auto_mask(False)
        if monthly is None:
            name = getattr(self.d, "monthly_file", None)
            monthly = os.path.join(os.path.dirname(path), name) if name else None
        self.monthly_path = monthly
        self.m = None
        if monthly and os.path.exists(monthly):
            self.m = netCDF4.Dataset(monthly)
            self.m.set_auto_mask(False)
        self.attrs = {k: self.d.getncattr(k) for k in self.d.ncattrs()}

    def close(self):
        self.d.close()
        if self.m is not None:
            self.m.close()

    def _ds(self, name):
        if name in self.d.variables:
            return self.d
        if self.m is not None and name in self.m.variables:
            return self.m
        raise KeyError(f"{self.path}: no variable {name} (nor in its monthly file {self.monthly_path})")

    def has(self, name):
        try:
            self._ds(name)
            return True
        except KeyError:
            return False

    def text(self, name):
        v = self._ds(name)[name][...]
        return [r if isinstance(r, str) else bytes(r).rstrip(b"\0").decode("utf-8") for r in v]

    def var(self, name, raw=False):
        """The variable with its dimensions reversed (service first); a monthly-file
        variable on the output's services and areas (matched by code: a per-region
        extract has some of the areas; NaN for one the monthly file lacks)."""
        ds = self._ds(name)
        v = ds[name]
        x = np.asarray(v[...])
        if not raw:
            x = x.astype(float)
            fill = getattr(v, "_FillValue", None)
            if fill is not None and not (isinstance(fill, float) and math.isnan(fill)):
                x[x == float(fill)] = np.nan
        x = x.transpose(tuple(range(x.ndim))[::-1])
        dims = v.dimensions[::-1]
        if ds is self.m:
            for dim, label in (("service", "service_code"), ("area", "area_code")):
                if dim not in dims:
                    continue
                mine, theirs = self.text(label), [r if isinstance(r, str) else bytes(r).rstrip(b"\0").decode()
                                                  for r in self.m[label][...]]
                if mine == theirs:
                    continue
                ax = dims.index(dim)
                idx = [theirs.index(c) if c in theirs else -1 for c in mine]
                y = np.take(x.astype(float), [max(i, 0) for i in idx], axis=ax)
                bad = [k for k, i in enumerate(idx) if i < 0]
                if bad:
                    sl = [slice(None)] * y.ndim
                    sl[ax] = bad
                    y[tuple(sl)] = np.nan
                x = y
        return x

    def steps(self, which):
        """{step: week index} of forecast_step or risk_step."""
        s = np.asarray(self.d[which][...])
        return {int(h): i for i, h in enumerate(s) if h > 0}

    def _pick(self, x, which, n):
        idx = self.steps(which)
        out = np.full(x.shape[:-1] + (n,), np.nan)
        for h in range(1, n + 1):
            if h in idx:
                out[..., h - 1] = x[..., idx[h]]
        return out

    def val(self, name, raw=False):
        if name in ("count_week", "count_month", "sdc_status_week", "sdc_status_month"):
            base, per = name.rsplit("_", 1)
            return np.stack([self.var(f"{base}_{m}_{per}", raw) for m in MEASURES], axis=-1)
        if name == "interval":
            return np.atleast_1d(np.asarray(self.attrs.get("demand_interval_levels", []), dtype=float))
        if name == "quantile":
            return np.atleast_1d(np.asarray(self.attrs.get("risk_share_quantiles", []), dtype=float))
        H, R = int(self.attrs.get("demand_horizon_weeks", 0)), int(self.attrs.get("risk_weeks", 0))
        if name == "demand_forecast":
            return self._pick(self.var(name), "forecast_step", H)
        if name in ("demand_lower", "demand_upper"):
            return np.stack([self._pick(self.var(f"{name}_{tag(l)}"), "forecast_step", H) for l in self.val("interval")],
                            axis=-2)
        if name in ("risk_share_mean", "risk_p_miss", "risk_requests"):
            return self._pick(self.var(name), "risk_step", R)
        if name == "risk_share_q":
            return np.stack([self._pick(self.var(f"risk_share_q{tag(100 * q)}"), "risk_step", R)
                             for q in self.val("quantile")], axis=-1)
        return self.var(name, raw)

    def month_names(self):
        """YYYY-MM of each month (the month of its first week's Thursday)."""
        import datetime as dt
        from zoneinfo import ZoneInfo
        ms = np.asarray(self.m["month"][...])
        return [(dt.datetime.fromtimestamp(t, ZoneInfo("Europe/Rome")) + dt.timedelta(days=3)).strftime("%Y-%m")
                for t in ms]


def write_cube(path, count, status, service_code, class_name, area_parent, week_month, count_month=None,
               status_month=None, attrs=None):
    """Write a hand-made compliance cube as regia waitlist lays it out: PATH (the weeks) and
    PATH_STEM.monthly.nc (the months; the global attribute monthly_file names it).
    count, status: (service, area, class, week, measure); the month arrays default to the
    week ones (one week per month).  Shares, waits and lights are left blank."""
    monthly = path[:-3] + ".monthly.nc"
    count_month = count if count_month is None else count_month
    status_month = status if status_month is None else status_month
    for p, f, c, st in (("week", path, count, status), ("month", monthly, count_month, status_month)):
        nc = netCDF4.Dataset(f, "w")
        ns, na, ncl, nt, _ = c.shape
        for d, n in (("service", ns), ("area", na), ("class", ncl), (p, nt), ("strlen", 24)):
            nc.createDimension(d, n)

        def chars(name, dim, vals):
            v = nc.createVariable(name, "S1", (dim, "strlen"))
            v[:] = netCDF4.stringtochar(np.array(vals, "S24"))
        chars("service_code", "service", service_code)
        chars("area_code", "area", ["A%d" % i for i in range(na)])
        chars("class_name", "class", class_name)
        nc.createVariable("area_parent", "i4", ("area",))[:] = area_parent
        if p == "week":
            nc.createVariable("week_month", "i4", ("week",))[:] = week_month
            nc.monthly_file = os.path.basename(monthly)
        d4 = (p, "class", "area", "service")
        for j, m in enumerate(MEASURES):
            nc.createVariable(f"count_{m}_{p}", "f8", d4)[:] = c[..., j].transpose(3, 2, 1, 0)
            nc.createVariable(f"sdc_status_{m}_{p}", "i1", d4)[:] = st[..., j].transpose(3, 2, 1, 0)
        for v in ("share_ex_ante", "share_ex_post", "wait_median", "wait_p90"):
            nc.createVariable(v + "_" + p, "f8", d4)[:] = np.nan
        nc.createVariable("light_" + p, "i1", d4)[:] = -1
        for k, v in (attrs or {}).items():
            nc.setncattr(k, v)
        nc.close()
