#!/usr/bin/env bash
# bench/primes_vs_primesieve.sh end to end, kept small: one run per cell,
# 1e7-wide ranges, one thread.  The script fails when a count differs from
# primesieve's; here it must also print its five rows (heights 0, 1e12,
# 1e15, 1e18 and the top of 2^64).  Without primesieve there is nothing to
# compare against: skipped.
set -euo pipefail
: "${HETERO:?}"
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v primesieve >/dev/null; then
    echo "primesieve not installed (Debian: primesieve-bin): skipped"
    exit 0
fi
out=$(bash "$here/../../bench/primes_vs_primesieve.sh" --runs 1 --width 1e7 --threads 1 \
    --build "$(dirname "$HETERO")")
printf '%s\n' "$out"
rows=$(printf '%s\n' "$out" | grep -c '^| [0-9]')
[ "$rows" = 5 ] || { echo "expected 5 rows, got $rows" >&2; exit 1; }
printf '%s\n' "$out" | grep -q '^| 2^64-1 - 1e7 | \[18446744073699551615, 18446744073709551615) | 1 |'
