#!/usr/bin/env bash
# The primes workload gives the same count and digest on every device mix
# (omp, cl, omp,cl, and 1 or 2 OpenMP threads), and the count is the
# expected one.
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

python3 - "$E2E_DIR" "$expect" <<'PY'
import json, sys
tmp, expect = sys.argv[1], int(sys.argv[2])
runs = {n: json.load(open(f"{tmp}/{n}.json")) for n in ("omp1", "omp2", "cl", "mix")}
ref = runs["omp1"]
res = ref["result"]
value = res["count"] if "count" in res else res["prime"]
assert value == expect, f"expected {expect}, got {res}"
for name, r in runs.items():
    assert r["result"] == res, f"{name}: result {r['result']} differs from {res}"
    assert r["digest"] == ref["digest"], f"{name}: digest {r['digest']} differs from {ref['digest']}"
    assert sum(w["grains"] for w in r["workers"]) == r["grains"], f"{name}: grains do not add up"
kinds = {w["kind"] for w in runs["cl"]["workers"]}
assert kinds == {"opencl"}, f"--devices cl ran on {kinds}"
print(f"{res} digest {ref['digest']}: same on omp x1, omp x2, cl, omp+cl")
PY
