#!/usr/bin/env bash
# checkpoint.sh - interrupted is not lost (contract 9), one process:
#   - for every workload, SIGTERM mid-run with --checkpoint exits 143 with
#     one line ("interrupted after X of Y grains; run the same command to
#     resume") and nothing on stdout; the same command then finishes with
#     the result and digest of an uninterrupted run, and says how many
#     grains came from the journal;
#   - a finished journal replays without computing; --checkpoint-remove
#     deletes it once the run is complete;
#   - a journal whose last record was cut by a crash is resumed (the torn
#     record dropped);
#   - a journal of another job, or a file that is not a journal, is bad
#     input naming what differs, and is left as it was;
#   - --time-limit stops in time, exits 3, and the same command resumes;
#     it stops --print streaming as well;
#   - srun with several tasks but no PMI is refused (simulated Slurm).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
# jobs of some seconds on one thread, long enough to be stopped after the
# journal's first write (a second in): pi and the reservoir divided by SLOW
# in a slower build; the sieve is hardly slower under a sanitizer
JOBS=("pi --samples $(scaled 4e9) --seed 11"
    "primes --range 1e15:1000005000000000"
    "reservoir --paths $(scaled 300000) --steps 2000 --seed 3")

# wait_journal FILE: until FILE holds at least one record (header + more).
wait_journal() {
    for _ in $(seq 300); do
        [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt 400 ] && return 0
        sleep 0.05
    done
    fail "no journal record in $1 after 15 s"
}

i=0
for job in "${JOBS[@]}"; do
    read -r -a args <<<"$job"
    i=$((i + 1))
    j="$E2E_DIR/j$i"
    run_ok "ref$i" "$H" "${args[@]}" --devices omp --threads "$THREADS" --format json
    rc=0
    "$H" "${args[@]}" --devices omp --threads 1 --format json --checkpoint "$j" \
        >"$E2E_DIR/int$i.out" 2>"$E2E_DIR/int$i.err" &
    pid=$!
    wait_journal "$j"
    kill -TERM "$pid" || fail "$job: the run ended before SIGTERM reached it"
    wait "$pid" || rc=$?
    [ "$rc" -eq 143 ] || { show "$E2E_DIR/int$i.err"; fail "$job: SIGTERM gave exit $rc, expected 143"; }
    [ -s "$E2E_DIR/int$i.out" ] && fail "$job: an interrupted run wrote to stdout"
    [ "$(lines "$E2E_DIR/int$i.err")" -eq 1 ] || { show "$E2E_DIR/int$i.err"; fail "$job: not one line"; }
    grep -qE "^hetero: interrupted after [0-9]+ of [0-9]+ grains; run the same command to resume$" \
        "$E2E_DIR/int$i.err" || { show "$E2E_DIR/int$i.err"; fail "$job: the interruption line"; }
    # resumed on another thread count (but under ThreadSanitizer: THREADS
    # is 1 there): the same bits
    run_ok "res$i" "$H" "${args[@]}" --devices omp --threads "$THREADS" --format json --checkpoint "$j"
    json_check "$E2E_DIR/res$i.out" "r['checkpoint']['resumed_grains'] > 0" \
        "r['checkpoint']['resumed_grains'] + sum(w['grains'] for w in r['workers']) == r['grains']"
    # a finished journal replays: nothing left to compute
    run_ok "again$i" "$H" "${args[@]}" --devices omp --format json --checkpoint "$j" --checkpoint-remove
    json_check "$E2E_DIR/again$i.out" "r['checkpoint']['resumed_grains'] == r['grains']"
    [ -e "$j" ] && fail "$job: --checkpoint-remove left the journal"
    same_bits "uninterrupted=$E2E_DIR/ref$i.out" "resumed=$E2E_DIR/res$i.out" "replayed=$E2E_DIR/again$i.out"
    echo "ok  $job: interrupted, resumed on $THREADS threads, replayed: the same bits"
done

# A torn last record (a crash while appending) is dropped, not fatal.
read -r -a args <<<"${JOBS[0]}"
j="$E2E_DIR/torn"
"$H" "${args[@]}" --devices omp --threads 1 --format json --checkpoint "$j" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 300); do
    [ "$(stat -c %s "$j" 2>/dev/null || echo 0)" -gt 1000 ] && break
    sleep 0.05
done
kill -TERM "$pid" || true   # ended already: its journal is cut all the same
wait "$pid" || true
size=$(stat -c %s "$j")
truncate -s $((size - 5)) "$j"
run_ok torn "$H" "${args[@]}" --devices omp --threads "$THREADS" --format json --checkpoint "$j"
same_bits "uninterrupted=$E2E_DIR/ref1.out" "torn journal resumed=$E2E_DIR/torn.out"
echo "ok  a journal cut mid-record resumes with the same bits"

# Another job's journal, and a file that is not a journal: bad input,
# nothing touched.
cp "$j" "$E2E_DIR/copy"
expect_bad_input "samples is $(scaled 4e9) there, $(scaled 7e9) here" \
    "$H" pi --samples "$(scaled 7e9)" --seed 11 --devices omp --checkpoint "$j"
