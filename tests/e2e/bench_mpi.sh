#!/usr/bin/env bash
# Under mpirun every row runs across all ranks: the report says how many,
# each row ran on all of them, and the self-check digest is the same as a
# one-process run's (the same job gives the same bits on any rank count).
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"
need_mpi
here=$(dirname "$0")
wl=${WORKLOADS%%,*}

"$HETERO_BENCH" "${QUICK[@]}" --workloads "$wl" --devices omp --threads 1 --format json >"$E2E_DIR/one.json"
"${MPI[@]}" -np 2 "$HETERO_BENCH" "${QUICK[@]}" --workloads "$wl" --devices omp --threads 1 --format json >"$E2E_DIR/two.json"
python3 "$here/bench_check.py" "$E2E_DIR/two.json" "$wl" "omp/1" 2 2
# the check job, contract 1: one process and 2 ranks give the same bits
same_bits --at checks.0 "one process=$E2E_DIR/one.json" "2 ranks=$E2E_DIR/two.json"

"${MPI[@]}" -np 2 "$HETERO_BENCH" "${QUICK[@]}" --workloads "$wl" --devices omp --threads 1 >"$E2E_DIR/two.txt"
grep -q "2 MPI ranks" "$E2E_DIR/two.txt" || fail "the text report does not say 2 MPI ranks"
[ "$(grep -c '^hetero-bench' "$E2E_DIR/two.txt")" -eq 1 ] || fail "more than one rank printed"
