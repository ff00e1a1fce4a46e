"""Checks of a catalog written by `regia publish` (tests/cli/test_publish.sh).

usage: stac_check.py CATALOG_DIR        (run with build/stac-venv's python)
       stac_check.py --html CATALOG_DIR (any python 3)

1. STAC: every JSON reachable from CATALOG_DIR/catalog.json through its links (children,
   items) is validated by stac-validator against the STAC 1.1.0 core JSON schemas that
   pystac ships (pystac/validation/jsonschemas), mapped over their schemas.stacspec.org and
   geojson.org URLs with stac-validator's schema config: no network.  The file extension's
   schema (stac-extensions.github.io/file/v2.1.0) is in no package, so its fields are checked
   here instead: file:size equals the file's size, file:checksum is the sha2-256 multihash
   (1220 + hex) of the file's bytes.
2. Every link and asset href is relative and names an existing file inside the catalog.
3. Every JSON file of the catalog (but the runs' own manifests) was reached: none is orphaned.
4. The validator is not a no-op: a copy of an item with a broken bbox must be refused.
--html: every index.html has no script, no external URL (href, src, CSS url()/@import), and
every href/src names an existing file inside the catalog; prints the count of pages,
tables, images and links.
Prints one line per finding and a summary; exit status 1 on any failure.
"""
import hashlib
import html.parser
import json
import os
import re
import sys
import tempfile
import urllib.parse
import warnings


def schema_config(path):
    d = os.path.join(os.path.dirname(pystac.__file__), "validation", "jsonschemas")
    m = {}
    base = "https://schemas.stacspec.org/v1.1.0/"
    for f in sorted(os.listdir(os.path.join(d, "stac-spec", "v1.1.0"))):
        spec = {"catalog.json": "catalog-spec", "collection.json": "collection-spec"}.get(f, "item-spec")
        m[base + spec + "/json-schema/" + f] = os.path.join(d, "stac-spec", "v1.1.0", f)
    for f in ("Feature.json", "Geometry.json"):
        m["https://geojson.org/schema/" + f] = os.path.join(d, "geojson", f)
    import jsonschema_specifications as js
    m["http://json-schema.org/draft-07/schema"] = os.path.join(os.path.dirname(js.__file__), "schemas", "draft7",
                                                               "metaschema.json")
    with open(path, "w") as f:
        json.dump({"schemas": m}, f, indent=1)
    return len(m)


def sha256(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tags, self.style = [], {}, ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self._in_style = tag == "style"
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.refs.append((tag, v))
            if k.startswith("on"):
                self.tags["event-handler"] = self.tags.get("event-handler", 0) + 1
            if k == "style" and v:
                self.style += v

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data


def check_html(root):
    bad, pages, totals = [], 0, {}
    for d, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".html"):
                continue
            p = os.path.join(d, f)
            pages += 1
            pg = Page()
            pg.feed(open(p, encoding="utf-8").read())
            rel = os.path.relpath(p, root)
            for t in ("script", "iframe", "object", "embed", "event-handler"):
                if pg.tags.get(t):
                    bad.append(f"{rel}: has {t}")
            if re.search(r"url\(|@import|https?:", pg.style):
                bad.append(f"{rel}: CSS loads something (url(), @import or a URL)")
            for tag, h in pg.refs:
                if "://" in h or h.startswith("/") or h.lower().startswith(("javascript:", "data:")):
                    bad.append(f"{rel}: external or absolute reference {h}")
                    continue
                h = urllib.parse.unquote(h.split("#")[0])
                if not h:
                    continue
                t = os.path.realpath(os.path.join(d, h))
                if not t.startswith(os.path.realpath(root) + os.sep):
                    bad.append(f"{rel}: {h} leaves the catalog")
                elif not os.path.isfile(t):
                    bad.append(f"{rel}: {tag} {h}: no such file")
            for k in ("table", "img", "a"):
                totals[k] = totals.get(k, 0) + pg.tags.get(k, 0)
    for b in bad:
        print("FAIL", b)
    print(f"html: {pages} pages, {totals.get('table', 0)} tables, {totals.get('img', 0)} images, "
          f"{totals.get('a', 0)} links; no scripts, no external references; every href/src resolves; "
          f"{len(bad)} problems")
    return 1 if bad or pages == 0 else 0


