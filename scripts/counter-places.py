#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""How many places name each counter: the lines that declare or list a counter (a struct field,
an X-macro entry, a line of a dump, a copy into another struct), not the lines that count
(++ / +=) it.

Counters are the fields of the host's and the NIC engine's counter structs, written out or
generated from X-macro lists (counters.h, engine.h). Places are searched in the files that
declare, print or copy counters. Prints, per set, how many counters are named in 1, 2, 3...
places, and the counters named most often.

  scripts/counter-places.py
"""
import glob
import re

SETS = {
    # set name: (file, struct) giving the field names
    "host": ("src/host/ctx.h", "host_counters"),
    "nic engine": ("src/nic/engine.h", "nic_engine_stats"),
    "nicd daemon": ("apps/nicd/nicd_counters.h", "nicd_counters"),
    "nicd stages": ("apps/nicd/nicd_counters.h", "nicd_stages"),
    "nicd ctl": ("apps/nicd/nicd_ctl.h", "nicd_ctl_counters"),
    "nicd wire tx": ("apps/nicd/nicd_wire_tx.h", "nicd_wire_tx_counters"),
}
# the files that declare, list or copy counters
FILES = ["src/host/*.h", "src/host/stats.c", "include/iotcp/*.h", "apps/nicd/*.c",
         "apps/nicd/*.h", "src/nic/engine.h"]
HEADERS = ["src/host/*.h", "src/nic/*.h", "apps/nicd/*.h"]


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def x_list(name):
    """Entries X(a) of '#define NAME(X) ...' (continued lines) in the headers."""
    for path in sorted({f for g in HEADERS for f in glob.glob(g)}):
        text = open(path).read()
        m = re.search(r"#define %s\(X\)((?:[^\n]*\\\n)*[^\n]*)" % name, text)
        if m:
            # X(name) or X(group, name)
            return re.findall(r"X\((?:\w+,\s*)?(\w+)\)", strip_comments(m.group(1)))
    return []


def fields(path, struct):
    """(field name, name in an X-macro list or None) of every uint64_t counter."""
    text = open(path).read()
    m = re.search(r"struct %s \{(.*?)\n\};" % struct, text, re.S)
    out = []
    body = strip_comments(m.group(1))
    for decl in re.findall(r"\buint64_t\s+([^;]*);", body):
        out += [(re.sub(r"\[.*\]", "", n).strip(), None) for n in decl.split(",")]
    for lst, field_macro in re.findall(r"\b([A-Z_]+)\(([A-Z_]+)\)", body):
        prefix = "off_" if "OFF" in field_macro else ""
        out += [(prefix + n, n) for n in x_list(lst)]
    return [(f, x) for f, x in out if f]


def main():
    files = sorted({f for g in FILES for f in glob.glob(g)})
    lines = [l for f in files for l in strip_comments(open(f).read()).splitlines()]
    for name, (path, struct) in SETS.items():
        counts = {}
        for field, listed in fields(path, struct):
            words = [field] + ([listed] if listed and listed != field else [])
            pat = re.compile(r"\b(%s)\b" % "|".join(map(re.escape, words)))
            upd = re.compile(r"\b(%s)\b(\[[^]]*\])?\s*(\+\+|\+=|-=|--|=[^=])|(\+\+|--)\s*[\w.>-]*\b(%s)\b"
                             % ("|".join(map(re.escape, words)), "|".join(map(re.escape, words))))
            counts[field] = sum(1 for l in lines if pat.search(l) and not upd.search(l))
        hist = {}
        for c in counts.values():
            hist[c] = hist.get(c, 0) + 1
        print(f"{name} ({struct}, {len(counts)} counters): "
              + ", ".join(f"{n} named in {p} place(s)" for p, n in sorted(hist.items())))
        worst = sorted(counts.items(), key=lambda kv: -kv[1])[:5]
        print("  most: " + ", ".join(f"{f} {c}" for f, c in worst))


if __name__ == "__main__":
    main()
