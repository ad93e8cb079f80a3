#!/usr/bin/env python3
"""Writes spec/api-keys.yaml from Honeycomb's whole published OpenAPI document.

usage: python3 spec/extract.py PUBLISHED.json > spec/api-keys.yaml

Honeycomb publishes one document for its whole API. This keeps the part this crate
covers, verbatim: the paths under `/1/auth` (a data key's check), `/2/auth`,
`/2/teams/{teamSlug}/api-keys` and `/2/teams/{teamSlug}/environments`, every component they reach through `$ref` (followed
transitively), the security schemes their operations name, the tags they use, and the
document's top-level members (`openapi`, `info`, `servers`, ...). Nothing is changed:
members keep their order and their values; the output is YAML only because the crate's
spec file is. Our deviations from the published document are in spec/overlay.yaml, which
build.rs applies; this file is never edited by hand.

Only the Python standard library is needed (the input is JSON; Honeycomb's YAML
rendering can be converted to JSON with a YAML 1.2 tool first, see spec/README.md). The
output is deterministic: the same input gives the same bytes (UTF-8, \n line ends), which
CI checks against the committed file.
"""

import hashlib
import json
import re
import sys

COVERED = ("/1/auth", "/2/auth", "/2/teams/{teamSlug}/api-keys", "/2/teams/{teamSlug}/environments")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def covered(path):
    return any(path == p or path.startswith(p + "/") for p in COVERED)


def refs(node):
    """Every `$ref` string inside a node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def extract(doc):
    paths = {p: item for p, item in doc.get("paths", {}).items() if covered(p)}
    if not paths:
        sys.exit("extract.py: no covered path in this document: is it Honeycomb's published spec?")

    components = doc.get("components", {})
    wanted = set()  # (section, name)
    pending = list(refs(paths))
    while pending:
        ref = pending.pop()
        match = re.fullmatch(r"#/components/([^/]+)/([^/]+)", ref)
        if not match:
            sys.exit(f"extract.py: unsupported $ref `{ref}` (only #/components/<section>/<name>)")
        section, name = match.groups()
        if (section, name) in wanted:
            continue
        if name not in components.get(section, {}):
            sys.exit(f"extract.py: `{ref}` is not defined in the document")
        wanted.add((section, name))
        pending.extend(refs(components[section][name]))

    operations = [item[m] for item in paths.values() for m in METHODS if m in item]
    schemes = {name for op in operations for req in op.get("security", []) for name in req}
    schemes |= {name for req in doc.get("security", []) for name in req}
    for name in schemes:
        wanted.add(("securitySchemes", name))
    tags = {tag for op in operations for tag in op.get("tags", [])}

    out = {}
    for key, value in doc.items():
        if key == "paths":
            out[key] = paths
        elif key == "components":
            out[key] = {}
            for section, members in value.items():
                kept = {n: v for n, v in members.items() if (section, n) in wanted}
                if kept:
                    out[key][section] = kept
        elif key == "tags":
            out[key] = [t for t in value if t.get("name") in tags]
        elif key == "webhooks":
            continue
        else:
            out[key] = value
    return out


# ---- a small YAML emitter: block style, and a quoted scalar wherever a plain one could be
# read as anything but the same string.

PLAIN = re.compile(r"[A-Za-z_$][A-Za-z0-9_.\-/ ]*")
RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def scalar(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # YAML 1.1 readers (PyYAML) need a dot in the mantissa: 1e+100 -> 1.0e+100.
        mantissa, _, exponent = repr(value).partition("e")
        mantissa = mantissa if "." in mantissa else mantissa + ".0"
        return mantissa + ("e" + exponent if exponent else "")
    text = value
    if PLAIN.fullmatch(text) and not text.endswith(" ") and text.lower() not in RESERVED:
        return text
    # Escaped to ASCII: no reader can take a line separator or a control character in it
    # for anything but what it is.
    return json.dumps(text, ensure_ascii=True)


def printable(c):
    """A character YAML prints as itself in a block scalar (no break or control)."""
    code = ord(c)
    if code < 0x80:
        return 0x20 <= code < 0x7F
    return code >= 0xA0 and c not in "\u2028\u2029\ufeff" and not 0xD800 <= code < 0xE000


def block_ok(text):
    """A multi-line string that a literal block scalar keeps byte for byte."""
    if "\n" not in text.rstrip("\n") or text.startswith((" ", "\n")):
        return False
    if not all(c == "\n" or printable(c) for c in text):
        return False
    return not any(line.endswith(" ") for line in text.split("\n"))


def literal(text, indent):
    if text.endswith("\n\n"):
        head, body = "|+", text[:-1]
    elif text.endswith("\n"):
        head, body = "|", text[:-1]
    else:
        head, body = "|-", text
    pad = " " * indent
    lines = [pad + line if line else "" for line in body.split("\n")]
    return head, lines


def emit(node, indent, out):
    pad = " " * indent
    if isinstance(node, dict):
        for key, value in node.items():
            if len(key) > 1000:
                sys.exit(f"extract.py: a key of {len(key)} characters is longer than YAML allows (1024)")
            emit_entry(f"{pad}{scalar(key)}:", value, indent, out)
    else:
        for value in node:
            emit_entry(f"{pad}-", value, indent, out)


def emit_entry(lead, value, indent, out):
    if isinstance(value, dict) and value:
        if lead.endswith("-"):
            # A list item that is a mapping: its first member on the dash's line.
            inner = []
            emit(value, indent + 2, inner)
            out.append(lead + " " + inner[0].lstrip())
            out.extend(inner[1:])
        else:
            out.append(lead)
            emit(value, indent + 2, out)
    elif isinstance(value, list) and value:
        out.append(lead)
        emit(value, indent + 2, out)
    elif isinstance(value, dict):
        out.append(lead + " {}")
    elif isinstance(value, list):
        out.append(lead + " []")
    elif isinstance(value, str) and block_ok(value):
        head, lines = literal(value, indent + 2)
        out.append(f"{lead} {head}")
        out.extend(lines)
    else:
        out.append(f"{lead} {scalar(value)}")


def comment_text(value):
    """`value` as text that cannot end the comment line it is put in."""
    return re.sub(r"[^\x20-\x7e]", "?", str(value))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    raw = open(sys.argv[1], "rb").read()

    def no_constant(name):
        sys.exit(f"extract.py: `{name}` is not JSON (the published document must be plain JSON)")

    doc = json.loads(raw, parse_constant=no_constant)
    subset = extract(doc)
    info = subset.get("info", {})
    lines = [
        "# Honeycomb's published OpenAPI document, reduced to the paths honeycomb-api-keys covers",
        "# (/2/auth, /2/teams/{teamSlug}/api-keys..., /2/teams/{teamSlug}/environments...) and the",
        "# components they use; otherwise verbatim. Written by spec/extract.py: do not edit it,",
        "# rerun the extractor on Honeycomb's newer document (spec/README.md). Our deviations",
        "# are in spec/overlay.yaml.",
        f"# Source: {comment_text(info.get('title', '?'))} {comment_text(info.get('version', '?'))}, "
        f"sha256 {hashlib.sha256(raw).hexdigest()}",
    ]
    emit(subset, 0, lines)
    # UTF-8 and \n whatever the platform's locale and line ends: the same bytes everywhere.
    sys.stdout.buffer.write(("\n".join(lines) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
