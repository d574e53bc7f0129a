# shellcheck shell=bash disable=SC2034
# bench_common.sh - what the hetero-bench end-to-end scripts share, on top
# of lib.sh (which it sources: E2E_DIR, fail, expect_bad_input, ...).
# Source it instead of lib.sh; it requires HETERO_BENCH and sets QUICK
# (options for a tiny, fast bench) and WORKLOADS (the workloads hetero
# knows, from its --help, comma-separated).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${HETERO_BENCH:?HETERO_BENCH must name the hetero-bench binary}"

# Tiny jobs: the point is the bench's behaviour, not its numbers.
QUICK=(--quick --seconds 0.02 --repeats 2 --check-items 2e5 --no-progress)

# The workloads, as `hetero --help` lists its commands (every one but devices).
WORKLOADS=$("$HETERO" --help | awk '/^commands:/ {on = 1; next} on && /^$/ {exit} on {print $1}' |
    grep -v '^devices$' | paste -sd, -)
[ -n "$WORKLOADS" ] || fail "hetero --help lists no workload"
