#!/usr/bin/env python3
"""Report of bench_sensors_day.sh: the measured table, a cost model per stage, its check on
a held-out size, and the extrapolation to one day of 1,000 triaxial 200 Hz sensors.

Model (CPU seconds, one thread per rank):
  per-record stages (read, qc, welch, fdd, ssi, record): summed over the ranks,
      T = a + b * R  (R records; a record is 12 channels x 120,000 samples, so b / 1.44e6
      is the cost per sample); at P ranks each rank does T / P (equal-cost blocks); "lost"
      (samples whose call chain the unwinder cut short, of unknown stage) is spread the
      same way, since the per-record stages are 90 % of the samples that do unwind;
  index (the store's index on every rank, the SHA-256 of its files shared round-robin over
      the ranks, one file per structure): the busiest rank's T = a + b * B / min(P, S)
      (B store bytes, S structures = files);
  products (rank 0: the overview and at most [job] quicklook_max = 24 figures, two per
      structure): T = a + b * min(S, 12);
  post, write, other (every rank: post-processing of all structures, output, start-up):
      the largest rank's T = a + b * R.
Predicted wall time at P free cores = per-record / P + index + products + post + write + other
(+ the store read from disk when it does not fit the page cache, at a stated bandwidth).
Exit status 0 when every check holds, 1 otherwise."""
import argparse
import datetime
import json
import os
import sys

import netCDF4
import numpy as np

PAR = ["read", "qc", "welch", "fdd", "ssi", "record", "lost"]
SER = ["post", "write", "other"]
ONE = ["index", "products"]  # modelled on their own variables (see the top)
STAGES = PAR + ONE + SER
FIG_STRUCT = 12  # structures with figures: quicklook_max 24 / 2 (tracks and spectrum)
# "mpi" (waiting in MPI calls for the other ranks) is measured and shown but not modelled:
# with equal-cost blocks on free cores it is small; here it is the other jobs' doing.
REC_MIN, FS, CH = 10, 200.0, 12
NS = int(REC_MIN * 60 * FS)  # samples per channel and record


def load_runs(path):
    runs = []
    for line in open(path):
        s, h, np_, prof, wall, load, sbytes, o = line.rstrip("\n").split("\t")
        r = dict(S=int(s), H=int(h), np=int(np_), prof=int(prof), wall=float(wall), load=float(load),
                 bytes=int(sbytes), dir=o)
        r["R"] = r["S"] * r["H"] * 6
        r["time"] = []
        for k in range(r["np"]):
            t = open(os.path.join(o, f"time.{k}")).read().split()
            d = dict(zip(t[0::2], t[1::2])) if len(t) % 2 == 0 else {}
            vals = t[t.index("cpu_s") + 1:t.index("cpu_s") + 3]
            r["time"].append(dict(rss_mb=float(t[t.index("rss_kb") + 1]) / 1024, cpu=sum(map(float, vals))))
        if r["prof"]:
            r["stages"] = [json.load(open(os.path.join(o, f"stages.{k}.json"))) for k in range(r["np"])]
        runs.append(r)
    return runs


def check_run(r, errs):
    """The run's own outputs: manifest record count, summary structures and records."""
    tag = f"S={r['S']} H={r['H']} np={r['np']}"
    try:
        m = json.load(open(os.path.join(r["dir"], "sensors.manifest.json")))
    except (OSError, ValueError) as e:
        errs.append(f"{tag}: no manifest ({e})")
        return None
    if int(m.get("records", -1)) != r["R"]:
        errs.append(f"{tag}: manifest records {m.get('records')} != {r['R']}")
    if int(m.get("structures", -1)) != r["S"]:
        errs.append(f"{tag}: manifest structures {m.get('structures')} != {r['S']}")
    d = netCDF4.Dataset(os.path.join(r["dir"], "sensors.nc"))
    d.set_auto_mask(False)
    ns = len(d.dimensions["structure"])
    ana = np.asarray(d["records_analysed"][:], dtype=np.int64)
    left = np.asarray(d["records_left_out"][:], dtype=np.int64)
    got = int(ana[ana > 0].sum() + left[left > 0].sum())
    if ns != r["S"]:
        errs.append(f"{tag}: summary has {ns} structures, expected {r['S']}")
    if got != r["R"]:
        errs.append(f"{tag}: records_analysed + records_left_out = {got}, expected {r['R']}")
    if int(ana[ana > 0].sum()) < 0.8 * r["R"]:
        errs.append(f"{tag}: only {int(ana[ana > 0].sum())} of {r['R']} records analysed")
    r["analysed"] = int(ana[ana > 0].sum())
    r["timings"] = m.get("timings_s", {})
    dig = {}
    for n in sorted(d.variables):
        v = d.variables[n][:]
        dig[n] = np.asarray(v).tobytes()
    d.close()
    return dig


