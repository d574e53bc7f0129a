#!/usr/bin/env bash
# The scheduler on this machine, side by side (whole-process wall time,
# best of REPEATS, the runs of a comparison alternating):
#   1. width: primes in a 1e10-wide range at 1e15 on one OpenMP thread and
#      on two; the speed-up should be near 2;
#   2. a slow device beside OpenMP: PoCL (on the same cores) beside the
#      OpenMP team on primes at 1e16, against the team alone;
#   3. a very slow device beside OpenMP: Oclgrind (a simulated GPU; skipped
#      when not installed) on a reservoir job, against the team alone.
# Every comparison checks that the digests agree.  The jobs take some
# seconds on OpenMP alone, so that what is measured is the scheduling, not
# the start of OpenCL's platforms (a few tenths of a second).
#   bench/scheduler.sh [REPEATS]
# HETERO names the binary (default build/hetero).
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
hetero=${HETERO:-build/hetero}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# best TAG ENV... -- ARGS...: runs hetero REPEATS times with ARGS (and the
# environment assignments before --), prints the best wall time, keeps the
# last report in $tmp/TAG.json.
best() {
    local tag=$1 b=""
    shift
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    for _ in $(seq "$repeats"); do
        local t0 t1
        t0=$(date +%s.%N)
        env "${envs[@]}" "$hetero" "$@" --format json --no-progress >"$tmp/$tag.json"
        t1=$(date +%s.%N)
        b=$(python3 -c "a=$t1-$t0; b='$b'; print(a if not b or a < float(b) else b)")
    done
    echo "$b"
}
digest() { python3 -c "import json; print(json.load(open('$tmp/$1.json'))['digest'])"; }
check() { [ "$(digest "$1")" = "$(digest "$2")" ] || { echo "digest mismatch: $1 vs $2" >&2; exit 1; }; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }

echo "# hetero scheduler bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, best of $repeats"
job=(primes --range 1000000000000000:1000010000000000 --devices omp)
t1=$(best one -- "${job[@]}" --threads 1)
t2=$(best two -- "${job[@]}" --threads 2)
check one two
echo "width       primes 1e15:+1e10, 1 thread ${t1} s, 2 threads ${t2} s: speed-up $(ratio "$t1" "$t2")"

pocl=$("$hetero" devices --format json | python3 -c 'import json,sys
for d in json.load(sys.stdin)["opencl"]:
    if d["type"] == "cpu":
        print(d["id"]); break')
if [ -n "$pocl" ]; then
    job=(primes --range 1e16:10000010000000000 --threads 2)
    ta=$(best omp -- "${job[@]}" --devices omp)
    tb=$(best pocl -- "${job[@]}" --devices "$pocl,omp")
    check omp pocl
    echo "slow device primes 1e16:+1e10, omp ${ta} s, PoCL+omp ${tb} s: $(ratio "$tb" "$ta") x omp's time"
fi

icd=/usr/lib/oclgrind/liboclgrind-rt-icd.so
if [ -e "$icd" ]; then
    mkdir -p "$tmp/icd"
    echo "$icd" >"$tmp/icd/oclgrind.icd"
    job=(reservoir --paths 2000000 --steps 1000 --threads 2)
    ta=$(best romp -- "${job[@]}" --devices omp)
    tb=$(best grind OCL_ICD_VENDORS="$tmp/icd" -- "${job[@]}" --devices cl:0:0,omp)
    check romp grind
    echo "very slow   reservoir 2e6 x 1e3, omp ${ta} s, Oclgrind+omp ${tb} s: $(ratio "$tb" "$ta") x omp's time"
fi
