"""statsforecast 2.1.1's Croston family on the benchmark's series, and the report.

  croston_statsforecast.py run SERIES.csv FORECASTS.csv TIMING.json [--reps R]
      each model's forecast(y, h=1) on every series, in a loop in this process (one core:
      run under taskset); the time of the loop (median of R runs) per model.
  croston_statsforecast.py report --series SERIES.csv --work DIR --out PREFIX
      regia's forecasts (DIR/regia_fc.csv) against statsforecast's (DIR/sf_fc.csv) to
      1e-9 relative, series per second of both, PREFIX.md and PREFIX.json.
      Exit 1 when a forecast disagrees or a result is missing.

Run by benchmarks/bench_croston.sh in the peer venv.
"""
import json
import os
import platform
import subprocess
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "reference"))
import croston_statsforecast as ref  # noqa: E402  (the generator and the model list)

TOL = ref.TOL


def run(series_path, fc_path, timing_path, reps):
    import statsforecast

    series = ref.read_series(series_path)
    fc = {name: {} for name, _ in series}
    timing = {}
    for col, model in ref.models():
        times, cpu = [], []
        for _ in range(reps):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0, c0 = time.perf_counter(), time.process_time()
                out = [model.forecast(y=y, h=1)["mean"][0] for _, y in series]
                cpu.append(time.process_time() - c0)
                times.append(time.perf_counter() - t0)
        for (name, _), v in zip(series, out):
            fc[name][col] = float(v)
        secs, csecs = sorted(times)[len(times) // 2], sorted(cpu)[len(cpu) // 2]
        timing[col] = {"seconds": secs, "cpu_seconds": csecs, "series_per_s": len(series) / secs,
                       "cpu_series_per_s": len(series) / csecs}
        print("%-13s %8d series  %10.0f series/s (CPU time %10.0f)" % (col, len(series), len(series) / secs,
                                                                      len(series) / csecs))
    with open(fc_path, "w") as f:
        f.write("id," + ",".join(ref.COLUMNS) + "\n")
        for name, _ in series:
            f.write(name + "".join(",%r" % fc[name][c] for c in ref.COLUMNS) + "\n")
    with open(timing_path, "w") as f:
        json.dump({"tool": "statsforecast", "version": statsforecast.__version__, "numpy": np.__version__,
                   "reps": reps, "series": len(series), "methods": timing}, f)
    return 0


def read_fc(path):
    out = {}
    with open(path) as f:
        header = f.readline().rstrip("\n").split(",")
        for line in f:
            parts = line.rstrip("\n").split(",")
            out[parts[0]] = {h: float(v) for h, v in zip(header[1:], parts[1:])}
    return out


def machine():
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "load": os.getloadavg()}


