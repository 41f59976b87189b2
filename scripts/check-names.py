#!/usr/bin/env python3
"""Checks the naming rule of docs/architecture.md ("Names") over src/:

  - a name a header declares (function, prototype, type, struct/union/enum
    tag, enum constant, macro, extern variable) is `prefix_name` /
    `PREFIX_NAME`, with the prefix of its layer's row in the table;
  - a name a .c file keeps for itself (static function or variable, and the
    types, tags, enum constants and macros it defines) is `prefix__name` /
    `PREFIX__NAME`;
  - a function or variable a .c file exports is `prefix_name`.

Left alone: include guards (IFRIT_..._H), macros a header defines and
#undefs again (X-macro helpers), names that begin with `_` (feature-test
macros), `main`.

The C is read by Universal Ctags (Debian's universal-ctags). Prints
`PASS names/<layer>` or `FAIL names/<layer>: file:line: why` for each layer
(the protocol of tests/run.sh) and exits 1 on any failure.

usage: scripts/check-names.py [--root DIR]   (DIR holds src/ and docs/)
"""
import json
import os
import re
import shutil
import subprocess
import sys

TABLE_HEAD = re.compile(r"^\|\s*layer\s*\|\s*prefix\s*\|")
TICKED = re.compile(r"`([^`]+)`")
GUARD = re.compile(r"^IFRIT_[A-Z0-9_]+_H$")
UNDEF = re.compile(r"^\s*#\s*undef\s+(\w+)", re.M)
WORD = re.compile(r"\w+")
KINDS = "+pxe-m"  # prototypes, extern variables, enumerators; no members


def read_prefixes(path):
    """{layer: prefix without the underscore} from the layer table."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    start = next((i for i, l in enumerate(lines) if TABLE_HEAD.match(l)), None)
    if start is None:
        raise ValueError(f"{path}: no table with the columns | layer | prefix |")
    prefixes = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        layer, prefix = TICKED.findall(cells[0]), TICKED.findall(cells[1])
        if not layer or not layer[0].startswith("src/") or not prefix or not prefix[0].endswith("_"):
            raise ValueError(f"{path}: a row needs `src/<layer>` and `prefix_`: {line}")
        prefixes[layer[0][len("src/"):]] = prefix[0][:-1]
    return prefixes


def ctags_binary():
    for name in ("ctags-universal", "universal-ctags", "ctags"):
        path = shutil.which(name)
        if path:
            out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
            if "Universal Ctags" in out:
                return path
    print("FAIL names/ctags: Universal Ctags is not installed (scripts/install-deps.sh installs universal-ctags)")
    sys.exit(1)


def read_tags(root):
    out = subprocess.run(
        [ctags_binary(), "-R", "--output-format=json", "--fields=+fknZ", f"--kinds-C={KINDS}",
         "--languages=C", "--langmap=C:.c.h", "-f", "-", "src"],
        cwd=root, capture_output=True, text=True, check=True).stdout
    tags = [json.loads(line) for line in out.splitlines()]
    return [t for t in tags if t.get("_type") == "tag"]


def starts(name, prefix, underscores):
    low = name.lower()
    head = prefix + "_" * underscores
    return low.startswith(head) and (underscores == 2 or not low.startswith(prefix + "__"))


def is_static_variable(tag, declared_in_headers):
    """ctags marks `static T x;` as file-local, but not `static struct {..} x`."""
    if tag.get("file"):
        return True
    line = tag.get("pattern", "").lstrip("/^")
    return tag["name"] not in declared_in_headers and line.startswith(("static", "}"))


def problem(tag, prefixes, transient, declared_in_headers, header_words):
    """Why this tag breaks the rule, or None."""
    name, kind, path = tag["name"], tag["kind"], tag["path"]
    if kind in ("member", "local", "parameter") or name.startswith(("_", "__anon")) or name == "main":
        return None
    if "scope" in tag and kind != "enumerator":
        return None
    prefix = prefixes[path.split("/")[1]]
    if path.endswith(".h"):
        if GUARD.match(name) or name in transient.get(path, ()):
            return None
        if starts(name, prefix, 1):
            return None
        return f"{name} is declared in a header: it is {prefix}_name"
    if kind == "externvar":
        return None if starts(name, prefix, 1) else f"{name} is exported: it is {prefix}_name"
    if kind in ("function", "variable", "prototype"):
        local = tag.get("file") if kind != "variable" else is_static_variable(tag, declared_in_headers)
        if not local:
            return None if starts(name, prefix, 1) else f"{name} is exported: it is {prefix}_name"
    if kind in ("struct", "union", "enum") and name in header_words:
        # the definition of a type a header declares opaque (typedef struct x
        # x_t), possibly another layer's (a host completes route's types)
        owners = header_words[name]
        if any(starts(name, prefixes[layer], 1) for layer in owners):
            return None
        want = " or ".join(sorted(prefixes[layer] + "_name" for layer in owners))
        return f"{name} completes a header's type: it is {want}"
    return None if starts(name, prefix, 2) else f"{name} is this file's own: it is {prefix}__name"


def check(root):
    prefixes = read_prefixes(os.path.join(root, "docs", "architecture.md"))
    tags = read_tags(root)
    transient, header_words = {}, {}
    for tag in tags:
        path = tag["path"]
        if path.endswith(".h") and path not in transient:
            with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
                text = f.read()
            transient[path] = set(UNDEF.findall(text))
            for word in set(WORD.findall(text)):
                header_words.setdefault(word, set()).add(path.split("/")[1])
    declared_in_headers = {t["name"] for t in tags if t["path"].endswith(".h")}
    # `MACRO(x) int f(void)` can read as a function named MACRO: a macro's
    # name is checked as the macro, not again as what it expands to
    macros = {(t["path"], t["name"]) for t in tags if t["kind"] == "macro"}
    tags = [t for t in tags if t["kind"] == "macro" or (t["path"], t["name"]) not in macros]
    problems = {layer: [] for layer in prefixes}
    for tag in tags:
        layer = tag["path"].split("/")[1]
        if layer not in prefixes:
            problems.setdefault(layer, []).append(f"{tag['path']}: '{layer}' is no layer of the table")
            continue
        why = problem(tag, prefixes, transient, declared_in_headers, header_words)
        if why:
            problems[layer].append(f"{tag['path']}:{tag.get('line', 0)}: {why}")
    failed = False
    for layer in sorted(problems):
        found = sorted(set(problems[layer]))
        if found:
            failed = True
            print(f"FAIL names/{layer}: {len(found)} names break the rule: " + "; ".join(found))
        else:
            print(f"PASS names/{layer}")
    return 1 if failed else 0


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(sys.argv) == 3 and sys.argv[1] == "--root":
        root = sys.argv[2]
    elif len(sys.argv) != 1:
        sys.exit(__doc__)
    sys.exit(check(root))


if __name__ == "__main__":
    main()
