#!/usr/bin/env bash
# check-cross.sh - the library, the programs and the tests compile for a
# CPU that is not x86-64 (target_clones, intrinsics and friends stay behind
# their one guard, host/workloads/clones.h).  Takes every C source a
# configured and built folder compiles, from its compile_commands.json, and
# compiles it again for 64-bit ARM with the cross compiler, syntax and
# warnings only (-fsyntax-only, the build's own -W flags, -Werror
# included), keeping the build's -D, -I and -isystem flags: the sources,
# folders and definitions are the build's, never listed here.  Dropped:
# what only x86 or the build's instrumentation knows (-m..., -fcf-protection,
# sanitizers, coverage) and what writes files (-o, -M...).
#
# The C library's headers are the cross compiler's own (Debian:
# libc6-dev-arm64-cross, which gcc-aarch64-linux-gnu recommends); those of
# the dependencies (OpenCL, cJSON, cairo, MPI, cmocka) come from the host,
# /usr/include searched last (-idirafter).  The host's
# /usr/include/x86_64-linux-gnu cannot stand in for the missing C library:
# its bits/ describe x86-64 (gnu/stubs.h asks for stubs-32.h elsewhere).
#
#   scripts/check-cross.sh [BUILD [COMPILER]]
#       BUILD      a build folder, configured and built (default build: the
#                  generated sources and headers must exist)
#       COMPILER   default aarch64-linux-gnu-gcc
# Exit 0 when every source compiles, 1 when one does not (its messages
# above), 2 when the compiler or the build folder is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cc=${2:-aarch64-linux-gnu-gcc}
command -v "$cc" >/dev/null ||
    { echo "check-cross: $cc not found (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)" >&2; exit 2; }
[ -f "$build/compile_commands.json" ] ||
    { echo "check-cross: no $build/compile_commands.json (configure and build $build first)" >&2; exit 2; }

python3 - "$build/compile_commands.json" "$cc" <<'EOF'
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys

db_path, cc = sys.argv[1], sys.argv[2]
with open(db_path, encoding="utf-8") as f:
    db = json.load(f)

# flags that take the next argument as their value and only name outputs
WITH_VALUE_DROPPED = {"-o", "-MF", "-MT", "-MQ"}
# x86-only or instrumentation: -march, -mtune, -mavx2...; sanitizers;
# coverage; Intel CET
DROPPED = re.compile(r"^(-m.*|-fsanitize.*|-fno-sanitize.*|-fcf-protection.*|--coverage|-fprofile-.*"
                     r"|-ftest-coverage|-c|-MD|-MMD|-MP)$")


def cross_command(entry):
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    src = entry["file"]
    out = [cc]
    it = iter(args[1:])
    for a in it:
        if a in WITH_VALUE_DROPPED:
            next(it, None)
        elif DROPPED.match(a) or a == src or os.path.join(entry["directory"], a) == src:
            continue
        else:
            out.append(a)
    return out + ["-fsyntax-only", "-idirafter", "/usr/include", src]


def check(entry):
    if not os.path.exists(entry["file"]):
        return entry["file"], 1, "no such file (build the folder first: a generated source?)\n"
    cmd = cross_command(entry)
    r = subprocess.run(cmd, cwd=entry["directory"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, check=False)
    return entry["file"], r.returncode, r.stdout


entries = [e for e in db if e["file"].endswith(".c")]
bad = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
    for path, rc, text in pool.map(check, entries):
        if rc != 0:
            bad += 1
            sys.stderr.write(f"check-cross: {os.path.relpath(path)}:\n{text}")
if bad:
    sys.stderr.write(f"check-cross: {bad} of {len(entries)} sources do not compile with {cc} (above)\n")
    sys.exit(1)
machine = subprocess.run([cc, "-dumpmachine"], stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
print(f"check-cross: {len(entries)} sources of {os.path.dirname(db_path) or '.'} compile for {machine}")
EOF
