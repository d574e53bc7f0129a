#!/usr/bin/env bash
# Under mpirun: bad input is reported once, by rank 0, with exit 2; a rank
# that cannot run (here: rank 1 sees no OpenCL platform while --devices cl
# asks for one) ends the whole run with a message naming that rank and its
# host, a non-zero exit from mpirun and no result on stdout; ranks started
# with different jobs refuse to run.
set -uo pipefail
: "${HETERO:?}" "${MPIRUN:?}"
tmp=${E2E_TMP:-/tmp}/mpi_failures.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# shellcheck disable=SC2086
$MPIRUN -np 3 "$HETERO" pi --samples 0 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -ne 0 ] || fail "bad input under mpirun exited 0"
[ ! -s "$tmp/out" ] || fail "bad input printed on stdout: $(cat "$tmp/out")"
n=$(grep -c -- "--samples" "$tmp/err")
[ "$n" -eq 1 ] || fail "bad input reported $n times, expected once: $(cat "$tmp/err")"

mkdir -p "$tmp/no-icd"
# shellcheck disable=SC2086
$MPIRUN -np 1 "$HETERO" pi --samples 1e7 --devices cl --format json : \
        -np 1 env OCL_ICD_VENDORS="$tmp/no-icd" "$HETERO" pi --samples 1e7 --devices cl --format json \
        > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -ne 0 ] || fail "a failing rank left mpirun with exit 0"
[ ! -s "$tmp/out" ] || fail "a failed run printed a result: $(cat "$tmp/out")"
grep -q "rank 1 ($(hostname)" "$tmp/err" || fail "message does not name rank 1 and its host: $(cat "$tmp/err")"
# shellcheck disable=SC2086
$MPIRUN -np 1 "$HETERO" pi --samples 1e7 : -np 1 "$HETERO" pi --samples 2e7 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -ne 0 ] || fail "ranks with different jobs left mpirun with exit 0"
[ ! -s "$tmp/out" ] || fail "ranks with different jobs printed a result: $(cat "$tmp/out")"
grep -q "planned different jobs" "$tmp/err" || fail "no message about different jobs: $(cat "$tmp/err")"

echo "ok: bad input once with exit $rc; failing rank named: $(grep 'rank 1' "$tmp/err" | head -1)"
