#!/usr/bin/env bash
# Under mpirun -np 2 and -np 3 a job gives the same result and digest as a
# one-process run, and the report lists every rank.
#   mpi_same_bits.sh WORKLOAD [workload options...]
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_mpi

"$HETERO" "$@" --devices omp --threads 1 --format json --no-progress >"$E2E_DIR/one.json"

for np in 2 3; do
    "${MPI[@]}" -np "$np" "$HETERO" "$@" --devices omp --threads 1 --format json --no-progress >"$E2E_DIR/np$np.json"
    python3 - "$E2E_DIR/one.json" "$E2E_DIR/np$np.json" "$np" <<'PY'
import json, sys
one = json.load(open(sys.argv[1]))
many = json.load(open(sys.argv[2]))
np_ = int(sys.argv[3])
assert many["result"] == one["result"], f"result differs under -np {np_}: {many['result']} vs {one['result']}"
assert many["digest"] == one["digest"], f"digest differs under -np {np_}"
ranks = sorted(r["rank"] for r in many["ranks"])
assert ranks == list(range(np_)), f"ranks listed: {ranks}"
assert sorted({w["rank"] for w in many["workers"]}) == list(range(np_)), "a rank has no worker row"
assert sum(w["grains"] for w in many["workers"]) == many["grains"], "grains do not add up"
assert all(r["host"] for r in many["ranks"])
print(f"-np {np_}: result and digest equal to one process; ranks {ranks}")
PY
done
