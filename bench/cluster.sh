#!/usr/bin/env bash
# One process against 5 ranks on 3 simulated hosts (tests/e2e/cluster.sh:
# network, UTS and mount namespaces on a bridge, mpirun over TCP with
# Debian's stock settings), the same pi job, REPEATS times each.  The
# hosts share this machine's cores, so what it measures is balance (every
# rank's grains, the report's load balance), not speed.  Needs root.
#   bench/cluster.sh [SAMPLES] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-6e9}
repeats=${2:-3}
export HETERO=${HETERO:-build/hetero}
HETERO=$(realpath "$HETERO")
MPIRUN="mpirun --oversubscribe"
[ "$(id -u)" -eq 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
export MPIRUN
# shellcheck source=../tests/e2e/lib.sh
. tests/e2e/lib.sh
# shellcheck source=../tests/e2e/cluster.sh
. tests/e2e/cluster.sh
cluster_skip_unless_possible
cluster_up 3
opts=(--devices omp --threads 1 --format json --no-progress)
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
echo "pi --samples $samples: 1 process (1 thread) against 5 ranks (1 thread each) on h1:2,h2:2,h3:1"
for i in $(seq "$repeats"); do
    "$HETERO" pi --samples "$samples" "${opts[@]}" >"$E2E_DIR/one.json"
    cluster_mpirun --host h1:2,h2:2,h3:1 -np 5 "$HETERO" pi --samples "$samples" "${opts[@]}" >"$E2E_DIR/five.json"
    [ "$(field "$E2E_DIR/one.json" 'd["digest"]')" = "$(field "$E2E_DIR/five.json" 'd["digest"]')" ] ||
        fail "the digests of 1 process and 5 ranks differ"
    printf 'run %d: 1 process %.2f s; 5 ranks %.2f s, load balance %.3f, grains by rank %s of %s\n' "$i" \
        "$(field "$E2E_DIR/one.json" 'd["phases"]["wall"]')" "$(field "$E2E_DIR/five.json" 'd["phases"]["wall"]')" \
        "$(field "$E2E_DIR/five.json" 'd["balance"]')" \
        "$(field "$E2E_DIR/five.json" '[sum(w["grains"] for w in d["workers"] if w["rank"] == k) for k in range(5)]')" \
        "$(field "$E2E_DIR/five.json" 'd["grains"]')"
done
