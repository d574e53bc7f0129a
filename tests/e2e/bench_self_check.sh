#!/usr/bin/env bash
# A device set that gives a different answer for the same job fails the
# bench: exit 1, a message naming the workload and both sets, and no
# report on stdout.  The test seam HETERO_BENCH_SKEW=SET runs SET's check
# job with another seed, a genuinely different answer.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

wl=${WORKLOADS%%,*}
rc=0
HETERO_BENCH_SKEW=omp/1 "$HETERO_BENCH" "${QUICK[@]}" --workloads "$wl" --devices omp --threads 2 \
    --format json >"$E2E_DIR/out" 2>"$E2E_DIR/err" || rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc with a wrong answer on omp/1, expected 1"
[ ! -s "$E2E_DIR/out" ] || fail "a report was printed despite the failed self-check"
grep -q "self-check failed: $wl: .*omp/1" "$E2E_DIR/err" || { show "$E2E_DIR/err"; fail "message does not name $wl and omp/1"; }
grep -q "omp/all" "$E2E_DIR/err" || fail "message does not name the other set"
echo "self-check: $(cat "$E2E_DIR/err")"
