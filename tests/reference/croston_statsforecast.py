"""regia's Croston family against statsforecast 2.1.1 (run in the peer venv).

  croston_statsforecast.py gen OUT.csv [--count N] [--seed S]
      deterministic intermittent, lumpy, erratic and smooth series (lengths 8..200) plus
      the edge cases (all zeros, a single demand, rounding ties of the mean interval,
      series shorter than the aggregation level, non-integer sizes); one line per series:
      "id,y0,y1,...".
  croston_statsforecast.py compare SERIES.csv REGIA.csv
      statsforecast's CrostonClassic, CrostonSBA, CrostonOptimized, TSB(0.2, 0.1),
      TSB(0.5, 0.05), ADIDA and IMAPA on every series against regia's values
      (test_k_croston --csv), |regia - sf| <= 1e-9 max(1, |sf|); ADI, CV^2 and the
      Syntetos-Boylan class against numpy.  Exit 1 on any disagreement.

Used by tests/cli/test_croston_statsforecast.sh and benchmarks/bench_croston.sh.
"""
import sys
import warnings

import numpy as np

TOL = 1e-9
COLUMNS = ["classic", "sba", "optimized", "tsb_0.2_0.1", "tsb_0.5_0.05", "adida", "imapa"]


def models():
    """(column, statsforecast model) in the order of regia's CSV columns."""
    from statsforecast.models import ADIDA, IMAPA, TSB, CrostonClassic, CrostonOptimized, CrostonSBA

    return list(zip(COLUMNS, [CrostonClassic(), CrostonSBA(), CrostonOptimized(), TSB(alpha_d=0.2, alpha_p=0.1),
                              TSB(alpha_d=0.5, alpha_p=0.05), ADIDA(), IMAPA()]))


def edge_cases():
    """Hand-made series whose treatment statsforecast defines in a corner."""
    cases = []
    for n in (1, 2, 8, 13, 50):
        cases.append(("zeros_%d" % n, np.zeros(n)))
    for n, pos in ((1, 0), (8, 0), (8, 7), (8, 3), (9, 4), (13, 12), (100, 99), (100, 0), (200, 137)):
        y = np.zeros(n)
        y[pos] = 4.0
        cases.append(("single_%d_at_%d" % (n, pos), y))
    # mean interval exactly k + 0.5: numpy/Python round half to even
    y = np.zeros(10); y[1] = 2; y[4] = 3                    # intervals 2, 3 -> 2.5 -> 2
    cases.append(("tie_2.5", y))
    y = np.zeros(12); y[2] = 1; y[6] = 5                    # intervals 3, 4 -> 3.5 -> 4
    cases.append(("tie_3.5", y))
    y = np.zeros(9); y[0] = 1; y[8] = 1                     # intervals 1, 8 -> 4.5 -> 4
    cases.append(("tie_4.5", y))
    y = np.zeros(11); y[0] = 7; y[1] = 1; y[10] = 2         # intervals 1,1,9 -> 11/3 -> 4
    cases.append(("k4_short", y))
    # the aggregation level close to the length: one block, or a few
    y = np.zeros(8); y[6] = 3                                # k 7, one block of 7
    cases.append(("one_block", y))
    y = np.array([0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 2.0])  # k 7 or 8
    cases.append(("two_blocks", y))
    cases.append(("constant", np.full(20, 3.0)))           # every alpha ties: the middle
    cases.append(("all_ones", np.ones(9)))
    cases.append(("short_2", np.array([1.0, 2.0])))
    cases.append(("short_3", np.array([0.0, 0.0, 5.0])))
    cases.append(("dense_then_zero", np.r_[np.arange(1.0, 21.0), np.zeros(30)]))
    cases.append(("fractional", np.array([0, 0.37, 0, 0, 1.11, 0, 2.96, 0, 0, 0, 0.74, 0.13, 0, 0, 1.85, 0])))
    cases.append(("example", np.array([0, 0, 3, 0, 0, 1, 0, 0, 0, 4, 0, 2, 0, 0, 5, 0.0])))
    return cases


