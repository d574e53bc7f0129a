#!/usr/bin/env bash
# `hetero reservoir` gives the same result, digest and trace CSV with one
# OpenMP thread, two threads, the OpenCL device(s) alone and OpenCL with
# OpenMP.  The OpenCL runs are skipped (with a notice) where no OpenCL
# device exists.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

sets=("omp --threads 1" "omp --threads 2")
if "$HETERO" devices --format json | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["opencl"] else 1)'; then
    sets+=("cl" "omp,cl --threads 1")
else
    echo "notice: no OpenCL device; comparing OpenMP runs only"
fi

# Two jobs: odd steps without a trace (many grains), and a traced job
# whose traced steps fall on odd and even steps.
jobs=("--paths 20001 --steps 101 --seed 42"
            "--paths 3000 --steps 1000 --capacity 80 --inflow-mean 60 --inflow-sd 90 --release 65 --initial 10 --seed 0xabcdef0123 --trace TRACE")

for j in "${!jobs[@]}"; do
    for s in "${!sets[@]}"; do
        args=${jobs[$j]//TRACE/$E2E_DIR/trace.$j.$s.csv}
        # shellcheck disable=SC2086
        "$HETERO" reservoir $args --devices ${sets[$s]} --format json --no-progress >"$E2E_DIR/out.$j.$s.json"
    done
    runs=() traces=()
    for s in "${!sets[@]}"; do
        runs+=("${sets[$s]}=$E2E_DIR/out.$j.$s.json")
    done
    if [ -e "$E2E_DIR/trace.$j.0.csv" ]; then
        n=$(wc -l <"$E2E_DIR/trace.$j.0.csv")
        [ "$n" -eq 66 ] || fail "job $j: the trace has $n lines; a trace of T >= 64 has 65 rows and a header"
        for s in "${!sets[@]}"; do
            traces+=(--file-same "${sets[$s]}=$E2E_DIR/trace.$j.$s.csv")
        done
    fi
    same_bits "${traces[@]}" "${runs[@]}"
done
