#!/usr/bin/env python3
"""The model of docs/scaling.md: predicted time of `regia forecast` on 64, 512 and 3,456
Leonardo nodes, from the single-node figures bench_scaling.sh measured here.

Usage: scaling_model.py RESULTS.json [--qsort-ns X] [--markdown]

RESULTS.json is a benchmarks/results/scaling_<date>.json.  Each term and each constant is
explained in docs/scaling.md; MEASURED values come from the JSON (or the command line),
CITED ones from Cineca's documentation, ASSUMED ones are this model's guesses.
"""
import argparse
import json
import math

# ---- Leonardo (cited: see docs/scaling.md, "Sources") -------------------------------------
BOOSTER_NODES = 3456
BOOSTER_CORES = 32            # 1 x Xeon Platinum 8358 per node
BOOSTER_GPUS = 4              # A100 64 GB
BOOSTER_NIC_GBS = 50.0        # 2 x dual-port HDR100: 400 Gb/s aggregated per node
PAIR_GBS = 25.0               # "200 Gbit/s between each pair of nodes"
IO500_BW_GBS = 807.12         # IO500 bandwidth score of Leonardo's Lustre (GB/s)
NODE_MEM_GB = 512

# ---- assumptions (docs/scaling.md says why) ---------------------------------------------
LUSTRE_NODE_READ_GBS = 10.0   # one node's Lustre client, streaming reads of one big file
LUSTRE_NODE_WRITE_GBS = 5.0   # one node's share of a collective NetCDF-4/HDF5 write
LUSTRE_JOB_GBS = IO500_BW_GBS  # what the file system gives one job at most (reads)
NC_WRITE_EFF = 0.5            # collective HDF5 write (metadata, chunking, deflate) vs raw
ALLTOALL_EFF = 0.5            # all-to-all on Dragonfly+ vs the per-pair bandwidth
ALLTOALL_LAT_S = 3e-6         # per peer and exchange (alpha of an Alltoallv step)
GPU_SERIES_PER_S = 5.0e4      # one A100 (the target: 1e6 series in 10 s on an H100, halved)
GPU_MIN_CALL_S = 0.25         # one series' whole fit on one GPU thread: the floor of a small batch
CORE_RATIO = 1.0              # a Leonardo core vs a core of the benchmark machine
RANKS_PER_NODE = 4            # Booster: one rank per GPU (regia submit's default)
THREADS_PER_RANK = 8          # Booster: 32 cores / 4 ranks

ROW_BYTES = 40                # regia_series_row_t on the wire (io/series_csv.h)
SERIES_T_BYTES = 40           # cmd_forecast.c series_t, all-gathered to every rank
DAYS = 730
OBS_CAP_CELLS = 1e9           # MAX_OBS_CELLS in cmd_forecast.c: series x time of `observed`


