#!/usr/bin/env python3
"""Stage split of one `regia sensors` rank from its perf samples.

    sensors_day_stages.py PERF_SCRIPT_TXT   -> JSON {stage: cpu seconds, ..., "samples": n}

Stages: read (samples from the store: HDF5/NetCDF and inflate), qc (quality flags, clock
offsets), welch (the cross-spectral matrix, backend op), fdd, ssi (SSI with automatic
modes), record (the rest of a record's analysis), post (tracking, novelty, alerts, GEV),
products (rank 0: the figures and tables of sensors.products/), write (summary, detail,
manifest), index (the store's index and the SHA-256 of its files), mpi (a rank
waiting in an MPI call: imbalance, polled on the CPU by Open MPI), other
(MPI start-up, the loader, the kernel outside these: its largest call chains are listed
in "other_top"), lost (a call chain the unwinder cut short, stage unknown).
Input: `perf script -F period,ip,sym,dso --no-inline` of a `perf record --call-graph dwarf`
run (cpu-clock, period in ns).  Each sample is charged to the innermost frame of its call
chain that names a stage of the pipeline (drivers/sensors_*.c and the kernels it calls)."""
import json
import re
import sys

# innermost match wins (frames are read leaf first)
STAGES = [
    ("read", re.compile(r"^(regia_ss_read_channel|record_temperature|H5Dread|NC4_get_vars|nc_get_vara\w*)$")),
    ("qc", re.compile(r"^(regia_qc_\w+|clock_offsets)$")),
    ("welch", re.compile(r"^(regia_welch\w*|regia_cpu_welch|regia_cuda_welch)$")),
    ("fdd", re.compile(r"^regia_fdd\w*$")),
    ("ssi", re.compile(r"^(regia_ssi_\w+|pick_modes)$")),
    ("post", re.compile(r"^sn_post$")),
    ("products", re.compile(r"^(sn_products|regia_products_make)$")),
    ("write", re.compile(r"^(sn_write|sn_define|sn_write_detail|write_output|write_extras|write_manifest)$")),
    ("index", re.compile(r"^(sn_read|sn_index|sn_configure|regia_sha256_file)$")),
    ("record", re.compile(r"^(analyse|sn_compute)$")),  # per-record bookkeeping outside the kernels
    # a rank waiting in an MPI call for the others (Open MPI polls: CPU time, not work)
    ("mpi", re.compile(r"^P?MPI_(?!Init|Finalize)\w+$")),
]


# where no frame names a stage (an unwind that stops inside a library without frame
# information), the leaf's library: LAPACK/BLAS is SSI (its eigenvalues and SVDs), HDF5,
# NetCDF and zlib are the read
LEAF_DSO = [
    ("ssi", re.compile(r"lib(openblas|lapack|blas)")),
    ("read", re.compile(r"lib(hdf5|netcdf|z)\b")),
]


# the outermost frames of a whole call chain; a chain without one was cut short by the
# unwinder (16 kB of stack copied per sample) and is "lost": work of unknown stage, which
# the model spreads like the per-record stages (they are 90 % of the samples that unwind)
ROOT = re.compile(r"^(main|_start|start_thread|clone3?|__libc_start_call_main|__libc_start_main\S*)$")


def classify(frames, dsos=()):
    for sym in frames:
        for name, rx in STAGES:
            if rx.match(sym):
                return name
    if dsos:
        for name, rx in LEAF_DSO:
            if rx.search(dsos[0]):
                return name
    if not any(ROOT.match(sym) for sym in frames):
        return "lost"
    return "other"


def main():
    out = {name: 0.0 for name, _ in STAGES}
    out["other"] = out["lost"] = 0.0
    other_top = {}
    n = 0
    period, frames, dsos = None, [], []

    def flush():
        nonlocal n
        if period is not None:
            k = classify(frames, dsos)
            out[k] += period * 1e-9
            if k == "other":  # what it was: the four outermost named frames
                named = [f for f in frames if f and not f.startswith(("[", "0x"))]
                key = " < ".join(named[::-1][:4])
                other_top[key] = other_top.get(key, 0.0) + period * 1e-9
            n += 1

    with open(sys.argv[1], errors="replace") as f:
        for line in f:
            s = line.strip()
            if not s:
                continue
            if not line[0].isspace() or re.fullmatch(r"\d+", s):
                flush()
                period, frames, dsos = int(s.split()[-1]), [], []
            else:
                parts = s.split(None, 1)
                if len(parts) == 2:
                    frames.append(re.sub(r"\s*\(.*\)$", "", parts[1]).split("+")[0])
                    m = re.search(r"\(([^()]*)\)$", parts[1])
                    dsos.append(m.group(1) if m else "")
    flush()
    out["samples"] = n
    out["other_top"] = sorted(([round(v, 3), k] for k, v in other_top.items()), reverse=True)[:8]
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
