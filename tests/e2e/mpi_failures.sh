#!/usr/bin/env bash
# Under mpirun: bad input is reported once, by rank 0, with exit 2; a rank
# that cannot run (here: rank 1 sees no OpenCL platform while --devices cl
# asks for one) ends the whole run with a message naming that rank and its
# host, a non-zero exit from mpirun and no result on stdout; ranks started
# with different jobs refuse to run.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_mpi

rc=0
"${MPI[@]}" -np 3 "$HETERO" pi --samples 0 >"$E2E_DIR/out" 2>"$E2E_DIR/err" || rc=$?
[ "$rc" -ne 0 ] || fail "bad input under mpirun exited 0"
[ ! -s "$E2E_DIR/out" ] || fail "bad input printed on stdout: $(cat "$E2E_DIR/out")"
n=$(grep -c -- "--samples" "$E2E_DIR/err")
[ "$n" -eq 1 ] || fail "bad input reported $n times, expected once: $(cat "$E2E_DIR/err")"

mkdir -p "$E2E_DIR/no-icd"
rc=0
"${MPI[@]}" -np 1 "$HETERO" pi --samples 1e7 --devices cl --format json : \
    -np 1 env OCL_ICD_VENDORS="$E2E_DIR/no-icd" "$HETERO" pi --samples 1e7 --devices cl --format json \
    >"$E2E_DIR/out" 2>"$E2E_DIR/err" || rc=$?
[ "$rc" -ne 0 ] || fail "a failing rank left mpirun with exit 0"
[ ! -s "$E2E_DIR/out" ] || fail "a failed run printed a result: $(cat "$E2E_DIR/out")"
grep -q "rank 1 ($(hostname)" "$E2E_DIR/err" || fail "message does not name rank 1 and its host: $(cat "$E2E_DIR/err")"
rc=0
# a job mismatch names the first rank that differs, and the parameter
"${MPI[@]}" -np 2 "$HETERO" pi --samples 1e7 --devices omp : -np 1 "$HETERO" pi --samples 2e7 --devices omp \
    >"$E2E_DIR/out" 2>"$E2E_DIR/err" || rc=$?
[ "$rc" -ne 0 ] || fail "ranks with different jobs left mpirun with exit 0"
[ ! -s "$E2E_DIR/out" ] || fail "ranks with different jobs printed a result: $(cat "$E2E_DIR/out")"
want="rank 2 ($(hostname)): this rank planned another job than rank 0: samples is 20000000 here, 10000000 on rank 0"
grep -qF "$want" "$E2E_DIR/err" || fail "the mismatch does not name rank 2 and --samples: $(cat "$E2E_DIR/err")"

echo "ok: bad input once with exit $rc; failing rank named: $(grep 'rank 1' "$E2E_DIR/err" | head -1)"
