#!/usr/bin/env python3
"""SSI per record with the peers, for benchmarks/bench_ssi.sh: pyOMA-2 1.4.3 (SSIcov, its
hard/soft criteria and its automatic clustering) and koma-python 1.3.6 (oma.covssi,
find_stable_poles and the HDBSCAN pole clusterer of its shear-frame notebook) on one record,
single-threaded.  Prints one JSON object: CPU seconds per record (process time, median of the
repetitions, so that other load on the machine does not count), wall seconds, and the modes
(Hz, damping) each found.

  ssi_peers.py RECORD.npy FS BLOCK_ROWS ORD_MIN ORD_MAX STEP REPS
"""
import json
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def best_of(fn, reps):
    ts, ws, out = [], [], None
    for _ in range(reps):
        t, w = time.process_time(), time.perf_counter()
        out = fn()
        ts.append(time.process_time() - t)
        ws.append(time.perf_counter() - w)
    return float(np.median(ts)), float(np.median(ws)), out


def run_pyoma2(y, fs, br, omin, omax, step):
    import logging
    logging.disable(logging.CRITICAL)
    from pyoma2.algorithms import SSI
    from pyoma2.algorithms.data.run_params import Clustering
    from pyoma2.setup import SingleSetup
    ss = SingleSetup(y, fs=fs)
    alg = SSI(name="SSIcov", method="cov", br=br, ordmin=omin, ordmax=omax, step=step)
    ss.add_algorithms(alg)
    ss.run_by_name("SSIcov")
    alg.add_clustering(Clustering(name="auto", quick="Kvaale"))
    alg.run_clustering(name="auto")
    res = alg.result.clustering_results["auto"]
    order = np.argsort(res.Fn)
    return [float(v) for v in np.asarray(res.Fn)[order]], [float(v) for v in np.asarray(res.Xi)[order]]


def run_koma(y, fs, br, omin, omax, step):
    from koma import clustering, oma
    orders = np.arange(omin, omax + 1, step)
    lambd, phi, ords = oma.covssi(y, fs, br, orders, showinfo=False)
    ls, ps, os_, ix = oma.find_stable_poles(
        lambd, phi, ords, 1, stabcrit={"freq": 0.05, "damping": 0.2, "mac": 0.1},
        valid_range={"freq": [0, np.inf], "damping": [0, 0.3], "mpc": [0.4, 1.0]}, indicator="freq")
    pc = clustering.PoleClusterer(ls, ps, os_, min_cluster_size=10, min_samples=10,
                                  scaling={"mac": 1.0, "lambda_real": 1.0, "lambda_imag": 1.0})
    args = pc.postprocess(prob_threshold=0.99, normalize_and_maxreal=True)
    xi, wn, _, _, _, _ = clustering.group_clusters(*args)
    f = np.array([np.median(w) for w in wn]) / (2 * np.pi)
    x = np.array([np.median(v) for v in xi])
    order = np.argsort(f)
    return [float(v) for v in f[order]], [float(v) for v in x[order]]


def main():
    path, fs, br, omin, omax, step, reps = sys.argv[1:8]
    y = np.load(path)
    fs, br, omin, omax, step, reps = float(fs), int(br), int(omin), int(omax), int(step), int(reps)
    out = {}
    for name, fn in (("pyoma2", run_pyoma2), ("koma", run_koma)):
        try:
            import io, contextlib
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                fn(y, fs, br, omin, omax, step)  # warm-up (imports, caches)
                t, w, (f, x) = best_of(lambda: fn(y, fs, br, omin, omax, step), reps)
            out[name] = {"seconds": t, "wall_seconds": w, "f": f, "xi": x}
        except Exception as e:  # the benchmark reports a peer that did not run
            out[name] = {"error": repr(e)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