def model(n_series, nodes, m, qsort_ns, sorted_input=False):
    """Seconds of each term, and memory, for n_series daily series of DAYS values on `nodes`
    Booster nodes (RANKS_PER_NODE ranks each).  The terms "SHA-256 on rank 0" and "time axis"
    are what the code does today and what a fix removes (docs/scaling.md)."""
    P = nodes * RANKS_PER_NODE
    rows = n_series * DAYS
    s_in = rows * m["input_bytes_per_row"]
    s_out = n_series * m["output_bytes_per_series"]
    per_rank = n_series / P
    t = {}
    # read: every rank preads its byte range; the job's nodes share the file system
    t["read"] = s_in / (min(nodes * LUSTRE_NODE_READ_GBS, LUSTRE_JOB_GBS) * 1e9)
    # parse: one thread per rank, at the rate measured here
    t["parse"] = (s_in / P) / (m["parse_mb_per_s"] * 1e6 * CORE_RATIO)
    # route: each row once to its owner; the off-node share (1 - 1/nodes) of a time-ordered file
    vol_node = 0.0 if sorted_input else rows * ROW_BYTES / nodes * (1 - 1 / nodes)
    t["all-to-all"] = vol_node / (min(BOOSTER_NIC_GBS, PAIR_GBS) * ALLTOALL_EFF * 1e9) + ALLTOALL_LAT_S * P
    # every rank receives every id (+ count) and every series_t, and sorts the ids
    gath = n_series * (m["id_bytes"] + 8 + SERIES_T_BYTES) * RANKS_PER_NODE
    t["all-gathers + id sort"] = gath / (BOOSTER_NIC_GBS * ALLTOALL_EFF * 1e9) + \
        n_series * 2 * qsort_ns * 1e-9 * math.log2(n_series) / math.log2(1e7)
    t["compute GPU"] = max(per_rank / GPU_SERIES_PER_S, GPU_MIN_CALL_S)
    t["compute CPU"] = per_rank / (m["compute_series_per_s_per_rank_1thread"] * THREADS_PER_RANK * CORE_RATIO)
    t["write"] = s_out / (min(nodes * LUSTRE_NODE_WRITE_GBS, LUSTRE_JOB_GBS * NC_WRITE_EFF) * 1e9)
    # today's serial / replicated terms
    sha_bw = min(m["sha256_mb_per_s_1core"] * 1e6 * CORE_RATIO, LUSTRE_NODE_READ_GBS * 1e9)
    t["SHA-256 on rank 0"] = (2 * s_in + s_out) / sha_bw
    t["time axis"] = rows * qsort_ns * 1e-9 * math.log2(rows) / math.log2(1e7)
    common = t["read"] + t["parse"] + t["all-to-all"] + t["all-gathers + id sort"] + t["write"]
    today = t["SHA-256 on rank 0"] + t["time axis"]
    tot = {"GPU today": common + t["compute GPU"] + today, "GPU fixed": common + t["compute GPU"],
           "CPU fixed": common + t["compute CPU"]}
    own = per_rank * m["own_bytes_per_series"]
    mem = {"today": n_series * m["replicated_bytes_per_series"] / 1e9 + own / 1e9,
           "fixed": (n_series * (m["id_bytes"] + 8 + 8 + SERIES_T_BYTES) + own) / 1e9}
    runs_today = rows <= OBS_CAP_CELLS and RANKS_PER_NODE * mem["today"] < 0.9 * NODE_MEM_GB
    return t, tot, mem, runs_today, s_in, s_out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--qsort-ns", type=float, default=None,
                    help="measured ns per element of glibc qsort on int64 (10^7 elements)")
    a = ap.parse_args()
    R = json.load(open(a.results))
    mi = dict(R["model_inputs"])
    if a.qsort_ns is None:
        a.qsort_ns = mi.get("qsort_ns_per_int64_1e7")
    # parse rate: the read phase at 1 rank minus the SHA-256 of its input and its time-axis sort
    s1 = R["summaries"]["np1"]
    in_mb = s1["input_mb"]
    sha_s = in_mb / mi["sha256_mb_per_s_1core"] if mi.get("sha256_mb_per_s_1core") else 0.0
    rows1 = s1["series"] * DAYS
    axis_s = rows1 * (a.qsort_ns or 0) * 1e-9 * math.log2(rows1) / math.log2(1e7)
    parse_s = max(s1["read_median_s"] - sha_s - axis_s, 1e-3)
    mi["parse_mb_per_s"] = in_mb / parse_s
    mi["id_bytes"] = 9  # "s0000000" + NUL
    mf = R["memory_fit"]
    mi["replicated_bytes_per_series"] = mf["bytes_per_global_series"]
    mi["own_bytes_per_series"] = max(mf["bytes_per_series_at_1_rank"] - mf["bytes_per_global_series"], 0.0)
    print(f"measured here: compute {mi['compute_series_per_s_per_rank_1thread']:.1f} series/s per core, "
          f"parse {mi['parse_mb_per_s']:.0f} MB/s per core (read phase minus SHA-256), "
          f"SHA-256 {mi['sha256_mb_per_s_1core']:.0f} MB/s, {mi['input_bytes_per_row']:.1f} input bytes per row, "
          f"{mi['output_bytes_per_series'] / 1e3:.2f} kB output per series, memory "
          f"{mi['replicated_bytes_per_series']:.0f} B per series on every rank + "
          f"{mi['own_bytes_per_series']:.0f} B per own series"
          + (f", qsort {a.qsort_ns:.0f} ns per element" if a.qsort_ns else ""))
    q = a.qsort_ns or 100.0
    for n_series in (1e6, 1e7, 1e8):
        res = [(nodes,) + model(n_series, nodes, mi, q) for nodes in (64, 512, 3456)]
        _, t0, _, _, _, s_in, s_out = res[0]
        print()
        print(f"### {n_series:.0e} series x {DAYS} days: input {s_in / 1e9:.0f} GB, output {s_out / 1e9:.0f} GB")
        print()
        terms = list(t0)
        print("| nodes | " + " | ".join(f"{h} s" for h in terms) + " | total today, GPU s | total fixed, GPU s | "
              "total fixed, CPU s | efficiency fixed GPU / CPU | memory per rank today / fixed GB | runs today |")
        print("|---|" + "---|" * len(terms) + "---|---|---|---|---|---|")
        b = res[0]
        for nodes, t, tot, mem, ok, _, _ in res:
            eg = b[0] * b[2]["GPU fixed"] / (nodes * tot["GPU fixed"])
            ec = b[0] * b[2]["CPU fixed"] / (nodes * tot["CPU fixed"])
            print(f"| {nodes} | " + " | ".join(f"{t[h]:.2f}" for h in terms) +
                  f" | {tot['GPU today']:.1f} | {tot['GPU fixed']:.1f} | {tot['CPU fixed']:.1f} | {eg:.2f} / {ec:.2f} | "
                  f"{mem['today']:.1f} / {mem['fixed']:.1f} | {'yes' if ok else 'no'} |")


if __name__ == "__main__":
    main()
