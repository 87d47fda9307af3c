#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Dependency cycles among the files of one source directory (default src/host).

Two graphs, both file -> file:
  calls     a.c -> b.c when a.c's object uses a symbol b.c's object defines (nm over BUILD's
            objects: the real dependencies, whatever the #include lines say);
  includes  a.c/a.h -> b.h for every #include "DIR/b.h" (what a reader sees).
For each graph prints the strongly connected components of more than one file (the import
cycles) and the mutual pairs (a uses b and b uses a).

  scripts/include-graph.py [--build build] [--dir src/host]
"""
import argparse
import glob
import os
import re
import subprocess
import sys


def sccs(graph):
    """Tarjan's algorithm; returns the components with more than one node."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def report(name, graph, nfiles):
    comps = sccs(graph)
    pairs = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a]
                    if a != b and a in graph.get(b, ())})
    in_cycles = sum(len(c) for c in comps)
    print(f"{name}: {len(comps)} cycle(s) holding {in_cycles} of {nfiles} files, "
          f"{len(pairs)} mutual pair(s)")
    for c in comps:
        print("  cycle: " + " ".join(c))
    for a, b in pairs:
        print(f"  pair:  {a} <-> {b}")


def nm_symbols(obj):
    out = subprocess.run(["nm", "--defined-only", "-g", obj], capture_output=True, text=True,
                         check=True).stdout
    defined = {l.split()[-1] for l in out.splitlines() if l.strip()}
    out = subprocess.run(["nm", "-u", obj], capture_output=True, text=True, check=True).stdout
    used = {l.split()[-1] for l in out.splitlines() if l.strip()}
    return defined, used


def call_graph(build, directory):
    objs = {}
    for o in glob.glob(os.path.join(build, directory, "**", "*.c.o"), recursive=True):
        objs.setdefault(os.path.basename(o)[:-2], o)
    if not objs:
        return None, 0
    sym = {name: nm_symbols(o) for name, o in objs.items()}
    owner = {}
    for name, (defined, _) in sym.items():
        for s in defined:
            owner[s] = name
    graph = {name: set() for name in sym}
    for name, (_, used) in sym.items():
        for s in used:
            if s in owner and owner[s] != name:
                graph[name].add(owner[s])
    return graph, len(sym)


def include_graph(directory):
    files = sorted(glob.glob(os.path.join(directory, "*.[ch]")))
    names = {os.path.basename(f) for f in files}
    prefix = os.path.basename(directory.rstrip("/")) + "/"
    graph = {os.path.basename(f): set() for f in files}
    for f in files:
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', open(f).read(), re.M):
            base = inc[len(prefix):] if inc.startswith(prefix) else inc
            if base in names and base != os.path.basename(f):
                graph[os.path.basename(f)].add(base)
    # a header and its .c are one module: b.c -> a.h and a.c -> b.h is a cycle between a and b
    mod = {}
    for f, deps in graph.items():
        m = os.path.splitext(f)[0]
        mod.setdefault(m, set()).update(os.path.splitext(d)[0] for d in deps)
    for m in mod:
        mod[m].discard(m)
    return mod, len(mod)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--dir", default="src/host")
    a = ap.parse_args()
    graph, n = call_graph(a.build, a.dir)
    if graph is None:
        print(f"calls: no objects under {a.build}/{a.dir} (build first)", file=sys.stderr)
    else:
        report("calls (nm)", graph, n)
    graph, n = include_graph(a.dir)
    report("includes (modules: x.c + x.h)", graph, n)


if __name__ == "__main__":
    main()
