#!/usr/bin/env bash
# late_signal.sh - one ending (contract 13): a SIGTERM swept over a run
# and a little past its end gives either the whole answer with exit 0 (the
# journal removed as --checkpoint-remove asks, no "interrupted" line) or
# exit 143 with nothing on stdout and the journal kept for the rerun.
# Never both, never neither.  The job is two grains of half a second, one
# for OpenMP and one for PoCL: once one worker finds the counter empty,
# the other's batch is still in flight, and a signal then used to let the
# run finish within the stop's grace, print its answer, and exit
# "interrupted" with the journal already removed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

devices=omp
[ -n "$(opencl_ids)" ] && devices=omp,cl
job=(reservoir --paths 64 --steps "$(scaled 2e6)" --devices "$devices" --threads 1 --format json --no-progress)

# how long the whole run takes here, start to exit
t0=$(date +%s%N)
run_ok whole "$HETERO" "${job[@]}"
t=$((($(date +%s%N) - t0) / 1000000))
[ "$t" -gt 200 ] || fail "the run took ${t} ms: too short to aim a signal at its end"

tries=12 ends=0 stops=0
for ((i = 0; i < tries; i++)); do
    j="$E2E_DIR/j$i"
    # from 30% to 110% of the run's time: the race was at the end
    at=$((t * (30 + 80 * i / (tries - 1)) / 100))
    "$HETERO" "${job[@]}" --checkpoint "$j" --checkpoint-remove >"$E2E_DIR/out" 2>"$E2E_DIR/err" &
    pid=$!
    sleep "$(awk -v ms="$at" 'BEGIN { printf "%.3f", ms / 1000 }')"
    kill -TERM "$pid" 2>/dev/null || true
    rc=0
    wait "$pid" || rc=$?
    case $rc in
    0)
        python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$E2E_DIR/out" ||
            fail "try $i: exit 0 without a whole JSON report on stdout"
        grep -q interrupted "$E2E_DIR/err" && fail "try $i: exit 0, and yet 'interrupted': $(cat "$E2E_DIR/err")"
        [ -e "$j" ] && fail "try $i: exit 0 but --checkpoint-remove left the journal"
        ends=$((ends + 1))
        ;;
    143)
        [ -s "$E2E_DIR/out" ] && fail "try $i: interrupted, and yet stdout has: $(head -c 200 "$E2E_DIR/out")"
        grep -q "interrupted" "$E2E_DIR/err" || fail "try $i: exit 143 without the interrupted line"
        [ -s "$j" ] || fail "try $i: interrupted, and the journal is gone"
        stops=$((stops + 1))
        ;;
    *) fail "try $i: exit $rc: $(cat "$E2E_DIR/err")" ;;
    esac
    rm -f "$j"
done
echo "ok: $tries signals from 30% to 110% of a ${t} ms run: $ends whole answers (exit 0), $stops interruptions (143)"
