#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""How many places name each counter: the lines that declare or list a counter (a struct field,
a line of a dump, a copy into another struct), not the lines that count (++ / +=).

Counters are the fields of the host's and the NIC's counter structs; places are searched in
the files that declare, print or copy counters. Prints, per counter set, how many counters are
named in 1, 2, 3... places, and the counters named most often.

  scripts/counter-places.py
"""
import glob
import re

SETS = {
    # set name: (file, struct) giving the field names
    "host": ("src/host/ctx.h", "host_counters"),
    "nic engine": ("src/nic/engine.h", "nic_engine_stats"),
}
# the files that declare, list or copy counters (before and after the X-macro lists)
FILES = ["src/host/*.h", "src/host/stats.c", "src/host/counters*.c", "include/iotcp/*.h",
         "apps/nicd/*.c", "apps/nicd/*.h", "src/nic/engine.h", "src/nic/engine_stats*.h",
         "src/nic/stats*.h"]


def fields(path, struct):
    text = open(path).read()
    m = re.search(r"struct %s \{(.*?)\n\};" % struct, text, re.S)
    if m:
        body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
        names = []
        for decl in body.split(";"):
            decl = decl.strip()
            if decl.startswith("uint64_t"):
                names += [re.sub(r"\[.*\]", "", n).strip() for n in decl[8:].split(",")]
        return [n for n in names if n]
    # generated from an X-macro list: X(name, ...) lines after "#define ..._FOREACH"
    m = re.search(r"#define \w*%s\w*\(\w+\)(.*?)\n\n" % struct.upper().replace("_STATS", ""),
                  text, re.S)
    return re.findall(r"\w+\((\w+)", m.group(1)) if m else []


def main():
    files = sorted({f for g in FILES for f in glob.glob(g)})
    lines = [l for f in files for l in open(f).read().splitlines()]
    for name, (path, struct) in SETS.items():
        counts = {}
        for field in fields(path, struct):
            word = re.compile(r"\b%s\b" % re.escape(field))
            update = re.compile(r"\b%s\b(\[[^]]*\])?\s*(\+\+|\+=|-=|--|=[^=])|(\+\+|--)\s*[\w.>-]*\b%s\b"
                                % (re.escape(field), re.escape(field)))
            counts[field] = sum(1 for l in lines if word.search(l) and not update.search(l))
        hist = {}
        for c in counts.values():
            hist[c] = hist.get(c, 0) + 1
        print(f"{name} ({struct}, {len(counts)} counters): "
              + ", ".join(f"{n} named in {p} place(s)" for p, n in sorted(hist.items())))
        worst = sorted(counts.items(), key=lambda kv: -kv[1])[:5]
        print("  most: " + ", ".join(f"{f} {c}" for f, c in worst))


if __name__ == "__main__":
    main()
