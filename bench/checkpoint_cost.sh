#!/usr/bin/env bash
# The cost of --checkpoint, side by side: the same pi job with many grains
# with and without a journal (a new journal each time), alternating, best of
# REPEATS; digests checked equal.
#   bench/checkpoint_cost.sh [SAMPLES] [REPEATS]
# HETERO names the binary (default build/hetero).
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-2e10}
repeats=${2:-5}
hetero=${HETERO:-build/hetero}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { python3 -c "import json; print(json.load(open('$1'))$2)"; }
best_a="" best_b=""
for _ in $(seq "$repeats"); do
    "$hetero" pi --samples "$samples" --devices omp --format json --no-progress >"$tmp/a.json"
    rm -f "$tmp/j"
    "$hetero" pi --samples "$samples" --devices omp --format json --no-progress --checkpoint "$tmp/j" >"$tmp/b.json"
    [ "$(field "$tmp/a.json" '["digest"]')" = "$(field "$tmp/b.json" '["digest"]')" ] ||
        { echo "digests differ" >&2; exit 1; }
    a=$(field "$tmp/a.json" '["phases"]["wall"]')
    b=$(field "$tmp/b.json" '["phases"]["wall"]')
    best_a=$(python3 -c "print(min(float(x) for x in '$a $best_a'.split()))")
    best_b=$(python3 -c "print(min(float(x) for x in '$b $best_b'.split()))")
done
grains=$(field "$tmp/a.json" '["grains"]')
echo "pi --samples $samples ($grains grains): without ${best_a} s, with --checkpoint ${best_b} s:" \
    "$(python3 -c "print('%+.1f%%' % (100 * ($best_b / $best_a - 1)))") (best of $repeats, wall time of the run)"
