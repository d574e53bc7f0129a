#!/usr/bin/env bash
# The primes workload gives the same count and digest on every device mix
# (omp, cl, omp,cl, and 1 or 2 OpenMP threads), and the count is the
# expected one (primes_devices.py checks the reports).
#   primes_devices.sh EXPECTED_COUNT primes-options...
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
expect=$1
shift

run() {   # run NAME hetero-options...
    local name=$1
    shift
    "$HETERO" primes "$@" --format json --no-progress >"$E2E_DIR/$name.json"
}

run omp1 "$@" --devices omp --threads 1
run omp2 "$@" --devices omp --threads 2
run cl "$@" --devices cl
run mix "$@" --devices omp,cl --threads 1

python3 "$E2E_HERE/primes_devices.py" "$E2E_DIR" "$expect" || fail "primes on every device mix (above)"
