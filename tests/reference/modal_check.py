#!/usr/bin/env python3
"""Check the modes in a `regia modal` output against a reference (tests/cli/test_modal_*.sh).

  modal_check.py OUT.h5 koma DATA_DIR
      KOMA's published identification of its shear-frame record (koma-python's notebook
      "Cov-SSI - Shear frame (precomputed data)", the values below): modes 2-5 frequency
      within 0.2 %, damping within 0.3 points, MAC >= 0.99 with phi_ref; mode 1 see below.
  modal_check.py OUT.h5 truth F1,F2,... RTOL
      every frequency F found within relative RTOL, no other mode below max(F) (1 + RTOL).
  modal_check.py OUT.h5 diagram
      the stabilisation diagram is consistent (every pole has a reason, modes hold their
      poles, one per order).
Exit status 0 when every check passes, 1 otherwise; prints one line per check.
"""
import sys

import h5py
import numpy as np

# KOMA 1.3.6 notebook result: omega (rad/s), xi
KOMA_OMEGA = [1.136442, 3.296780, 5.149427, 6.556154, 7.440604]
KOMA_XI = [0.057976, 0.012248, 0.009701, 0.007267, 0.008186]

REASONS = ["mode", "conjugate", "real", "freq_range", "xi_low", "xi_high", "mpc", "mpd",
           "no_lower_order", "unstable_f", "unstable_xi", "unstable_mac", "small_group", "duplicate"]

fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fails += 1


def load(path):
    with h5py.File(path, "r") as f:
        d = {k: f[k][()] for k in f.keys() if isinstance(f[k], h5py.Dataset)}
        d["attrs"] = dict(f.attrs)
    # a record without modes (or poles) has no mode (pole) dimension nor its variables
    # (docs/modal.md, "Output"): read them as empty
    for k in ("mode_frequency", "mode_damping", "mode_n_poles", "mode_order_min", "mode_order_max",
              "pole_reason", "pole_mode", "pole_order", "pole_flags"):
        d.setdefault(k, np.zeros(0, dtype=float if k.startswith("mode_f") or k == "mode_damping" else int))
    d.setdefault("pole_lambda", np.zeros((0, 2)))
    return d


def shapes(a):
    return a[..., 0] + 1j * a[..., 1]


def mac(a, b):
    return abs(np.vdot(a, b)) ** 2 / (np.vdot(a, a).real * np.vdot(b, b).real)


def nearest(fm, f):
    return int(np.argmin(abs(fm - f))) if len(fm) else -1


def koma(d, data_dir):
    fm, xm = d["mode_frequency"], d["mode_damping"]
    phm = shapes(d["mode_shape"]) if len(fm) else np.zeros((0, 5))
    phi_ref = np.load(data_dir + "/phi_ref.npy")
    omega_n = np.load(data_dir + "/omega_n.npy")
    print("modes (Hz):", np.round(fm, 5), "damping:", np.round(xm, 5))
    for j, (w, x) in enumerate(zip(KOMA_OMEGA, KOMA_XI)):
        f = w / (2 * np.pi)
        k = nearest(fm, f)
        if k < 0:
            check(False, f"mode {j + 1}: no mode identified")
            continue
        df, dx = abs(fm[k] - f) / f, abs(xm[k] - x)
        m = mac(phm[k], phi_ref[:, j])
        if j == 0:
            # Mode 1's damping is poorly determined (KOMA's own value is one order's pole and
            # drifts with the order between 0.04 and 0.07; the simulation's is 0.044): checked
            # against the simulation's omega_n within 1 % and a damping within 0.02..0.08.
            dn = abs(fm[k] - omega_n[0] / (2 * np.pi)) / (omega_n[0] / (2 * np.pi))
            check(dn <= 0.01, f"mode 1: f {fm[k]:.5f} Hz within 1 % of omega_n ({100 * dn:.2f} %; "
                  f"KOMA's {f:.5f}: {100 * df:.2f} %)")
            check(0.02 <= xm[k] <= 0.08, f"mode 1: xi {xm[k]:.4f} in 0.02..0.08 (KOMA {x:.4f})")
        else:
            check(df <= 0.002, f"mode {j + 1}: f {fm[k]:.5f} Hz vs KOMA {f:.5f} ({100 * df:.3f} % <= 0.2 %)")
            check(dx <= 0.003, f"mode {j + 1}: xi {xm[k]:.5f} vs KOMA {x:.5f} ({100 * dx:.3f} points <= 0.3)")
        check(m >= 0.99, f"mode {j + 1}: MAC with phi_ref {m:.5f} >= 0.99")


def truth(d, freqs, rtol):
    fm = d["mode_frequency"]
    print("modes (Hz):", np.round(fm, 5), "damping:", np.round(d["mode_damping"], 5))
    for j, f in enumerate(freqs):
        k = nearest(fm, f)
        ok = k >= 0 and abs(fm[k] - f) <= rtol * f
        check(ok, f"mode {j + 1}: {fm[k] if k >= 0 else float('nan'):.6f} Hz vs truth {f:.6f} "
              f"({100 * abs(fm[k] - f) / f if k >= 0 else float('nan'):.3f} % <= {100 * rtol:.2f} %)")
    extra = [x for x in fm if x <= max(freqs) * (1 + rtol) and min(abs(np.array(freqs) - x) / x) > rtol]
    check(not extra, f"no spurious mode in the band: {np.round(extra, 4)}")


def diagram(d):
    reason, mode, order = d["pole_reason"], d["pole_mode"], d["pole_order"]
    flags = d["pole_flags"]
    check(set(np.unique(reason)) <= set(range(len(REASONS))), "every pole has a known reason")
    check(np.all((reason == 0) == (mode >= 0)), "poles kept <=> poles with a mode")
    check(np.all(((flags & 32) != 0) == (mode >= 0)), "in_mode flag <=> mode index")
    nm = len(d["mode_frequency"])
    for j in range(nm):
        o = order[mode == j]
        ok = len(o) == d["mode_n_poles"][j] and len(set(o)) == len(o) and o.min() == d["mode_order_min"][j]
        check(ok, f"mode {j + 1}: {len(o)} poles, one per order, orders {o.min()}..{o.max()}")
    conj = np.sum(reason == 1)
    cpl = np.sum((d["pole_lambda"][:, 1] > 0) & (reason != 2))
    check(conj == cpl, f"one conjugate dropped per kept complex pole ({conj} / {cpl})")
    orders = d["model_order"]
    check(len(order) == sum(orders), f"{len(order)} poles = sum of the orders {sum(orders)}")
    print("reasons:", {REASONS[r]: int(np.sum(reason == r)) for r in np.unique(reason)})


def main():
    d = load(sys.argv[1])
    kind = sys.argv[2]
    if kind == "koma":
        koma(d, sys.argv[3])
        diagram(d)
    elif kind == "truth":
        truth(d, [float(x) for x in sys.argv[3].split(",")], float(sys.argv[4]))
        diagram(d)
    elif kind == "diagram":
        diagram(d)
    else:
        sys.exit("unknown check " + kind)
    print(f"{fails} failed")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
