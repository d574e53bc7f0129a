#!/usr/bin/env python3
"""callgraph.py - which of the project's files a run walks through, and how
they call each other, from a callgrind profile of a build with debug
information:

    cmake -S . -B build-g -DCMAKE_BUILD_TYPE=RelWithDebInfo \\
        -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g -fno-inline-functions -fno-inline-small-functions"
    cmake --build build-g --target hetero
    valgrind --tool=callgrind --callgrind-out-file=cg.out \\
        build-g/hetero primes --range 1000000000:1010000000 --devices omp,cl
    scripts/callgraph.py cg.out

Prints the files (C sources under this tree) the run executed, the
distinct calls from a function of one file into a function of another,
the calls that go up a layer (ARCHITECTURE.md; a workload's hooks, called
through pointers, are the one way up by design) and the pairs of files that
call each other, directly or around a circle.  Exit status 1 when a call
goes up a layer.
"""
import os
import re
import sys

# The layers, lowest first (CMakeLists.txt, "the library, in layers").
LAYERS = ["host/base/", "cl/", "host/engine/", "host/api/", "host/cli/", "host/bench/", "host/app/"]
HOOKS = "host/workloads/"


def layer(path):
    for i, prefix in enumerate(LAYERS):
        if path.startswith(prefix):
            return i
    return None


def read_profile(path, root):
    """(files, calls): files executed, and (caller file, caller fn, callee
    file, callee fn) for every call between two files of the tree."""
    names = {"fl": {}, "fn": {}}

    def name(kind, value):
        m = re.match(r"\((\d+)\)(?: (.*))?$", value)
        if not m:
            return value
        table = names["fn" if kind in ("fn", "cfn") else "fl"]
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), "?")

    def ours(f):
        return f and f.startswith(root) and f.endswith(".c")

    files, calls = set(), set()
    fl = fn = cfl = cfn = None
    with open(path, errors="replace") as prof:
        for line in prof:
            m = re.match(r"^(fl|fi|fe|fn|cfl|cfi|cfn|calls)=(.*)$", line.rstrip("\n"))
            if not m:
                continue
            kind, value = m.groups()
            if kind == "fl":
                fl = name(kind, value)
            elif kind == "fn":
                fn, cfl = name(kind, value), None
                if ours(fl):
                    files.add(fl[len(root):])
            elif kind in ("cfl", "cfi"):
                cfl = name(kind, value)
            elif kind == "cfn":
                cfn = name(kind, value)
            elif kind == "calls":
                callee = cfl or fl
                if ours(fl) and ours(callee) and callee != fl:
                    calls.add((fl[len(root):], fn, callee[len(root):], cfn))
                    files.add(callee[len(root):])
                cfl = None
    return files, calls


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: callgraph.py CALLGRIND_OUT")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/"
    files, calls = read_profile(sys.argv[1], root)
    pairs = {(a, b) for a, _, b, _ in calls}
    print(f"{len(files)} files, {len(calls)} distinct calls between files, {len(pairs)} pairs of files")
    for f in sorted(files):
        print("   ", f)
    up = sorted((a, fa, b, fb) for a, fa, b, fb in calls
                if not b.startswith(HOOKS) and layer(a) is not None and layer(b) is not None and layer(b) > layer(a))
    print(f"{len(up)} calls up a layer (a workload's hooks aside)")
    for a, fa, b, fb in up:
        print(f"    {a} {fa} -> {b} {fb}")
    graph = {}
    for a, b in pairs:
        graph.setdefault(a, set()).add(b)

    def reach(start):
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    circles = sorted({tuple(sorted((a, b))) for a, b in pairs if a in reach(b)})
    print(f"{len(circles)} pairs of files that call each other")
    for a, b in circles:
        print(f"    {a} <-> {b}")
    return 1 if up else 0


if __name__ == "__main__":
    sys.exit(main())
