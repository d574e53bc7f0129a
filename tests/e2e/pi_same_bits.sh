#!/usr/bin/env bash
# pi_same_bits.sh - contract 1 for pi: the same job gives the same hit
# count and digest whatever runs it (one or two OpenMP threads, the OpenCL
# device, both, the default), for odd N and N that is no multiple of the
# grain, and seeds with and without a high word.  (tests/test_pi.c checks
# the OpenMP path against a direct computation from the documented layout;
# this closes the loop for OpenCL.)  Also: the report's JSON shape, the CSV
# rows and the text table.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
SETS=("omp --threads 1" "omp --threads 2" "all")
if [ -n "$(opencl_ids)" ]; then
    SETS+=("cl" "omp,cl")
else
    echo "note: no OpenCL device found; comparing the OpenMP runs only"
fi

# Every run's JSON report goes to a file; one Python pass at the end checks
# them all, pi_reports.py (each Python start costs a few tenths of a
# second).
runs="$E2E_DIR/runs.tsv"     # file, N, seed, device set
: >"$runs"
i=0
for seed in 0 0x123456789abcdef0; do
    for n in 1001 3000001 50000001; do
        for set in "${SETS[@]}"; do
            read -r -a devs <<<"$set"
            i=$((i + 1))
            run_ok "run$i" "$H" pi --samples "$n" --seed "$seed" --format json --devices "${devs[@]}"
            [ -s "$E2E_DIR/run$i.err" ] && { show "$E2E_DIR/run$i.err"; fail "--devices $set wrote to stderr"; }
            printf '%s\t%s\t%s\t%s\n' "$E2E_DIR/run$i.out" "$n" "$seed" "$set" >>"$runs"
        done
    done
done

# Seeds differing only in the high word are different jobs.
run_ok hi "$H" pi --samples 1e6 --devices omp --format json --seed 0x123456789abcdef0
run_ok lo "$H" pi --samples 1e6 --devices omp --format json --seed 0x9abcdef0

# The same job as JSON, CSV and text, on the last device set.
last=${SETS[${#SETS[@]} - 1]}
read -r -a devs <<<"$last"
run_ok json "$H" pi --samples 3000001 --seed 7 --format json --devices "${devs[@]}"
run_ok csv "$H" pi --samples 3000001 --seed 7 --format csv --devices "${devs[@]}"
run_ok text "$H" pi --samples 3000001 --seed 7 --devices "${devs[@]}"

python3 "$E2E_HERE/pi_reports.py" "$E2E_DIR" || fail "pi reports (see above)"
echo "pi: same bits on every device set"