def stage_obs(r):
    """Observed CPU seconds per stage: summed over ranks for per-record stages, the largest
    rank for the others."""
    st = r["stages"]
    o = {}
    for k in PAR:
        o[k] = sum(x[k] for x in st)
    for k in ONE + SER:
        o[k] = max(x.get(k, 0.0) for x in st)
    return o


def xvar(k, R, B, S, P):
    """The variable a stage's cost is linear in (see the top)."""
    if k == "index":
        return B / min(P, S)
    if k == "products":
        return min(S, FIG_STRUCT)
    return R


def fit(x, y):
    A = np.vstack([np.ones_like(x), x]).T
    (a, b), *_ = np.linalg.lstsq(A, y, rcond=None)
    if a < 0:  # a negative start-up cost is noise: through the origin
        a, b = 0.0, float(np.dot(x, y) / np.dot(x, x))
    if b < 0:  # a cost that falls with the work is noise: a constant
        a, b = float(np.mean(y)), 0.0
    return float(a), float(b)


def predict(model, R, B, S, P):
    """CPU seconds per stage of the busiest rank at P ranks, R records, B store bytes, S
    structures."""
    out = {}
    for k in PAR:
        a, b = model[k]
        out[k] = (a + b * R) / P
    for k in ONE + SER:
        a, b = model[k]
        out[k] = a + b * xvar(k, R, B, S, P)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--holdout", required=True)
    ap.add_argument("--tol", type=float, default=0.2)
    ap.add_argument("--disk-bytes", type=float, required=True)
    ap.add_argument("--disk-s", type=float, required=True)
    ap.add_argument("--core-ratio-booster", type=float, default=1.0)
    ap.add_argument("--core-ratio-dcgp", type=float, default=1.0)
    ap.add_argument("--lustre-gbs", type=float, default=5.0)
    ap.add_argument("--regia", default="regia")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    errs = []
    runs = load_runs(a.runs)
    digests = {}
    for r in runs:
        digests[(r["S"], r["H"], r["np"])] = check_run(r, errs)
    for (s, h, p), dg in digests.items():
        if p == 1 and dg is not None:
            d2 = digests.get((s, h, 2))
            if d2 is None:
                errs.append(f"S={s} H={h}: no 2-rank run to compare the 1-rank summary with")
            else:
                diff = [n for n in dg if n not in ("history",) and dg[n] != d2.get(n)]
                if diff:
                    errs.append(f"S={s} H={h}: summary at 1 rank differs from 2 ranks in {', '.join(diff[:5])}")
    sizes = [tuple(map(int, z.split(":"))) for z in a.sizes.split()]
    hs, hh = map(int, a.holdout.split(":"))
    prof = [r for r in runs if r["prof"] and r["np"] == 2]
    fitr = [r for r in prof if (r["S"], r["H"]) in sizes]
    hold = [r for r in prof if (r["S"], r["H"]) == (hs, hh)]
    if len(fitr) < 3 or not hold:
        errs.append("too few profiled runs to fit and check the model")
    model, check = {}, {}
    if fitr and hold:
        R = np.array([r["R"] for r in fitr], float)
        for k in STAGES:
            x = np.array([xvar(k, r["R"], r["bytes"], r["S"], r["np"]) for r in fitr], float)
            y = np.array([stage_obs(r)[k] for r in fitr])
            model[k] = fit(x, y)
        h = hold[0]
        pred = predict(model, h["R"], h["bytes"], h["S"], 2)
        obs = stage_obs(h)
        obs_rank = {k: obs[k] / 2 if k in PAR else obs[k] for k in STAGES}
        groups = {"per-record stages": PAR, "index + products + post + write + other": ONE + SER}
        for g, ks in groups.items():
            p_, o_ = sum(pred[k] for k in ks), sum(obs_rank[k] for k in ks)
            check[g] = dict(pred=p_, obs=o_, err=(p_ - o_) / o_ if o_ > 0 else 0.0)
        p_tot = sum(pred.values())
        o_tot = max(t["cpu"] - x.get("mpi", 0.0) for t, x in zip(h["time"], h["stages"]))
        check["busiest rank CPU (time) less its MPI wait"] = dict(pred=p_tot, obs=o_tot, err=(p_tot - o_tot) / o_tot)
        for g in ("per-record stages", "busiest rank CPU (time) less its MPI wait"):
            if abs(check[g]["err"]) > a.tol:
                errs.append(f"held-out {hs}:{hh}: {g} predicted {check[g]['pred']:.1f} s, measured "
                            f"{check[g]['obs']:.1f} s ({100 * check[g]['err']:+.1f} %, tolerance {100 * a.tol:.0f} %)")
        # memory of the busiest rank: a + b * R on the fitted sizes (one trace per record and
        # channel), and on the held-out run's layout (continuous: a few traces per channel)
        # the same a with the slope through its point
        rss_fit = fit(R, np.array([max(t["rss_mb"] for t in r["time"]) for r in fitr]))
        rss_h = max(t["rss_mb"] for t in h["time"])
        rss = (rss_fit[0], max(rss_h - rss_fit[0], 0.0) / h["R"])
        check["busiest rank memory MB (periodic-layout fit)"] = dict(
            pred=rss_fit[0] + rss_fit[1] * h["R"], obs=rss_h,
            err=(rss_fit[0] + rss_fit[1] * h["R"] - rss_h) / rss_h)
    # --- extrapolation: 1,000 triaxial sensors = 250 structures of 4, 144 records a day each
    day = {}
    if model:
        S_day, R_day = 250, 250 * 144
        samples = R_day * CH * NS
        bytes_per_rec = float(np.mean([r["bytes"] / r["R"] for r in prof]))
        B_day = bytes_per_rec * R_day
        disk_bw = a.disk_bytes / a.disk_s
        def scen(P, ratio, bw, label):
            p = predict(model, R_day, B_day, S_day, P)
            cpu = {k: v / ratio for k, v in p.items()}
            io = 2 * B_day / bw  # the index hashes the store once, the records read it once
            return dict(label=label, ranks=P, core_ratio=ratio, bw_gbs=bw / 1e9, stages=cpu,
                        cpu_s=sum(cpu.values()), io_s=io, wall_s=sum(cpu.values()) + io,
                        rss_mb=rss[0] + rss[1] * R_day)
        day = dict(sensors=1000, structures=S_day, records=R_day, samples=samples, store_bytes=B_day,
                   float32_bytes=samples * 4,
                   here=scen(2, 1.0, disk_bw, "here, 2 ranks (2 cores), store on the local disk"),
                   booster=scen(32, a.core_ratio_booster, a.lustre_gbs * 1e9,
                                "Leonardo Booster node, 32 ranks (32 cores; 4 A100 unused by the CPU backend)"),
                   dcgp=scen(112, a.core_ratio_dcgp, a.lustre_gbs * 1e9, "Leonardo DCGP node, 112 ranks (112 cores)"))
    # --- write
    res = dict(date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               regia=a.regia, tol=a.tol, disk_read_bytes_per_s=a.disk_bytes / a.disk_s,
               runs=[{k: v for k, v in r.items() if k not in ("dir",)} for r in runs],
               model={k: dict(a=v[0], b=v[1], unit={"index": "s + s/byte per rank hashing",
                                                       "products": "s + s/structure with figures"}.get(k, "s + s/record"))
                      for k, v in model.items()},
               check=check, extrapolation=day, errors=errs)
    json.dump(res, open(a.out + ".json", "w"), indent=1, default=float)
    L = []
    w = L.append
    w(f"# One day of 1,000 triaxial 200 Hz sensors through `regia sensors` ({res['date'][:10]})\n")
    w("benchmarks/bench_sensors_day.sh: `regia gen sensors` stores of S structures x 4 triaxial sensors "
      "(12 channels) x H hours of 10-minute records at 200 Hz (one day, `--interval-minutes 240/H`), "
      "`regia sensors` (CPU backend, 1 thread per rank, Welch nperseg 2048, SSI orders 2:40:2, block rows 20) "
      "with every rank under `perf record --call-graph dwarf` (cpu-clock) for the stage split. "
      "The machine is 2 cores shared with other jobs: the load average is given; CPU seconds are the "
      "measure the model uses, wall seconds are what the run took under that load.\n")
    w("## Measured\n")
    w("| S | H | sensors | records | samples | store MB | ranks | wall s | load | CPU s per rank | RSS MB per rank | "
      "read | qc | welch | fdd | ssi | record | lost | index | products | post | write | other | mpi wait |")
    w("|" + "---|" * 24)
    for r in runs:
        cpu = ", ".join(f"{t['cpu']:.1f}" for t in r["time"])
        rss_ = ", ".join(f"{t['rss_mb']:.0f}" for t in r["time"])
        if r["prof"]:
            o = stage_obs(r)
            st = " | ".join(f"{o[k]:.2f}" for k in STAGES)
            st += " | " + ", ".join(f"{x.get('mpi', 0.0):.2f}" for x in r["stages"])
        else:
            st = " | ".join("-" for _ in STAGES + ["mpi"])
        tag = " (held out)" if (r["S"], r["H"]) == (hs, hh) else ""
        w(f"| {r['S']} | {r['H']}{tag} | {4 * r['S']} | {r['R']} | {r['R'] * CH * NS:.3g} | {r['bytes'] / 1e6:.0f} | "
          f"{r['np']} | {r['wall']:.1f} | {r['load']:.1f} | {cpu} | {rss_} | {st} |")
    w("\nStage columns: CPU seconds from the perf samples, summed over the ranks for the per-record stages "
      "(read, qc, welch, fdd, ssi, record, and lost: call chains the unwinder cut short), the busiest rank for "
      "index, products, post, write, other; mpi wait per rank (a rank polling in an MPI call "
      "while the other finishes its block: not modelled). "
      "Runs at 1 rank are not profiled; their summary is compared with the 2-rank one (equal: the check).\n")
    for r in runs:
        if r["prof"] and (r["S"], r["H"]) == (hs, hh):
            top = max(r["stages"], key=lambda x: x.get("other", 0.0)).get("other_top", [])
            if top:
                w("The largest call chains in \"other\" on the held-out run (its busiest rank): " +
                  "; ".join(f"{sec:.2f} s {chain}" for sec, chain in top[:5]) + ".\n")
    w(f"O_DIRECT read of the held-out store here: {a.disk_bytes / 1e6:.0f} MB in {a.disk_s:.2f} s "
      f"({a.disk_bytes / a.disk_s / 1e6:.0f} MB/s).\n")
    if model:
        w("## Model (fitted on " + ", ".join(f"{s}:{h}" for s, h in sizes) + f"; held out {hs}:{hh})\n")
        w("| stage | a (s) | b | per sample | parallel over ranks |")
        w("|---|---|---|---|---|")
        for k in STAGES:
            aa, bb = model[k]
            if k == "index":
                w(f"| {k} | {aa:.3f} | {bb * 1e9:.3f} s/GB of store hashed by the rank | - | "
                  "the files round-robin (min(P, S) ranks) |")
            elif k == "products":
                w(f"| {k} | {aa:.3f} | {bb:.3f} s/structure with figures (at most {FIG_STRUCT}) | - | no (rank 0) |")
            else:
                w(f"| {k} | {aa:.3f} | {bb * 1e3:.2f} ms/record | {bb / (CH * NS) * 1e9:.2f} ns | "
                  f"{'yes' if k in PAR else 'no (every rank)'} |")
        w(f"\nMemory of the busiest rank: {rss_fit[0]:.0f} MB + {rss_fit[1] * 1e3:.1f} kB per record on the fitted "
          f"stores (one trace per record and channel); {rss[0]:.0f} MB + {rss[1] * 1e3:.1f} kB per record through "
          "the held-out run (continuous recording, the layout of the day; used below).\n")
        w("## Check on the held-out size\n")
        w("| quantity (busiest rank, 2 ranks) | predicted | measured | error |")
        w("|---|---|---|---|")
        for g, c in check.items():
            unit = "" if "MB" in g else " s"
            w(f"| {g} | {c['pred']:.1f}{unit} | {c['obs']:.1f}{unit} | {100 * c['err']:+.1f} % |")
        w(f"\nCPU seconds. Tolerance {100 * a.tol:.0f} % on the per-record stages and on the busiest rank's CPU time "
          "(/usr/bin/time).\n")
        w("## Extrapolation: 1,000 triaxial sensors x 24 h at 200 Hz\n")
        w(f"250 structures of 4 sensors, {day['records']} records, {day['samples']:.3g} samples "
          f"({day['float32_bytes'] / 1e9:.0f} GB as float32; {day['store_bytes'] / 1e9:.0f} GB as the store "
          "writes it, deflate included).\n")
        w("| where | ranks | core ratio | read GB/s | per-record stages s | index+products+post+write+other s | "
          "I/O s | total h | memory per rank GB |")
        w("|---|---|---|---|---|---|---|---|---|")
        for key in ("here", "booster", "dcgp"):
            sc = day[key]
            perrec = sum(sc["stages"][k] for k in PAR)
            ser = sum(sc["stages"][k] for k in ONE + SER)
            w(f"| {sc['label']} | {sc['ranks']} | {sc['core_ratio']:.2f} | {sc['bw_gbs']:.2f} | {perrec:.0f} | "
              f"{ser:.0f} | {sc['io_s']:.0f} | {sc['wall_s'] / 3600:.2f} | {sc['rss_mb'] / 1e3:.1f} |")
        sh = day["here"]["stages"]
        tot = sum(sh.values())
        w("\nShare of the CPU time at the day's size here: " +
          ", ".join(f"{k} {100 * sh[k] / tot:.1f} %" for k in STAGES) + ".\n")
        w("Assumptions (no Leonardo numbers were measured): a Leonardo core runs this code "
          f"{a.core_ratio_booster:.2f}x (Booster, Xeon Platinum 8358, Ice Lake 2.6 GHz) and "
          f"{a.core_ratio_dcgp:.2f}x (DCGP, 2 x 56-core Xeon Platinum 8480+, Sapphire Rapids) as fast as a core "
          "here (a virtual AMD EPYC core with AVX-512; OpenBLAS picks its Cooper Lake kernels) "
          "(`CORE_RATIO_BOOSTER`, `CORE_RATIO_DCGP`); one rank per core with 1 thread, the records shared in "
          "equal-cost blocks; the store read twice (the SHA-256 of its files, shared over the ranks, then the "
          "records) at "
          f"{a.lustre_gbs:.1f} GB/s per node from Lustre (`LUSTRE_GBS`), not overlapped with compute; here at "
          "the O_DIRECT bandwidth measured above (the store is 8x this machine's memory, so the page cache "
          "does not hold it). The post-processing runs on every rank over all records (as regia sensors "
          "does), so it does not shrink with ranks. GPU: only the Welch cross-spectral matrix is a backend op "
          "(cuFFT on the CUDA backend); QC, FDD, SSI and the post-processing run on the CPU, so on a "
          "Booster node the A100s would take the welch share alone.\n")
    w("## Verdict\n")
    w("PASS: every run succeeded with the expected records, 1 and 2 ranks agree, the model is within "
      "tolerance on the held-out size." if not errs else "FAIL:\n" + "\n".join(f"- {e}" for e in errs))
    open(a.out + ".md", "w").write("\n".join(L) + "\n")
    print("\n".join(L))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