expect_bad_input "seed is 11 there, 12 here" "$H" pi --samples "$(scaled 4e9)" --seed 12 --devices omp --checkpoint "$j"
expect_bad_input "workload is pi there, primes here" "$H" primes --range 0:1e6 --devices omp --checkpoint "$j"
cmp -s "$j" "$E2E_DIR/copy" || fail "a refused journal was changed"
echo "not a journal" >"$E2E_DIR/notes.txt"
expect_bad_input "not a hetero journal" "$H" pi --samples 1e6 --devices omp --checkpoint "$E2E_DIR/notes.txt"
[ "$(cat "$E2E_DIR/notes.txt")" = "not a journal" ] || fail "a file that is not a journal was changed"
expect_bad_input "--checkpoint" "$H" pi --samples 1e6 --devices omp --checkpoint "$E2E_DIR/nodir/j"
expect_bad_input "--checkpoint-remove: needs --checkpoint" "$H" pi --samples 1e6 --checkpoint-remove
expect_bad_input "--time-limit" "$H" pi --samples 1e6 --time-limit 5x
# within the time a stop takes (3 s), no run could ever do any work
expect_bad_input "--time-limit" "$H" pi --samples 1e6 --time-limit 3s
expect_bad_input "--time-limit" "$H" pi --samples 1e6 --time-limit 0.001
# a decimal number as written: no leading space, no hexadecimal, no inf
expect_bad_input "--time-limit" "$H" pi --samples 1e6 --time-limit ' 5'
expect_bad_input "--time-limit" "$H" pi --samples 1e6 --time-limit 0x10
expect_bad_input "--time-limit" "$H" pi --samples 1e6 --time-limit inf
# --peer-timeout: a duration of a few heartbeats at least
expect_bad_input "--peer-timeout" "$H" pi --samples 1e6 --peer-timeout 1s
expect_bad_input "--peer-timeout" "$H" pi --samples 1e6 --peer-timeout soon

# --time-limit: stops in time to write the journal, exit 3, resumable.
j="$E2E_DIR/limit"
rc=0
start=$(date +%s)
"$H" pi --samples "$(scaled 8e9)" --seed 11 --devices omp --threads 1 --format json --checkpoint "$j" \
    --time-limit 5s >"$E2E_DIR/limit.out" 2>"$E2E_DIR/limit.err" || rc=$?
took=$(($(date +%s) - start))
[ "$rc" -eq 3 ] || { show "$E2E_DIR/limit.err"; fail "--time-limit: exit $rc, expected 3"; }
[ "$took" -le 6 ] || fail "--time-limit 5s: the run took $took s"
[ -s "$E2E_DIR/limit.out" ] && fail "--time-limit: a stopped run wrote to stdout"
grep -qE "^hetero: stopped at the time limit after [0-9]+ of [0-9]+ grains; run the same command to resume$" \
    "$E2E_DIR/limit.err" || { show "$E2E_DIR/limit.err"; fail "--time-limit: the line"; }
run_ok limitref "$H" pi --samples "$(scaled 8e9)" --seed 11 --devices omp --threads "$THREADS" --format json
run_ok limitres "$H" pi --samples "$(scaled 8e9)" --seed 11 --devices omp --threads "$THREADS" --format json --checkpoint "$j"
same_bits "uninterrupted=$E2E_DIR/limitref.out" "resumed after the time limit=$E2E_DIR/limitres.out"
echo "ok  --time-limit 5s: exit 3 after $took s, resumed with the same bits"

# --time-limit stops --print streaming too (a list of primes takes far
# longer to write than to count): exit 3 at the limit, nothing on stdout,
# the old file as it was, the journal kept.
j="$E2E_DIR/limitp"
printf 'old\n' >"$E2E_DIR/primes.txt"
rc=0
start=$(date +%s)
"$H" primes --range 0:1e10 --print "$E2E_DIR/primes.txt" --checkpoint "$j" --time-limit 8s \
    >"$E2E_DIR/limitp.out" 2>"$E2E_DIR/limitp.err" || rc=$?
took=$(($(date +%s) - start))
[ "$rc" -eq 3 ] || { show "$E2E_DIR/limitp.err"; fail "--time-limit with --print: exit $rc, expected 3"; }
[ "$took" -le 9 ] || fail "--time-limit 8s with --print: the run took $took s"
[ -s "$E2E_DIR/limitp.out" ] && fail "--time-limit with --print: a stopped run wrote to stdout"
[ "$(cat "$E2E_DIR/primes.txt")" = old ] || fail "--time-limit with --print: the old file was replaced"
[ -s "$j" ] || fail "--time-limit with --print: no journal"
grep -qE "^hetero: stopped at the time limit (while writing the outputs|after [0-9]+ of [0-9]+ grains); run the same command to resume$" \
    "$E2E_DIR/limitp.err" || { show "$E2E_DIR/limitp.err"; fail "--time-limit with --print: the line"; }
echo "ok  --time-limit 8s stops --print streaming: exit 3 after $took s, the old file kept"

# srun started several tasks but MPI sees one: refused before any work.
SLURM_STEP_NUM_TASKS=4 expect_bad_input "srun --mpi=pmix" "$H" pi --samples 1e6
SLURM_STEP_NUM_TASKS=1 run_ok slurm1 "$H" pi --samples 1e6 --devices omp
echo "ok  srun without PMI refused; a plain run in an allocation runs"
