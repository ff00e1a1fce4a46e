#!/usr/bin/env python3
"""Check and report the weak-scaling runs of bench_scaling.sh (regia forecast).

Usage: scaling_report.py --work DIR --out PREFIX [--sha-mbs X] [--ingest FILE.md]

DIR/runs.tsv has one line per run (written by bench_scaling.sh):
    label  ranks  input  series  order  rep  wall_s  rc  outprefix
and each run left OUTPREFIX.nc, OUTPREFIX.manifest.json, OUTPREFIX.log (regia's log) and
OUTPREFIX.time.R (rank R under /usr/bin/time -f "%M %e %U %S").

Checks (any failure: exit 1): every run exited 0 and wrote its output and manifest; the
manifest counts the series of the input, all fitted, at the run's number of ranks; the
log's last line gives the phase timings; every output's data variables (values, shapes,
types) are identical, bit for bit, to the 1-rank run of the same input (label ref<K>),
the repetitions of a configuration to each other, the series-ordered input to the
time-ordered one, and the first K x N series of the largest 1-rank reference to the
1- and 2-rank runs (the inputs are prefixes of one generated set of series).
Writes PREFIX.md and PREFIX.json.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys

import netCDF4
import numpy as np

WROTE = re.compile(r"wrote .* in ([0-9.]+) s \(read ([0-9.]+), compute ([0-9.]+), write ([0-9.]+)\)")
STAGE = re.compile(r"stage forecast: done, (\d+) series in ([0-9.]+) s \(([0-9.]+) series/s\); "
                   r"rank time min ([0-9.]+) s, max ([0-9.]+) s")
SHARE = re.compile(r"largest rank share ([0-9.]+)% of the compute cost")


def load_runs(work):
    runs = []
    with open(os.path.join(work, "runs.tsv")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            label, ranks, inp, series, order, rep, wall, rc, out = line.rstrip("\n").split("\t")
            runs.append(dict(label=label, ranks=int(ranks), input=inp, series=int(series), order=order,
                             rep=int(rep), wall_s=float(wall), rc=int(rc), out=out))
    return runs


def parse_run(r, errors):
    """Fill r with the log's timings, the manifest and the per-rank /usr/bin/time figures."""
    tag = f"{r['label']} (rep {r['rep']}, {r['ranks']} ranks)"
    if r["rc"] != 0:
        errors.append(f"{tag}: regia forecast exited {r['rc']} (see {r['out']}.log)")
        return
    log = open(r["out"] + ".log", errors="replace").read() if os.path.exists(r["out"] + ".log") else ""
    m = WROTE.findall(log)
    if not m:
        errors.append(f"{tag}: no 'wrote ... (read X, compute Y, write Z)' line in {r['out']}.log")
    else:
        r["total_s"], r["read_s"], r["compute_s"], r["write_s"] = map(float, m[-1])
    m = STAGE.findall(log)
    if m:
        _, _, rate, tmin, tmax = m[-1]
        r["stage_series_per_s"], r["rank_compute_min_s"], r["rank_compute_max_s"] = float(rate), float(tmin), float(tmax)
    m = SHARE.findall(log)
    if m:
        r["largest_cost_share_pct"] = float(m[-1])
    mpath = r["out"] + ".manifest.json"
    if not os.path.exists(mpath) or not os.path.exists(r["out"] + ".nc"):
        errors.append(f"{tag}: {r['out']}.nc or its manifest is missing")
        return
    man = json.load(open(mpath))
    r["manifest_timings_s"] = tm = man.get("timings_s", {})
    # the manifest's timings (rank 0, full precision) over the log's rounded ones
    for k in ("read", "compute", "write"):
        if k in tm:
            r[k + "_s"] = float(tm[k])
    if man.get("series") != r["series"] or man.get("series_fitted") != r["series"] or man.get("ranks") != r["ranks"]:
        errors.append(f"{tag}: manifest says series {man.get('series')}, fitted {man.get('series_fitted')}, "
                      f"ranks {man.get('ranks')}; expected {r['series']}, {r['series']}, {r['ranks']}")
    if "total_s" in r:
        # after the write: the manifest (rank 0 hashes the input again and the output) and the commit
        r["manifest_s"] = max(r["total_s"] - r["read_s"] - r["compute_s"] - r["write_s"], 0.0)
    rss, user = [], []
    for k in range(r["ranks"]):
        p = f"{r['out']}.time.{k}"
        try:
            f = open(p).read().split()
            rss.append(int(f[0]) / 1024.0)  # MiB
            user.append(float(f[2]) + float(f[3]))
        except (OSError, IndexError, ValueError):
            errors.append(f"{tag}: no /usr/bin/time figures for rank {k} ({p})")
    r["rss_mb"] = rss
    r["cpu_s"] = user
    # share of a core each rank got over the run (user + system time / wall time)
    r["core_share"] = [u / r["wall_s"] for u in user] if r["wall_s"] > 0 else []
    r["input_bytes"] = os.path.getsize(r["input"]) if os.path.exists(r["input"]) else None
    r["output_bytes"] = os.path.getsize(r["out"] + ".nc")


