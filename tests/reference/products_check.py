"""Checks of a run's products directory shared by the generic tools' products tests
(tests/cli/test_forecast_products.sh, test_evt_products.sh, test_queue_products.sh).

table(path): the rows of a summary CSV as dicts, after asserting the spreadsheet layout
(UTF-8 byte-order mark, CRLF line ends, one header row).  png(path) and svg(path): the file
is a PNG of a plausible size / an SVG document.  manifest(man, products_dir): every file of
the products directory is listed in the manifest's outputs with its SHA-256; returns
{file name: role}.
"""
import csv
import hashlib
import io
import json
import os
import struct
import xml.etree.ElementTree as ET


def table(path):
    raw = open(path, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path}: no UTF-8 byte-order mark"
    body = raw[3:].decode("utf-8")
    assert "\r\n" in body and "\n" not in body.replace("\r\n", ""), f"{path}: line ends are not CRLF"
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    return rows


def num(s):
    """A CSV cell as a float (empty: NaN)."""
    return float(s) if s != "" else float("nan")


def png(path, min_w=600, min_h=400):
    b = open(path, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    w, h = struct.unpack(">II", b[16:24])
    assert w >= min_w and h >= min_h and len(b) > 5000, f"{path}: {w} x {h}, {len(b)} bytes"
    return w, h


def svg(path):
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), f"{path}: root element {root.tag}"
    return root


def manifest(man, products_dir):
    m = json.load(open(man))
    base = os.path.dirname(os.path.abspath(man))
    listed = {}
    for o in m["outputs"]:
        p = os.path.join(base, o["path"])
        if os.path.dirname(os.path.abspath(p)) == os.path.abspath(products_dir):
            assert o["sha256"] == hashlib.sha256(open(p, "rb").read()).hexdigest(), o["path"]
            listed[os.path.basename(p)] = o["role"]
    files = sorted(os.listdir(products_dir))
    assert sorted(listed) == files, (sorted(listed), files)
    return listed
