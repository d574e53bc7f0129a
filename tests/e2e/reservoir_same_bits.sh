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
    python3 - "$E2E_DIR" "$j" "${#sets[@]}" "${sets[@]}" <<'PY'
import json, os, sys
tmp, j, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = sys.argv[4:4 + n]
runs = [json.load(open(f"{tmp}/out.{j}.{s}.json")) for s in range(n)]
for s in range(1, n):
    assert runs[s]["result"] == runs[0]["result"], f"job {j}: result differs with --devices {names[s]}: {runs[s]['result']} vs {runs[0]['result']}"
    assert runs[s]["digest"] == runs[0]["digest"], f"job {j}: digest differs with --devices {names[s]}"
traces = [f"{tmp}/trace.{j}.{s}.csv" for s in range(n)]
if os.path.exists(traces[0]):
    first = open(traces[0]).read()
    assert first.count("\n") == 66, "a trace of T >= 64 has 65 rows and a header"
    for s in range(1, n):
        assert open(traces[s]).read() == first, f"job {j}: trace differs with --devices {names[s]}"
ids = sorted({w["id"] for r in runs for w in r["workers"]})
print(f"job {j}: result, digest{' and trace' if os.path.exists(traces[0]) else ''} identical over {names}; workers seen {ids}")
PY
done
