#!/usr/bin/env bash
# primes_vs_primesieve.sh - hetero primes against primesieve at every
# height: the primes of a WIDTH-wide range starting at 0, 1e12, 1e15, 1e18
# and ending at 2^64 - 1 (the top of 64 bits), on one thread and on all
# threads, side by side (each repetition runs primesieve then hetero, so a
# noisy neighbour hits both alike).
#
# Time is whole-process wall time (what a user waits for: hetero's planning,
# its sieve of the sieving primes and its report included), the best of
# --runs repetitions; CPU time (user + system, best of the runs) is shown
# too, the steadier figure on a shared machine.  hetero runs as
#   hetero primes --range A:B --devices omp --threads T --format json
# and primesieve (Debian's primesieve-bin) as
#   primesieve A B-1 --threads T --count --quiet
# The counts must agree (exit status 1 otherwise).  Speed is primesieve's
# time over hetero's: above 1 means hetero is faster.
#
#   bench/primes_vs_primesieve.sh [--runs N] [--width W] [--threads LIST] [--build DIR]
#
# --runs N       repetitions per cell, best kept (default 3)
# --width W      numbers per range (default 1e10)
# --threads LIST comma-separated thread counts (default "1,ALL", ALL = nproc)
# --build DIR    the build folder holding hetero (default build/)
#
# Prints a markdown table.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/build"
runs=3
width=1e10
threads_list="1,ALL"
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=${2:?--runs: expected a number}; shift ;;
        --width) width=${2:?--width: expected a number}; shift ;;
        --threads) threads_list=${2:?--threads: expected a list}; shift ;;
        --build) build=${2:?--build: expected a folder}; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "primes_vs_primesieve.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
case $runs in ''|*[!0-9]*|0) echo "primes_vs_primesieve.sh: --runs: expected a whole number >= 1, got '$runs'" >&2; exit 2 ;; esac

hetero="$build/hetero"
[ -x "$hetero" ] || { echo "primes_vs_primesieve.sh: $hetero not found: build first" >&2; exit 2; }
command -v primesieve >/dev/null || { echo "primes_vs_primesieve.sh: primesieve not found (apt-get install primesieve-bin)" >&2; exit 2; }

# Whole numbers from exponent forms, exactly (bc, not floating point).
num() { echo "$1" | sed 's/^\([0-9.]*\)e\([0-9]*\)$/\1*10^\2/' | BC_LINE_LENGTH=0 bc | sed 's/\..*//'; }
W=$(num "$width")
TOP=18446744073709551615
nproc_all=$(nproc)

# min of two decimal numbers ("" = none yet)
minf() { if [ -z "$1" ]; then echo "$2"; else echo "if ($2 < $1) $2 else $1" | bc -l; fi; }
tf=$(mktemp)
trap 'rm -f "$tf"' EXIT
# run CMD...: its stdout into $out, wall and CPU (user + system) seconds
# into $wall and $cpu
run() {
    out=$(/usr/bin/time -f '%e %U %S' -o "$tf" "$@")
    read -r wall u s <"$tf"
    cpu=$(echo "$u + $s" | bc -l)
}

echo "| height | range | threads | primesieve (s) | hetero (s) | speed | primesieve CPU (s) | hetero CPU (s) | count |"
echo "|---|---|---|---|---|---|---|---|---|"
status=0
for h in 0 1e12 1e15 1e18 top; do
    if [ "$h" = top ]; then
        B=$TOP
        A=$(echo "$TOP - $W" | bc)
        label="2^64-1 - $width"
    else
        A=$(num "$h")
        B=$(echo "$A + $W" | bc)
        label="$h"
    fi
    Bm1=$(echo "$B - 1" | bc)
    IFS=, read -r -a tl <<<"$threads_list"
    for t in "${tl[@]}"; do
        [ "$t" = ALL ] && t=$nproc_all
        best_ps="" best_he="" cpu_ps="" cpu_he="" c_ps="" c_he=""
        for ((r = 0; r < runs; r++)); do
            run primesieve "$A" "$Bm1" --threads "$t" --count --quiet
            c_ps=$out
            best_ps=$(minf "$best_ps" "$wall")
            cpu_ps=$(minf "$cpu_ps" "$cpu")
            run "$hetero" primes --range "$A:$B" --devices omp --threads "$t" --format json
            c_he=$(printf '%s\n' "$out" | jq -r '.result.count')
            best_he=$(minf "$best_he" "$wall")
            cpu_he=$(minf "$cpu_he" "$cpu")
            if [ "$c_ps" != "$c_he" ]; then
                echo "primes_vs_primesieve.sh: [$A, $B) on $t threads: primesieve counts $c_ps, hetero $c_he" >&2
                status=1
            fi
        done
        speed=$(echo "scale=2; $best_ps / $best_he" | bc -l)
        printf '| %s | [%s, %s) | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s |\n' "$label" "$A" "$B" "$t" \
            "$best_ps" "$best_he" "$speed" "$cpu_ps" "$cpu_he" "$c_he"
    done
done
exit $status
