"""primes_devices.py DIR EXPECTED - the reports primes_devices.sh left in
DIR (omp1, omp2, cl and mix .json): the same result and digest on every
device mix (contract 1, same_bits.py), the count (or the n-th prime) is
EXPECTED, each run's workers' grains add up to the job's, and --devices cl
ran on OpenCL alone.
"""
import json
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
import same_bits                   # beside this file

tmp, expect = sys.argv[1], int(sys.argv[2])
labels = {"omp1": "omp x1", "omp2": "omp x2", "cl": "cl", "mix": "omp+cl"}
runs = {n: json.load(open(f"{tmp}/{n}.json")) for n in labels}
res = runs["omp1"]["result"]
value = res["count"] if "count" in res else res["prime"]
assert value == expect, f"expected {expect}, got {res}"
differs = same_bits.compare([(labels[n], r) for n, r in runs.items()])
assert differs is None, differs
for name, r in runs.items():
    assert sum(w["grains"] for w in r["workers"]) == r["grains"], f"{name}: grains do not add up"
kinds = {w["kind"] for w in runs["cl"]["workers"]}
assert kinds == {"opencl"}, f"--devices cl ran on {kinds}"
print(f"{res}: {same_bits.summary([(labels[n], r) for n, r in runs.items()])}")
