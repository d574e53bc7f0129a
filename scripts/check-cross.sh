#!/usr/bin/env bash
# check-cross.sh - the library and the program compile for a CPU that is
# not x86-64 (target_clones, intrinsics and friends stay behind their one
# guard, host/workloads/clones.h).  Compiles every C source for 64-bit ARM
# with the cross compiler (Debian: gcc-aarch64-linux-gnu), syntax and
# warnings only; the headers of the dependencies come from the host.
#
#   scripts/check-cross.sh [COMPILER]     (default aarch64-linux-gnu-gcc)
set -euo pipefail
cd "$(dirname "$0")/.."
cc=${1:-aarch64-linux-gnu-gcc}
command -v "$cc" >/dev/null || { echo "check-cross: $cc not found (apt-get install gcc-aarch64-linux-gnu)" >&2; exit 2; }
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
# the one generated header the sources include
printf '#define BENCH_GIT "cross"\n#define BENCH_GIT_DIRTY 0\n' >"$gen/bench_buildinfo.h"
bad=0
n=0
for f in host/lib/*.c host/lib/engine/*.c host/workloads/*/*.c host/app/*.c cl/*.c bench/*.c; do
    n=$((n + 1))
    if ! "$cc" -std=gnu11 -fsyntax-only -fopenmp -Wall -Wextra -Werror -D_GNU_SOURCE \
        -DCL_TARGET_OPENCL_VERSION=120 -DHETERO_VERSION='"cross"' -DHETERO_HAVE_CAIRO=1 \
        -DHETERO_HAVE_MPI=0 -DHETERO_TARGET_CLONES=1 -DHETERO_BUILD_TYPE='"cross"' \
        -Iinclude -Ihost/lib -Ihost/workloads -I"$(dirname "$f")" -Ihost/app -Icl -Ikernels -Ibench -I"$gen" \
        -idirafter /usr/include -idirafter /usr/include/cairo "$f"; then
        bad=1
    fi
done
[ "$bad" -eq 0 ] || { echo "check-cross: $cc found problems (above)" >&2; exit 1; }
echo "check-cross: $n sources compile for $("$cc" -dumpmachine)"