def variables(path):
    """The variables of the output and of its model file (OUT.model.nc, as model/NAME)."""
    out = {}
    mpath = path[:-3] + ".model.nc" if path.endswith(".nc") else None
    for prefix, p in [("", path)] + ([("model/", mpath)] if mpath and os.path.exists(mpath) else []):
        d = netCDF4.Dataset(p)
        d.set_auto_mask(False)
        for n, v in d.variables.items():
            out[prefix + n] = (v.dimensions, v[:])
        d.close()
    return out


def differ(a_path, b_path, first=None):
    """Names of the data variables of b that differ from a's (a's first `first` series when
    given: variables along the series dimension are compared on that prefix)."""
    a, b = variables(a_path), variables(b_path)
    bad = sorted(set(a) ^ set(b))
    for n in sorted(set(a) & set(b)):
        (da, xa), (db, xb) = a[n], b[n]
        if first is not None and "series" in da:  # (series, ...) or (time, [interval,] series)
            xa = xa.take(range(first), axis=da.index("series"))
        if da != db or xa.shape != xb.shape or xa.dtype != xb.dtype or xa.tobytes() != xb.tobytes():
            bad.append(n)
    return bad


def med(v):
    return statistics.median(v) if v else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-rank", type=int, required=True)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--sha-mbs", type=float, default=None)
    ap.add_argument("--qsort-ns", type=float, default=None)
    ap.add_argument("--ingest", default="")
    ap.add_argument("--regia", default="")
    ap.add_argument("--load", default="")
    ap.add_argument("--elapsed", type=float, default=None)
    a = ap.parse_args()
    errors, checks = [], []
    runs = load_runs(a.work)
    for r in runs:
        parse_run(r, errors)
    by = {}
    for r in runs:
        by.setdefault(r["label"], []).append(r)

    def ok_runs(label):
        return [r for r in by.get(label, []) if r["rc"] == 0 and "total_s" in r]

    # --- identity checks -------------------------------------------------------------------
    def check(what, a_path, b_path, first=None):
        try:
            bad = differ(a_path, b_path, first)
        except (OSError, RuntimeError) as e:
            bad = [f"cannot compare: {e}"]
        checks.append(dict(check=what, identical=not bad, differing=bad))
        if bad:
            errors.append(f"{what}: data variables differ: {', '.join(bad)}")

    for label in ("np4", "np8"):
        k = label[2:]
        if ok_runs(label) and ok_runs("ref" + k):
            check(f"{k} ranks (oversubscribed) vs 1 rank, same input ({int(k) * a.per_rank} series)",
                  ok_runs("ref" + k)[0]["out"] + ".nc", ok_runs(label)[0]["out"] + ".nc")
        else:
            errors.append(f"{label}: no successful run, or no 1-rank reference ref{k}, to compare")
    for label in ("np1", "np2"):
        rs = ok_runs(label)
        for r in rs[1:]:
            check(f"{label}: repetition {r['rep']} vs repetition {rs[0]['rep']}", rs[0]["out"] + ".nc", r["out"] + ".nc")
        if rs and ok_runs("ref8"):
            k = int(label[2:])
            check(f"{k} rank{'s' if k > 1 else ''} ({k * a.per_rank} series) vs the first {k * a.per_rank} series of the "
                  f"1-rank run of {8 * a.per_rank}", ok_runs("ref8")[0]["out"] + ".nc", rs[0]["out"] + ".nc",
                  first=k * a.per_rank)
    if ok_runs("np2s") and ok_runs("np2"):
        check("2 ranks: input ordered by series vs ordered by time", ok_runs("np2")[0]["out"] + ".nc",
              ok_runs("np2s")[0]["out"] + ".nc")
    for label in ("np1", "np2"):
        if len(ok_runs(label)) < 2:
            errors.append(f"{label}: fewer than 2 successful repetitions")

    # --- figures -------------------------------------------------------------------------
    def summary(label):
        rs = ok_runs(label)
        if not rs:
            return None
        walls = [r["wall_s"] for r in rs]
        s = dict(label=label, ranks=rs[0]["ranks"], series=rs[0]["series"], order=rs[0]["order"], runs=len(rs),
                 input_mb=(rs[0]["input_bytes"] or 0) / 1e6, output_mb=rs[0]["output_bytes"] / 1e6,
                 wall_min_s=min(walls), wall_median_s=med(walls),
                 read_median_s=med([r["read_s"] for r in rs]), compute_median_s=med([r["compute_s"] for r in rs]),
                 write_median_s=med([r["write_s"] for r in rs]), compute_min_s=min(r["compute_s"] for r in rs),
                 manifest_median_s=med([r.get("manifest_s", 0.0) for r in rs]),
                 rss_max_mb=max(max(r["rss_mb"]) for r in rs if r["rss_mb"]) if any(r["rss_mb"] for r in rs) else None,
                 rss_by_rank_mb=rs[0]["rss_mb"],
                 core_share_median=med([x for r in rs for x in r["core_share"]]),
                 cost_share_pct=rs[0].get("largest_cost_share_pct"))
        s["series_per_s_per_rank"] = s["series"] / s["ranks"] / s["compute_median_s"] if s["compute_median_s"] else None
        return s

    S = {lab: summary(lab) for lab in ("np1", "np2", "np2s", "np4", "np8", "ref4", "ref8")}
    eff = {}
    if S["np1"] and S["np2"]:
        eff = dict(wall_min=S["np1"]["wall_min_s"] / S["np2"]["wall_min_s"],
                   wall_median=S["np1"]["wall_median_s"] / S["np2"]["wall_median_s"],
                   compute_median=S["np1"]["compute_median_s"] / S["np2"]["compute_median_s"],
                   read_median=S["np1"]["read_median_s"] / S["np2"]["read_median_s"] if S["np2"]["read_median_s"] else None)
        # CPU seconds per rank (user + system, median over runs and ranks): the same work per rank
        # should cost the same CPU time; insensitive to other work on the machine, but MPI's busy
        # polling while a rank waits in a collective counts as CPU time (conservative)
        c1 = med([x for r in ok_runs("np1") for x in r["cpu_s"]])
        c2 = med([x for r in ok_runs("np2") for x in r["cpu_s"]])
        eff["cpu_time"] = c1 / c2 if c2 else None
        eff["cpu_s_per_rank"] = [c1, c2]
    # replicated memory: peak RSS (largest rank) against the total number of series (weak scaling)
    pts = [(S[l]["series"], S[l]["rss_max_mb"]) for l in ("np1", "np2", "np4", "np8") if S[l] and S[l]["rss_max_mb"]]
    mem_fit = None
    if len(pts) >= 3:
        x = np.array([p[0] for p in pts], float)
        y = np.array([p[1] for p in pts], float)
        slope, icpt = np.polyfit(x, y, 1)
        mem_fit = dict(mb_at_zero=float(icpt), bytes_per_global_series=float(slope * 2**20))
    pts1 = [(S[l]["series"], S[l]["rss_max_mb"]) for l in ("np1", "ref4", "ref8") if S[l] and S[l]["rss_max_mb"]]
    if mem_fit is not None and len(pts1) >= 2:
        x = np.array([p[0] for p in pts1], float)
        y = np.array([p[1] for p in pts1], float)
        slope1, _ = np.polyfit(x, y, 1)
        mem_fit["bytes_per_series_at_1_rank"] = float(slope1 * 2**20)
    one = S["np1"]
    model_inputs = {}
    if one:
        model_inputs = dict(
            compute_series_per_s_per_rank_1thread=one["series_per_s_per_rank"],
            read_phase_mb_per_s_1rank=one["input_mb"] / one["read_median_s"] if one["read_median_s"] else None,
            input_bytes_per_row=one["input_mb"] * 1e6 / (one["series"] * a.days),
            output_bytes_per_series=one["output_mb"] * 1e6 / one["series"],
            write_mb_per_s_1rank=one["output_mb"] / one["write_median_s"] if one["write_median_s"] else None,
            sha256_mb_per_s_1core=a.sha_mbs, qsort_ns_per_int64_1e7=a.qsort_ns)
    ingest = None
    if a.ingest and os.path.exists(a.ingest):
        txt = open(a.ingest).read()
        m = re.search(r"efficiency T1/T2 = \*\*([0-9.]+)\*\*", txt)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        ingest = dict(file=os.path.relpath(os.path.abspath(a.ingest), root),
                      efficiency=float(m.group(1)) if m else None)

    # --- machine -------------------------------------------------------------------------
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    git = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip() or "unknown"
    date = os.path.basename(a.out).split("_")[-1]
    res = dict(date=date, machine=dict(cores=os.cpu_count(), cpu=cpu, memory_gb=round(mem_gb, 1),
                                       platform=platform.platform()),
               regia=a.regia, git_rev=git, load_average=a.load, per_rank_series=a.per_rank, days=a.days,
               summaries=S, weak_scaling_efficiency_1_to_2=eff, memory_fit=mem_fit, model_inputs=model_inputs,
               checks=checks, runs=runs, ingest=ingest, errors=errors, valid=not errors,
               benchmark_elapsed_s=a.elapsed)
    with open(a.out + ".json", "w") as f:
        json.dump(res, f, indent=1, default=float)

    # --- markdown ------------------------------------------------------------------------
    def f1(x, d=1):
        return "-" if x is None else f"{x:.{d}f}"

    L = [f"# regia forecast and ingest: weak scaling, {date}", ""]
    L.append(f"Machine: {os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GB RAM, shared with other work while this ran "
             f"(load average {a.load}). {a.regia}, git {git}.")
    L.append("")
    L.append(f"`regia forecast --season 7 --horizon 14 --backend cpu --threads 1` (automatic ETS selection, "
             f"80/95 % intervals), one thread per rank, on {a.per_rank} air-quality-like daily series of "
             f"{a.days} values per rank (`benchmarks/gen_series_long.py`), rows ordered by time (each day's rows "
             f"of all series together, as a file appended day by day: every rank's byte range holds rows of every "
             f"series, so about (P-1)/P of the rows go through the all-to-all). Each rank runs under "
             f"`/usr/bin/time` (peak resident memory). Phase times are regia's own (its last log line, rank 0: "
             f"read = job load, byte-range parse, SHA-256, routing and index; compute = the ETS block loop; "
             f"write = the collective NetCDF-4 write; manifest = the rest of regia's total: the manifest, for which rank 0 "
             f"hashes the input a second time and the output, and the commit; 0.1 s resolution).")
    L.append("")
    L.append("## Weak scaling, 1 and 2 ranks")
    L.append("")
    L.append("| ranks | series | input MB | runs | wall min s | wall median s | read s | compute s | write s | "
             "manifest s | series/s per rank (compute) | core share per rank | peak memory per rank MiB |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for lab in ("np1", "np2"):
        s = S[lab]
        if s:
            L.append(f"| {s['ranks']} | {s['series']} | {f1(s['input_mb'])} | {s['runs']} | {f1(s['wall_min_s'])} | "
                     f"{f1(s['wall_median_s'])} | {f1(s['read_median_s'], 2)} | {f1(s['compute_median_s'])} | "
                     f"{f1(s['write_median_s'], 2)} | {f1(s['manifest_median_s'])} | {f1(s['series_per_s_per_rank'])} | "
                     f"{f1(s['core_share_median'], 2)} | {', '.join(f'{x:.0f}' for x in s['rss_by_rank_mb'])} |")
    L.append("")
    if eff:
        L.append("Core share: the rank's user + system CPU time over the run's wall time; below 1 the rank waited "
                 "for a core (this machine is shared) or for another rank.")
        L.append("")
        L.append(f"Weak-scaling efficiency T1/T2 (twice the series on twice the ranks): **{eff['wall_min']:.2f}** "
                 f"on the fastest runs, {eff['wall_median']:.2f} on the medians; compute phase alone "
                 f"{eff['compute_median']:.2f}, read phase {f1(eff['read_median'], 2)}. Phase times are medians.")
        L.append("")
        L.append(f"CPU time per rank (user + system, median): {eff['cpu_s_per_rank'][0]:.1f} s at 1 rank, "
                 f"{eff['cpu_s_per_rank'][1]:.1f} s at 2 ranks: a CPU-time efficiency of **{f1(eff['cpu_time'], 2)}**. "
                 f"It does not depend on how much of the cores other work took (the wall-time efficiency does: "
                 f"see the core share), but counts MPI's busy waiting in collectives as work.")
        if S["np2"] and S["np2"].get("cost_share_pct"):
            L.append(f"At 2 ranks the largest rank had {S['np2']['cost_share_pct']:.1f} % of the compute cost "
                     f"(ideal 50 %).")
    if S["np2s"]:
        s = S["np2s"]
        L.append("")
        L.append(f"The same 2-rank input ordered by series instead (each rank's byte range then holds almost only "
                 f"its own series, so almost nothing is routed): wall {f1(s['wall_min_s'])} s, read "
                 f"{f1(s['read_median_s'], 2)} s, peak memory per rank "
                 f"{', '.join(f'{x:.0f}' for x in s['rss_by_rank_mb'])} MiB, output identical.")
    L.append("")
    L.append("## 4 and 8 ranks: a check of correctness only")
    L.append("")
    L.append(f"This machine has {os.cpu_count()} cores; 4 and 8 ranks run oversubscribed (`--oversubscribe`), so "
             f"their times say nothing about scaling. Each is compared with a 1-rank run of the same input.")
    L.append("")
    L.append("| ranks | series | wall s | read s | compute s | write s | peak memory per rank MiB | data identical to 1 rank |")
    L.append("|---|---|---|---|---|---|---|---|")
    for lab in ("np4", "np8"):
        s = S[lab]
        if s:
            same = next((c["identical"] for c in checks if c["check"].startswith(f"{s['ranks']} ranks")), False)
            L.append(f"| {s['ranks']} | {s['series']} | {f1(s['wall_min_s'])} | {f1(s['read_median_s'], 2)} | "
                     f"{f1(s['compute_median_s'])} | {f1(s['write_median_s'], 2)} | "
                     f"{', '.join(f'{x:.0f}' for x in s['rss_by_rank_mb'])} | {'yes' if same else '**NO**'} |")
    L.append("")
    L.append("Identity checks (every data variable's values, shape and type, bit for bit; attributes such as "
             "`history` and `date_created` differ by design):")
    L.append("")
    for c in checks:
        L.append(f"- {c['check']}: {'identical' if c['identical'] else 'DIFFERENT: ' + ', '.join(c['differing'])}")
    L.append("")
    L.append("## Figures for the model (docs/scaling.md)")
    L.append("")
    mi = model_inputs
    if mi:
        L.append(f"- compute: {f1(mi['compute_series_per_s_per_rank_1thread'])} series/s per rank on one core of "
                 f"this machine (1 rank, median compute phase; {a.days} values, season 7, automatic selection)")
        L.append(f"- input: {f1(mi['input_bytes_per_row'])} bytes per CSV row; read phase at 1 rank "
                 f"{f1(mi['read_phase_mb_per_s_1rank'])} MB/s of input (parse + SHA-256 + index, page cache)")
        if mi.get("sha256_mb_per_s_1core"):
            L.append(f"- SHA-256 of the input on one core (OpenSSL, as regia's runtime): "
                     f"{f1(mi['sha256_mb_per_s_1core'])} MB/s (`openssl dgst -sha256` of the largest input, cached)")
        L.append(f"- output: {f1(mi['output_bytes_per_series'] / 1e3, 2)} kB per series (NetCDF-4, `observed` "
                 f"dominates: {a.days} x 8 bytes); collective write at 1 rank {f1(mi['write_mb_per_s_1rank'])} MB/s "
                 f"(local disk)")
    if mi and mi.get("qsort_ns_per_int64_1e7"):
        L.append(f"- glibc `qsort` of 10^7 int64 (as regia forecast sorts its time axis on every rank): "
                 f"{mi['qsort_ns_per_int64_1e7']:.0f} ns per element")
    if mem_fit:
        L.append(f"- peak memory of the largest rank against the total number of series (1, 2, 4, 8 ranks, "
                 f"{a.per_rank} series each): {mem_fit['mb_at_zero']:.0f} MiB + "
                 f"{mem_fit['bytes_per_global_series']:.0f} bytes per series of the whole input. A rank's own "
                 f"share is constant in weak scaling, so the slope is what every rank holds for every series "
                 f"(ids, grids, costs, the time axis built from every grid time; see docs/scaling.md), plus "
                 f"Open MPI's per-peer buffers, which grow with the ranks too")
        if "bytes_per_series_at_1_rank" in mem_fit:
            L.append(f"- at 1 rank ({a.per_rank}, {4 * a.per_rank} and {8 * a.per_rank} series): "
                     f"{mem_fit['bytes_per_series_at_1_rank']:.0f} bytes per series (everything: rows, values, "
                     f"results and the replicated state)")
    L.append("")
    L.append("## regia ingest env")
    L.append("")
    if ingest:
        L.append(f"Weak scaling of `regia ingest env` is measured by `benchmarks/bench_ingest.sh` (100 million rows "
                 f"at 2 ranks); its results are in `{ingest['file']}`"
                 + (f" (weak-scaling efficiency T1/T2 = {ingest['efficiency']:.3f})." if ingest["efficiency"] else "."))
    else:
        L.append("Weak scaling of `regia ingest env` is measured by `benchmarks/bench_ingest.sh` (100 million rows at "
                 "2 ranks, 1/2 ranks and 4/8 ranks oversubscribed, outputs compared with 1 rank); no results file of "
                 "it was found when this report was written.")
    L.append("")
    if a.elapsed:
        L.append(f"Benchmark time: {a.elapsed:.0f} s.")
    L.append("")
    L.append("Result: " + ("**VALID** (every check passed)" if not errors else "**INVALID**:"))
    for e in errors:
        L.append(f"- {e}")
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
