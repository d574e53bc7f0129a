#!/usr/bin/env bash
# --print FILE writes exactly the primes of the range, ascending, one per
# line, with the count in the report equal to the number of lines; the
# list is the same whatever the devices.  Checked against a reference
# (primesieve when installed, else trial division in Python).
#   primes_print.sh A B
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
a=$1 b=$2

"$HETERO" primes --range "$a:$b" --print "$E2E_DIR/omp.txt" --devices omp --format json --no-progress >"$E2E_DIR/omp.json"
"$HETERO" primes --range "$a:$b" --print "$E2E_DIR/cl.txt" --devices omp,cl --format json --no-progress >"$E2E_DIR/cl.json"
cmp "$E2E_DIR/omp.txt" "$E2E_DIR/cl.txt"

if command -v primesieve >/dev/null && [[ $b -gt 0 ]]; then
    primesieve "$a" "$((b - 1))" -p >"$E2E_DIR/ref.txt"
else
    python3 - "$a" "$b" >"$E2E_DIR/ref.txt" <<'PY'
import sys
a, b = int(sys.argv[1]), int(sys.argv[2])
def prime(n):
    if n < 2: return False
    d = 2
    while d * d <= n:
        if n % d == 0: return False
        d += 1
    return True
for n in range(a, b):
    if prime(n): print(n)
PY
fi
cmp "$E2E_DIR/omp.txt" "$E2E_DIR/ref.txt"
python3 - "$E2E_DIR/omp.json" "$E2E_DIR/omp.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = sum(1 for _ in open(sys.argv[2]))
assert r["result"]["count"] == n, f"count {r['result']['count']} but {n} lines"
print(f"{n} primes listed, equal to the reference and to the count")
PY