def generated(count, seed):
    """Random series of four Syntetos-Boylan kinds, sizes integer or not."""
    rng = np.random.default_rng(seed)
    out = []
    kinds = ["intermittent", "lumpy", "erratic", "smooth"]
    for i in range(count):
        kind = kinds[i % 4]
        n = int(rng.integers(8, 201))
        if kind in ("intermittent", "lumpy"):
            p = rng.uniform(0.03, 0.6)
        else:
            p = rng.uniform(0.8, 1.0)
        occ = rng.random(n) < p
        if kind in ("lumpy", "erratic"):
            size = np.ceil(rng.lognormal(1.0, 1.2, n))
        else:
            size = 1.0 + rng.poisson(rng.uniform(1, 30), n)
        y = np.where(occ, size, 0.0)
        if i % 7 == 3:
            y = np.round(y * rng.uniform(0.1, 3.0), 3)  # non-integer demand (hours, kg, ...)
        out.append(("%s_%03d" % (kind, i), y))
    return out


def write_series(path, series):
    with open(path, "w") as f:
        for name, y in series:
            f.write(name + "".join("," + repr(float(v)) for v in y) + "\n")


def read_series(path):
    series = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split(",")
            series.append((parts[0], np.array([float(v) for v in parts[1:]], dtype=np.float64)))
    return series


def read_regia(path):
    rows = {}
    with open(path) as f:
        header = f.readline().rstrip("\n").split(",")
        for line in f:
            parts = line.rstrip("\n").split(",")
            rows[parts[0]] = dict(zip(header[1:], parts[1:]))
    return rows


def sb_class(y):
    """ADI, CV^2 and class, written out with numpy (not regia's code)."""
    nz = np.flatnonzero(y)
    if nz.size == 0:
        return float("nan"), float("nan"), "zero"
    adi = float(np.diff(nz + 1, prepend=0).mean())
    z = y[nz]
    cv2 = float(z.var() / z.mean() ** 2)
    if adi < 1.32:
        return adi, cv2, "smooth" if cv2 < 0.49 else "erratic"
    return adi, cv2, "intermittent" if cv2 < 0.49 else "lumpy"


def compare(series_path, regia_path):
    series = read_series(series_path)
    regia = read_regia(regia_path)
    ms = models()
    bad = 0
    checked = exact = 0
    worst = 0.0
    for name, y in series:
        r = regia.get(name)
        if r is None:
            print("MISSING %s in %s" % (name, regia_path))
            bad += 1
            continue
        for col, m in ms:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = float(m.forecast(y=y.copy(), h=1)["mean"][0])
            got = float(r[col])
            err = abs(got - want) / max(1.0, abs(want))
            checked += 1
            exact += got == want
            worst = max(worst, err)
            if not err <= TOL:
                bad += 1
                print("DIFF %-22s %-13s regia %.17g statsforecast %.17g (rel %.3g)" % (name, col, got, want, err))
        adi, cv2, cls = sb_class(y)
        for what, want in (("adi", adi), ("cv2", cv2)):
            got = float(r[what])
            if not (np.isnan(got) and np.isnan(want)) and not abs(got - want) <= 1e-12 * max(1.0, abs(want)):
                bad += 1
                print("DIFF %-22s %-13s regia %.17g numpy %.17g" % (name, what, got, want))
        if r["class"] != cls:
            bad += 1
            print("DIFF %-22s class regia %s numpy %s" % (name, r["class"], cls))
    print("%d series, %d forecasts compared with statsforecast: %d bit-identical, worst relative difference %.3g; "
          "%d disagreements" % (len(series), checked, exact, worst, bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "gen":
        count, seed = 200, 20261201
        args = argv[3:]
        while args:
            if args[0] == "--count":
                count = int(args[1])
            elif args[0] == "--seed":
                seed = int(args[1])
            else:
                sys.exit("unknown option " + args[0])
            args = args[2:]
        write_series(argv[2], edge_cases() + generated(count, seed))
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        return compare(argv[2], argv[3])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
