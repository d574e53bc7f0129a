#!/usr/bin/env bash
# coverage.sh - the line coverage of the library's own code, from a
# coverage build (the coverage preset, HETERO_COVERAGE=ON) whose tests
# have run: one figure, then a table by folder of the source tree.
#
# Plain gcov (GCC's, --json-format) over the counters of the library's
# objects, those of the targets the build lists in library-targets.txt
# (the layers and the workloads; their compile commands in
# compile_commands.json: no source folder is named here).  Every
# line of the source tree that they compiled counts, the headers'
# included, and a line is covered when any test ran it in any object; an
# object never run counts its lines as not covered.  Generated sources (in
# the build folder) and system headers are left out.  The counters add up
# over runs: `find BUILD -name '*.gcda' -delete` starts again from zero.
#
#   scripts/coverage.sh [BUILD]         (default build-coverage)
# Exit 0 with the figures; 2 when BUILD is not a coverage build whose tests
# ran, or gcov is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-coverage}
command -v gcov >/dev/null || { echo "coverage: gcov not found (it comes with gcc)" >&2; exit 2; }
[ -f "$build/compile_commands.json" ] ||
    { echo "coverage: no $build/compile_commands.json (cmake --preset coverage, then build and test)" >&2; exit 2; }

python3 - "$build" <<'EOF'
import collections
import json
import os
import re
import shlex
import subprocess
import sys

build = os.path.abspath(sys.argv[1])
root = os.getcwd()
with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
    db = json.load(f)
try:
    with open(os.path.join(build, "library-targets.txt"), encoding="utf-8") as f:
        targets = {t.strip() for t in f if t.strip()}
except OSError:
    targets = set()


def usage_error(msg):
    sys.stderr.write(f"coverage: {msg}\n")
    sys.exit(2)


# the library's objects and their notes files (GCC: X.c.o -> X.c.gcno)
notes = []
for e in db:
    args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    if "-o" not in args:
        continue
    obj = os.path.normpath(os.path.join(e["directory"], args[args.index("-o") + 1]))
    m = re.search(r"/CMakeFiles/([^/]+)\.dir/", obj)
    if m and m.group(1) in targets:
        notes.append(os.path.splitext(obj)[0] + ".gcno")
missing = [n for n in notes if not os.path.exists(n)]
if not notes or missing:
    usage_error(f"no notes (.gcno) of {len(missing) or 'any'} of the library's objects in {sys.argv[1]}: "
             "not a coverage build (cmake --preset coverage), or not built")
if not any(os.path.exists(os.path.splitext(n)[0] + ".gcda") for n in notes):
    usage_error(f"no counters (.gcda) in {sys.argv[1]}: run the tests first")

out = subprocess.run(["gcov", "--json-format", "--stdout"] + notes, cwd=build, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True, check=True).stdout
covered = collections.defaultdict(dict)  # file -> line -> ran
for doc in out.splitlines():
    if not doc.strip():
        continue
    d = json.loads(doc)
    for f in d["files"]:
        path = os.path.normpath(os.path.join(d.get("current_working_directory", build), f["file"]))
        if not path.startswith(root + os.sep) or path.startswith(build + os.sep):
            continue
        lines = covered[os.path.relpath(path, root)]
        for ln in f["lines"]:
            lines[ln["line_number"]] = lines.get(ln["line_number"], False) or ln["count"] > 0

folders = collections.defaultdict(lambda: [0, 0])
for path, lines in covered.items():
    t = folders[os.path.dirname(path)]
    t[0] += len(lines)
    t[1] += sum(lines.values())
total = sum(t[0] for t in folders.values())
hit = sum(t[1] for t in folders.values())
if total == 0:
    usage_error("gcov found no line of the source tree")
print(f"coverage: {100.0 * hit / total:.1f}% of the library's lines ({hit} of {total} in {len(covered)} files)")
width = max(len("folder"), *(len(k) for k in folders))
print(f"  {'folder':<{width}}  {'lines':>6}  {'run':>6}  {'%':>5}")
for k in sorted(folders):
    n, h = folders[k]
    print(f"  {k:<{width}}  {n:>6}  {h:>6}  {100.0 * h / n:>5.1f}")
EOF
