#!/usr/bin/env bash
# check-names.sh - the naming rule (ARCHITECTURE.md, Names) on what a build
# made, read with nm:
#   1. libhetero.so exports hetero_* only (cmake/hetero.map), and every
#      hetero_ symbol the library defines;
#   2. every global symbol defined by the library's objects (the members of
#      libhetero.a) and by the programs' own objects (hetero's and
#      hetero-bench's, from compile_commands.json) carries a prefix its
#      module owns (the lists below), and never the file-only form with a
#      double underscore (het__, hcl__, ...: static);
#   3. hetero and hetero-bench export hetero_* only from their dynamic
#      symbol tables (cmake/hetero.dynlist), and all of the library's.
# Objects are found through the build folder, never by source folder.
#
#   scripts/check-names.sh [BUILD]      (default build: configured and built)
# Exit 0 when all holds; 1 with a line per offending symbol (the file or
# archive member that defines or exports it); 2 when BUILD lacks a file.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

# The prefixes of global names, and the module that owns each.  Upper-case
# forms (HET_, ...) are macros' and never reach a symbol table.
lib_prefixes=(
    hetero_    # the public API, include/hetero.h: all the library and the programs export
    het_       # what a file of the library shares with another (host/, workloads het_wl_NAME, kernels het_kernel_NAME)
    hcl_       # what the OpenCL layer's files share (cl/: hcl.h, internal/hcl_internal.h)
    eng_       # what the engine's files share among themselves (host/engine/internal/engine_int.h)
    par_       # what the MPI back end's files share (host/engine/internal/par_int.h)
    bench_     # what the bench layer's files share (host/bench/bench.h)
    pi_        # what a built-in workload's files share, by its name (host/workloads/NAME/)
    primes_    #   "
    reservoir_ #   "
)
prog_prefixes=(
    het_ # what the programs' files share (host/app), if ever they do
)
# symbols the static linker defines in every program or shared object
linker_made='^(__bss_start|_edata|_end)$'

for f in libhetero.a libhetero.so hetero compile_commands.json; do
    [ -e "$build/$f" ] || { echo "check-names: no $build/$f (configure and build $build first)" >&2; exit 2; }
done
programs=("$build/hetero")
[ ! -e "$build/hetero-bench" ] || programs+=("$build/hetero-bench")

# The programs' own objects: the outputs of the compile commands of the
# hetero and hetero-bench targets (CMake's CMakeFiles/<target>.dir), as
# now compiled: an object left behind by a moved source is not read.
mapfile -t prog_objs < <(python3 - "$build/compile_commands.json" <<'EOF'
import json
import os
import re
import shlex
import sys

for e in json.load(open(sys.argv[1], encoding="utf-8")):
    args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    if "-o" in args:
        out = os.path.relpath(os.path.join(e["directory"], args[args.index("-o") + 1]))
        if re.search(r"/CMakeFiles/(hetero|hetero-bench)\.dir/", out):
            print(out)
EOF
)
[ ${#prog_objs[@]} -gt 0 ] || { echo "check-names: no object of hetero in $build/compile_commands.json" >&2; exit 2; }
for o in "${prog_objs[@]}"; do
    [ -e "$o" ] || { echo "check-names: no $o (build $build first)" >&2; exit 2; }
done

bad=0
# check_globals WHERE ALLOWED < NM-LINES: a line for each global symbol of
# NM-LINES (nm -A -P: "file[member]: name type ...") that ALLOWED, a
# regular expression, refuses; WHERE names the module for the message.
check_globals() {
    local where=$1 allowed=$2 file name type rest
    while read -r file name type rest; do
        file=${file%:}
        if [[ "$name" == .gomp_critical_user_* ]]; then
            # `#pragma omp critical(NAME)`: the compiler's lock, shared by
            # every file (and library) naming it, so NAME needs a prefix,
            # in the file-only form (het__) where one file names it.
            if ! [[ "${name#.gomp_critical_user_}" =~ $allowed|^(hetero|het|hcl|eng|bench)__ ]]; then
                echo "check-names: $file: $name ($type): a critical section's name without a prefix of $where"
                bad=1
            fi
        elif [[ "$name" =~ ^(hetero|het|hcl|eng|bench)__ ]]; then
            echo "check-names: $file: $name ($type) is global, but a double underscore means one file's (static)"
            bad=1
        elif ! [[ "$name" =~ $allowed ]]; then
            echo "check-names: $file: $name ($type) is global without a prefix of $where;" \
                "make it static or name it by its module"
            bad=1
        fi
    done
}
# exports WHAT: the symbols WHAT's dynamic symbol table defines, one a line
exports() {
    nm -D -P --defined-only "$1" | awk '{ print $1 }'
}
# check_exports FILE API: FILE exports hetero_* and what the linker makes
# only (a program also the copies of a library's data it refers to,
# NAME@VERSION: stdout, stderr), and every name of API
check_exports() {
    local file=$1 api=$2 name
    while read -r name; do
        if [[ ! "$name" =~ ^hetero_ && ! "$name" =~ $linker_made && "$name" != *@* ]]; then
            echo "check-names: $file exports $name: only hetero_* may be (cmake/hetero.map, cmake/hetero.dynlist)"
            bad=1
        fi
    done < <(exports "$file")
    while read -r name; do
        echo "check-names: $file does not export $name, which the library defines"
        bad=1
    done < <(comm -23 <(printf '%s\n' "$api") <(exports "$file" | sort -u))
}

lib_re="^($(IFS='|'; echo "${lib_prefixes[*]}"))"
prog_re="^(main\$|$(IFS='|'; echo "${prog_prefixes[*]}"))"
lib_syms=$(nm -A -P -g --defined-only "$build/libhetero.a")
check_globals "the library (${lib_prefixes[*]})" "$lib_re" <<<"$lib_syms"
check_globals "the programs (${prog_prefixes[*]} and main)" "$prog_re" \
    < <(nm -A -P -g --defined-only "${prog_objs[@]}")
api=$(awk '$2 ~ /^hetero_/ { print $2 }' <<<"$lib_syms" | sort -u)
[ -n "$api" ] || { echo "check-names: $build/libhetero.a defines no hetero_ symbol" >&2; exit 2; }
check_exports "$build/libhetero.so" "$api"
for p in "${programs[@]}"; do
    check_exports "$p" "$api"
done

[ "$bad" -eq 0 ] || { echo "check-names: names break the rule of ARCHITECTURE.md (Names), above" >&2; exit 1; }
echo "check-names: $(wc -l <<<"$lib_syms") globals of libhetero.a, ${#prog_objs[@]} objects of the programs," \
    "$(wc -l <<<"$api") hetero_ exports of libhetero.so and ${#programs[@]} programs: named by the rule"
