#!/usr/bin/env python3
"""gen_draw_log_table.py - print the table of regia_draw_log (kernels/draw_log_impl.h).

For each of the 128 subintervals i of z in [0x1.6p-1, 0x1.6p0) (the doubles whose bits
are 0x3fe6000000000000 + i * 2^45 up to the next one): invc = 1/c for the subinterval's
centre c, rounded to 20 significant bits (so that z * invc is exact for a z of at most 33
significant bits: the queue's uniforms (x + 0.5) / 2^32); the two subintervals next to 1
(79 and 80) use invc = 1.  log(1/invc) is split into hi, a multiple of 2^-42 (so that
k * ln2hi + hi is exact), and lo = log(1/invc) - hi rounded to a double.  Exact rational
arithmetic and 60-digit decimal logarithms; the standard library only.

    scripts/gen_draw_log_table.py > table.txt   (the rows of REGIA_DRAW_LOG_TAB_VALUES)
"""
import struct
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 60
OFF = 0x3fe6000000000000


def bits_to_double(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def row(i):
    lo = bits_to_double(OFF + (i << 45))
    hi = bits_to_double(OFF + ((i + 1) << 45))
    if i in (79, 80):
        return 1.0, 0.0, 0.0
    inv = 1 / ((Fraction(lo) + Fraction(hi)) / 2)
    e = 0
    while inv >= 2:
        inv /= 2
        e += 1
    while inv < 1:
        inv *= 2
        e -= 1
    invc = Fraction(round(inv * 2**19), 2**19) * Fraction(2) ** e
    logc = -(Decimal(invc.numerator) / Decimal(invc.denominator)).ln()
    logc_hi = Fraction(round(Fraction(logc) * 2**42), 2**42)
    logc_lo = Fraction(logc) - logc_hi
    assert Fraction(float(invc)) == invc and Fraction(float(logc_hi)) == logc_hi
    return float(invc), float(logc_hi), float(logc_lo)


for i in range(128):
    print("    {%s, %s, %s}, \\" % tuple(v.hex() for v in row(i)))
