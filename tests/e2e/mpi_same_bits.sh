#!/usr/bin/env bash
# Under mpirun -np 2 and -np 3 a job gives the same result and digest as a
# one-process run, and the report lists every rank (mpi_ranks.py).
#   mpi_same_bits.sh WORKLOAD [workload options...]
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_mpi

"$HETERO" "$@" --devices omp --threads 1 --format json --no-progress >"$E2E_DIR/one.json"

for np in 2 3; do
    "${MPI[@]}" -np "$np" "$HETERO" "$@" --devices omp --threads 1 --format json --no-progress >"$E2E_DIR/np$np.json"
    python3 "$E2E_HERE/mpi_ranks.py" "$E2E_DIR/one.json" "$E2E_DIR/np$np.json" "$np" ||
        fail "-np $np differs from one process, or its ranks (above)"
done