def git_rev():
    try:
        return subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def report(series_path, work, prefix):
    series = ref.read_series(series_path)
    problems = []
    try:
        rg = read_fc(os.path.join(work, "regia_fc.csv"))
        rt = json.load(open(os.path.join(work, "regia_timing.json")))
    except (OSError, ValueError) as e:
        rg, rt = {}, None
        problems.append("regia's results missing: %s" % e)
    try:
        sf = read_fc(os.path.join(work, "sf_fc.csv"))
        st = json.load(open(os.path.join(work, "sf_timing.json")))
    except (OSError, ValueError) as e:
        sf, st = {}, None
        problems.append("statsforecast's results missing: %s" % e)
    if rt is not None and not rt.get("valid", False):
        problems.append("bench_croston reported invalid results")
    compared = identical = 0
    worst = {c: 0.0 for c in ref.COLUMNS}
    for name, _ in series:
        if name not in rg or name not in sf:
            if rg and sf:
                problems.append("series %s missing from a tool's forecasts" % name)
            continue
        for c in ref.COLUMNS:
            a, b = rg[name][c], sf[name][c]
            err = abs(a - b) / max(1.0, abs(b))
            compared += 1
            identical += a == b
            worst[c] = max(worst[c], err)
            if not err <= TOL:
                problems.append("%s %s: regia %.17g statsforecast %.17g" % (name, c, a, b))
    values = sum(len(y) for _, y in series)
    rows = []
    for c in ref.COLUMNS:
        r = rt["methods"][c] if rt else {}
        s = st["methods"][c] if st else {}
        ratio = r["cpu_series_per_s"] / s["cpu_series_per_s"] if r and s else float("nan")
        wratio = r["series_per_s"] / s["series_per_s"] if r and s else float("nan")
        rows.append({"method": c, "regia_cpu_series_per_s": r.get("cpu_series_per_s"),
                     "regia_cpu_series_per_s_with_intervals": r.get("cpu_series_per_s_with_intervals"),
                     "statsforecast_cpu_series_per_s": s.get("cpu_series_per_s"), "speedup_cpu": ratio,
                     "regia_series_per_s": r.get("series_per_s"), "statsforecast_series_per_s": s.get("series_per_s"),
                     "speedup_wall": wratio, "worst_relative_difference": worst[c]})
    verdict = "PASS" if not problems else "FAIL"
    info = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "verdict": verdict, "series": len(series),
            "values": values, "forecasts_compared": compared, "bit_identical": identical, "tolerance": TOL,
            "machine": machine(), "regia_git": git_rev(), "statsforecast": st.get("version") if st else None,
            "numpy": st.get("numpy") if st else None, "regia_reps": rt.get("reps") if rt else None,
            "statsforecast_reps": st.get("reps") if st else None, "methods": rows, "problems": problems[:50]}
    with open(prefix + ".json", "w") as f:
        json.dump(info, f, indent=1)
    m = info["machine"]
    lines = [
        "# Croston family: regia vs statsforecast %s, %s" % (info["statsforecast"], info["date"]), "",
        "Machine: %s, %s cores, load average %.2f %.2f %.2f at the report. regia git %s; numpy %s." % (
            m["cpu"], m["cores"], *m["load"], info["regia_git"], info["numpy"]), "",
        "%d series (`tests/reference/croston_statsforecast.py gen`: intermittent, lumpy, erratic and smooth, "
        "lengths 8 to 200, plus the edge cases), %d values. One core each (`taskset -c 0`, one thread): regia's "
        "`regia_croston()` on the whole batch (`bench_croston`, median of %s runs), statsforecast's "
        "`Model().forecast(y=y, h=1)` in a Python loop over the series (median of %s runs; no DataFrame, "
        "no process pool: statsforecast's fastest path)." % (
            len(series), values, info["regia_reps"], info["statsforecast_reps"]), "",
        "Series per second by CPU time (the process's user + system time: on this shared machine the wall time "
        "also counts the time other work held the core; wall-time figures in the JSON and the last column).", "",
        "| method | regia series/s | regia with 80/95 % intervals, variance, class | statsforecast series/s | "
        "speed-up | speed-up (wall) | worst relative difference |",
        "|---|---|---|---|---|---|---|"]
    for r in rows:
        fmt = lambda v: "%.0f" % v if isinstance(v, (int, float)) and v == v else "-"  # noqa: E731
        lines.append("| %s | %s | %s | %s | %.1fx | %.1fx | %.2g |" % (
            r["method"], fmt(r["regia_cpu_series_per_s"]), fmt(r["regia_cpu_series_per_s_with_intervals"]),
            fmt(r["statsforecast_cpu_series_per_s"]), r["speedup_cpu"], r["speedup_wall"],
            r["worst_relative_difference"]))
    lines += ["", "Forecasts compared: %d, bit-identical: %d, tolerance %.0e relative (to max(1, |value|))." % (
        compared, identical, TOL), "", "Verdict: **%s**" % verdict]
    if problems:
        lines += ["", "Problems:", ""] + ["- " + p for p in problems[:50]]
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if not problems else 1


def main(argv):
    if len(argv) >= 5 and argv[1] == "run":
        reps = int(argv[6]) if len(argv) >= 7 and argv[5] == "--reps" else 1
        return run(argv[2], argv[3], argv[4], reps)
    if len(argv) == 8 and argv[1] == "report":
        opts = dict(zip(argv[2::2], argv[3::2]))
        return report(opts["--series"], opts["--work"], opts["--out"])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
