#!/usr/bin/env bash
# journal_trust.sh - a journal is used only when nothing but this user's
# own runs could have written it, and only for partials a computation could
# give (issue: a tampered journal answered wrong with exit 0):
#   - a journal of another user, or writable by group or others, or in a
#     folder others may write (unless sticky), is bad input naming the
#     rule, and is left as it was;
#   - a record whose checksum was recomputed around an impossible partial
#     (pi: hits above the grain's samples, or 2^63; primes: a count above
#     Brun-Titchmarsh's bound; reservoir: NaN) is dropped with a notice,
#     computed again, and the answer is the untouched run's;
#   - a second run on a journal another run holds is refused (the lock);
#   - every journal that cannot be written is bad input, exit 2: a
#     dangling symbolic link, a read-only file, a read-only folder;
#   - an output (--print) over another user's file in a sticky folder is
#     bad input before the work, since the final rename would fail.
# Usage: journal_trust.sh JOURNAL_EDIT (tests/journal_edit.c)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

EDIT=${1:?journal_edit}
H=$HETERO
cd "$E2E_DIR"

# report_of TAG: "result digest" of the JSON report in TAG.out
report_of() {
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps(r["result"], sort_keys=True), r["digest"])' \
        "$E2E_DIR/$1.out" || fail "$1.out is not a report"
}
# same_answer A B: the reports A.out and B.out hold the same result and digest
same_answer() {
    [ "$(report_of "$1")" = "$(report_of "$2")" ] || fail "$2 answered otherwise than $1: $(report_of "$2") vs $(report_of "$1")"
}
# noticed TAG: TAG.err holds the notice of a dropped, impossible record
noticed() {
    grep -q "holds a partial no computation could give" "$E2E_DIR/$1.err" ||
        fail "$1: no notice of the impossible record; stderr: $(cat "$E2E_DIR/$1.err")"
}

pi=(pi --samples 2e7 --seed 5 --devices omp --threads "$THREADS" --format json)
run_ok piref "$H" "${pi[@]}"
gs=$(json_get piref.out params.grain_samples)

# ---- someone else's hand -------------------------------------------------
run_ok pij "$H" "${pi[@]}" --checkpoint j
"$EDIT" j 3 0 u64 +1000
if [ "$(id -u)" -eq 0 ]; then
    cp j j.theirs
    chown nobody j.theirs
    chmod 600 j.theirs
    expect_bad_input "--checkpoint: 'j.theirs' belongs to uid" "$H" "${pi[@]}" --checkpoint j.theirs
fi
chmod 666 j
sum=$(md5sum <j)
expect_bad_input "is writable by group or others" "$H" "${pi[@]}" --checkpoint j
[ "$(md5sum <j)" = "$sum" ] || fail "a refused journal was changed"
chmod 620 j
expect_bad_input "is writable by group or others" "$H" "${pi[@]}" --checkpoint j
chmod 600 j
rm j
mkdir open
chmod 777 open
expect_bad_input "(mode 0777) is writable by others" "$H" "${pi[@]}" --checkpoint open/j
chmod 1777 open
run_ok sticky "$H" "${pi[@]}" --checkpoint open/j
same_answer piref sticky

# ---- impossible partials, checksums right ----------------------------------
run_ok pij "$H" "${pi[@]}" --checkpoint j
"$EDIT" j 2 0 u64 $((gs + 1))
run_ok pi1 "$H" "${pi[@]}" --checkpoint j
noticed pi1
same_answer piref pi1
"$EDIT" j 0 0 u64 9223372036854775808
"$EDIT" j 1 0 u64 9223372036854775808
run_ok pi2 "$H" "${pi[@]}" --checkpoint j
noticed pi2
same_answer piref pi2
# and an untouched journal replays with no notice
run_ok pi3 "$H" "${pi[@]}" --checkpoint j
! grep -q "no computation" pi3.err || fail "an untouched journal was called impossible"
same_answer piref pi3

primes=(primes --range 1e9:1.2e9 --devices omp --threads "$THREADS" --format json)
run_ok prref "$H" "${primes[@]}"
y=$(json_get prref.out params.grain_numbers)
run_ok prj "$H" "${primes[@]}" --checkpoint jp
"$EDIT" jp 1 0 u64 "$(awk -v y="$y" 'BEGIN { printf "%.0f", 2 * y / log(y) + 2 }')"
run_ok pr1 "$H" "${primes[@]}" --checkpoint jp
noticed pr1
same_answer prref pr1

res=(reservoir --paths 2048 --steps 200 --devices omp --threads "$THREADS" --format json)
run_ok resref "$H" "${res[@]}"
run_ok resj "$H" "${res[@]}" --checkpoint jr
"$EDIT" jr 0 0 f64 nan
run_ok res1 "$H" "${res[@]}" --checkpoint jr
noticed res1
same_answer resref res1
run_ok res2 "$H" "${res[@]}" --checkpoint jr
"$EDIT" jr 0 32 u64 +100000000
run_ok res3 "$H" "${res[@]}" --checkpoint jr
noticed res3
same_answer resref res3

# ---- one run per journal -----------------------------------------------------
long=(pi --samples "$(scaled 4e10)" --devices omp --threads 1 --checkpoint jl)
"$H" "${long[@]}" >long.out 2>long.err &
first=$!
for _ in $(seq 100); do
    [ -s jl ] && break
    sleep 0.1
done
[ -s jl ] || fail "the first run wrote no journal"
expect_bad_input "--checkpoint: 'jl' is in use by another run" "$H" "${long[@]}"
kill -TERM "$first"
rc=0
wait "$first" || rc=$?
[ "$rc" -eq 143 ] || fail "the first run ended with $rc after SIGTERM, expected 143"

# ---- journals that cannot be written: all bad input ----------------------------
ln -s missing dangling
expect_bad_input "--checkpoint: cannot use 'dangling': a symbolic link to nothing" "$H" "${pi[@]}" --checkpoint dangling
if [ ! -L dangling ] || [ -e missing ]; then fail "the dangling link was replaced or followed"; fi
if [ "$(id -u)" -eq 0 ] && setpriv --reuid=nobody --regid=nogroup --clear-groups "$H" --version >/dev/null 2>&1; then
    chmod 711 "$E2E_DIR"
    as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups "$H")
    mkdir nb
    chown nobody nb
    "${as_nobody[@]}" "${pi[@]}" --checkpoint nb/j >/dev/null
    chmod 400 nb/j
    expect_bad_input "--checkpoint: cannot write 'nb/j'" "${as_nobody[@]}" "${pi[@]}" --checkpoint nb/j
    rm nb/j
    chmod 500 nb
    expect_bad_input "--checkpoint: cannot create 'nb/j'" "${as_nobody[@]}" "${pi[@]}" --checkpoint nb/j
    # a file of another user's in a sticky folder: the rename would fail
    mkdir shared
    chmod 1777 shared
    echo theirs >shared/o.txt
    chown daemon shared/o.txt
    chmod 666 shared/o.txt
    expect_bad_input "--print: cannot replace 'shared/o.txt'" "${as_nobody[@]}" primes --range 0:1000 --print shared/o.txt
    [ "$(cat shared/o.txt)" = theirs ] || fail "the other user's file was changed"
else
    echo "journal_trust: not root (or setpriv cannot run the binary as nobody): the read-only and sticky-folder cases are skipped" >&2
fi
echo "journal_trust: ok"
