"""Synthetic records for the regia modal tests: the sum of modal responses, each an AR(2)
process with the discrete pole pair of a mode (frequency f Hz, damping ratio xi) driven by
white noise, times its real shape over the channels."""
import numpy as np


def modal_record(rng, fs, n, modes):
    """n samples x len(shape) channels at fs Hz; modes: (f, xi, shape) tuples. One
    rng.standard_normal(n) per mode, in order (the tests' fixtures depend on it)."""
    y = np.zeros((n, len(modes[0][2])))
    for f, xi, shp in modes:
        w = 2 * np.pi * f
        a, b = np.exp(-xi * w / fs) * np.cos(w * np.sqrt(1 - xi * xi) / fs), np.exp(-xi * w / fs)
        q = np.zeros(n)
        e = rng.standard_normal(n)
        for k in range(2, n):  # AR(2) with the mode's pole pair
            q[k] = 2 * a * q[k - 1] - b * b * q[k - 2] + e[k]
        y += np.outer(q, shp)
    return y


TWO_MODES = ((1.1, 0.02, (1.0, 0.6, -0.3)), (2.9, 0.02, (0.4, -1.0, 0.8)))


def two_mode_record(rng, fs=20.0, n=4000):
    """The modal CLI tests' record: two modes (1.1 and 2.9 Hz, 2 %) seen by 3 channels at
    fs Hz, plus white noise of 5 % of the response's standard deviation."""
    y = modal_record(rng, fs, n, TWO_MODES)
    return y + 0.05 * y.std() * rng.standard_normal(y.shape)