def main():
    if sys.argv[1] == "--html":
        sys.exit(check_html(sys.argv[2]))
    warnings.simplefilter("ignore", DeprecationWarning)
    global pystac, StacValidate
    import pystac
    from stac_validator.validate import StacValidate
    root = os.path.realpath(sys.argv[1])
    bad = []
    cfg = os.path.join(tempfile.mkdtemp(), "stac-schemas.json")
    n_schemas = schema_config(cfg)
    seen, todo = set(), [os.path.join(root, "catalog.json")]
    n_assets = 0
    kinds = {}
    while todo:
        p = os.path.realpath(todo.pop())
        if p in seen:
            continue
        seen.add(p)
        j = json.load(open(p))
        kinds[j.get("type")] = kinds.get(j.get("type"), 0) + 1
        v = StacValidate(stac_file=p, core=True, schema_config=cfg)
        v.run()
        msg = v.message[0] if v.message else {}
        if not msg.get("valid_stac"):
            bad.append(f"{os.path.relpath(p, root)}: not valid STAC {j.get('stac_version')}: "
                       f"{msg.get('error_message', msg)}")
        if j.get("stac_version") != "1.1.0":
            bad.append(f"{os.path.relpath(p, root)}: stac_version {j.get('stac_version')}")
        here = os.path.dirname(p)
        for ln in j.get("links", []):
            h = ln["href"]
            if "://" in h or h.startswith("/"):
                bad.append(f"{os.path.relpath(p, root)}: link {ln['rel']} is not relative: {h}")
                continue
            t = os.path.realpath(os.path.join(here, h))
            if not t.startswith(root + os.sep) and t != root:
                bad.append(f"{os.path.relpath(p, root)}: link {h} leaves the catalog")
            elif not os.path.isfile(t):
                bad.append(f"{os.path.relpath(p, root)}: link {ln['rel']} -> {h}: no such file")
            elif ln["rel"] in ("child", "item"):
                todo.append(t)
        for key, a in j.get("assets", {}).items():
            n_assets += 1
            t = os.path.realpath(os.path.join(here, a["href"]))
            where = f"{os.path.relpath(p, root)}: asset {key} ({a['href']})"
            if "://" in a["href"] or not t.startswith(root + os.sep):
                bad.append(f"{where}: not a relative href inside the catalog")
                continue
            if not os.path.isfile(t):
                bad.append(f"{where}: no such file")
                continue
            if a.get("file:size") != os.path.getsize(t):
                bad.append(f"{where}: file:size {a.get('file:size')} != {os.path.getsize(t)}")
            if a.get("file:checksum") != "1220" + sha256(t):
                bad.append(f"{where}: file:checksum does not match the file's SHA-256")
            if not a.get("type") or not a.get("roles"):
                bad.append(f"{where}: no media type or roles")
    # no JSON left out of the tree (manifests are assets, not STAC)
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.realpath(os.path.join(d, f))
            if f.endswith(".json") and not f.endswith(".manifest.json") and p not in seen:
                bad.append(f"{os.path.relpath(p, root)}: not reachable from catalog.json")
    # the validator is not a no-op offline: a broken copy of an item is refused
    item = next((p for p in sorted(seen) if json.load(open(p)).get("type") == "Feature"), None)
    if item:
        j = json.load(open(item))
        j["bbox"] = [1, 2]
        broken = os.path.join(os.path.dirname(cfg), "broken-item.json")
        json.dump(j, open(broken, "w"))
        v = StacValidate(stac_file=broken, core=True, schema_config=cfg)
        v.run()
        if v.message and v.message[0].get("valid_stac"):
            bad.append("stac-validator accepted an item with a 2-number bbox: it is not validating")
    else:
        bad.append("no item in the catalog")
    for b in bad:
        print("FAIL", b)
    print(f"stac: {len(seen)} JSON files ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}) valid STAC 1.1.0 "
          f"core (stac-validator {__import__('importlib.metadata').metadata.version('stac-validator')}, "
          f"{n_schemas} local schemas from pystac {pystac.__version__}); {n_assets} assets with matching "
          f"file:size and file:checksum; {len(bad)} problems")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
