#!/usr/bin/env python3
"""Checks that every `#include "..."` under src/ keeps to the layer rules of
docs/architecture.md ("Layers"): the table there names, for each layer, the
layers it may include and its public headers. Fails on

  - an include into a layer the row does not name (a lower layer reaching up,
    or a peer: fn into plugin);
  - an include of another layer's header that its row does not name as public;
  - an include of `X_int.h` from a file whose name does not start with X;
  - an include naming a layer the table does not have, or a header that does
    not exist, or a path that climbs (`../`).

Prints `PASS layers/<layer>` or `FAIL layers/<layer>: file:line: why` for
each layer (the protocol of tests/run.sh) and exits 1 on any failure.

usage: scripts/check-layers.py [--root DIR]   (DIR holds src/ and docs/;
default: the checkout this script is in)
"""
import os
import re
import sys

TABLE_HEAD = re.compile(r"^\|\s*layer\s*\|\s*prefix\s*\|\s*may include\s*\|")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
TICKED = re.compile(r"`([^`]+)`")


def read_table(path):
    """{layer: (allowed layers, public headers or None for every header)}."""
    rows = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    start = next((i for i, l in enumerate(lines) if TABLE_HEAD.match(l)), None)
    if start is None:
        raise ValueError(f"{path}: no table with the columns | layer | prefix | may include |")
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5:
            raise ValueError(f"{path}: a layer row needs 5 cells: {line}")
        name = TICKED.findall(cells[0])
        if not name or not name[0].startswith("src/"):
            raise ValueError(f"{path}: the first cell names no `src/<layer>`: {line}")
        layer = name[0][len("src/"):]
        may = cells[2]
        allowed = None if may == "every layer" else set(TICKED.findall(may))
        public_cell = cells[4]
        public = None if public_cell.startswith("every header") else \
            {t for t in TICKED.findall(public_cell) if t.endswith(".h") and "/" not in t}
        rows[layer] = (allowed, public)
    return rows


def check(root):
    rows = read_table(os.path.join(root, "docs", "architecture.md"))
    src = os.path.join(root, "src")
    problems = {layer: [] for layer in rows}
    for layer in sorted(os.listdir(src)):
        if not os.path.isdir(os.path.join(src, layer)):
            continue
        if layer not in rows:
            problems[layer] = [f"src/{layer} is not in the table of docs/architecture.md"]
            continue
        for name in sorted(os.listdir(os.path.join(src, layer))):
            if not name.endswith((".c", ".h")):
                continue
            rel = f"src/{layer}/{name}"
            with open(os.path.join(src, layer, name), encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if m:
                        why = judge(rows, src, layer, name, m.group(1))
                        if why:
                            problems[layer].append(f"{rel}:{lineno}: includes \"{m.group(1)}\": {why}")
    for layer in sorted(problems):
        if problems[layer]:
            for p in problems[layer]:
                print(f"FAIL layers/{layer}: {p}")
        else:
            print(f"PASS layers/{layer}")
    return 0 if not any(problems.values()) else 1


def judge(rows, src, layer, name, target):
    """Why `#include "target"` in src/layer/name breaks a rule, or None."""
    if ".." in target.split("/") or target.startswith("/"):
        return "an include path names its header from src/ (\"layer/file.h\"), never with ../ or /"
    if "/" not in target:
        # A header beside the file or one the build generates (build/gen).
        return None
    to_layer, header = target.split("/", 1)
    if to_layer not in rows:
        return f"'{to_layer}' is no layer of docs/architecture.md"
    if not os.path.isfile(os.path.join(src, target)):
        return "no such header"
    stem = header[:-len("_int.h")] if header.endswith("_int.h") else None
    if stem is not None and (to_layer != layer or not name.startswith(stem)):
        return f"{header} is private to src/{to_layer}/{stem}*"
    if to_layer == layer:
        return None
    allowed, _ = rows[layer]
    if allowed is not None and to_layer not in allowed:
        may = ", ".join(sorted(allowed)) or "no other layer"
        return f"{layer} may include only {may} (docs/architecture.md)"
    _, public = rows[to_layer]
    if public is not None and header not in public:
        return f"{header} is private to {to_layer} (its public headers: {', '.join(sorted(public)) or 'none'})"
    return None


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(argv) == 3 and argv[1] == "--root":
        root = argv[2]
    elif len(argv) != 1:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    try:
        return check(root)
    except (OSError, ValueError) as e:
        print(f"FAIL layers/table: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
