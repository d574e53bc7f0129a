# shellcheck shell=bash disable=SC2034
# bench_common.sh - what the hetero-bench end-to-end scripts share.  Source
# it; it sets `tmp` (a scratch folder removed on exit), QUICK (options for a
# tiny, fast bench) and WORKLOADS (the workloads hetero knows, from its
# --help), and defines fail.
set -euo pipefail
: "${HETERO:?HETERO must name the hetero binary}"
: "${HETERO_BENCH:?HETERO_BENCH must name the hetero-bench binary}"
mkdir -p "${E2E_TMP:-/tmp}"
tmp=$(mktemp -d "${E2E_TMP:-/tmp}/$(basename "$0" .sh).XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Tiny jobs: the point is the bench's behaviour, not its numbers.
QUICK=(--quick --seconds 0.02 --repeats 2 --check-items 2e5 --no-progress)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The workloads, as `hetero --help` lists its commands (every one but devices).
WORKLOADS=$("$HETERO" --help | awk '/^commands:/ {on = 1; next} on && /^$/ {exit} on {print $1}' |
            grep -v '^devices$' | paste -sd, -)
[ -n "$WORKLOADS" ] || fail "hetero --help lists no workload"
