#!/usr/bin/env bash
# slow_device.sh - a slow or failing OpenCL device beside OpenMP changes
# nothing in the answer (contracts 1, 3, 6 and 9): the same result and
# digest as OpenMP alone, the run ends without waiting for the slow
# device's abandoned copy, and a device failure injected with HETERO_FAULT
# retires that worker (status "failed" in the report) while the others
# finish.  The slow device is PoCL on the same cores and, where Oclgrind is
# installed, Oclgrind (a simulated GPU, thousands of times slower).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
JOBS=("pi --samples 30000001 --seed 5"
    "primes --range 1e12:1000300000000"
    "reservoir --paths 20000 --steps 300 --seed 9")

opencl_ids >/dev/null
pocl=$(python3 -c 'import json,sys
for d in json.load(open(sys.argv[1]))["opencl"]:
    if d["type"] == "cpu":
        print(d["id"]); break' "$E2E_DIR/devices.out")
# Oclgrind: a device so slow that one grain outlasts the whole job.  The
# run must end when OpenMP has every grain, not when Oclgrind does.
icd=/usr/lib/oclgrind/liboclgrind-rt-icd.so
if [ -e "$icd" ]; then
    mkdir -p "$E2E_DIR/icd"
    echo "$icd" >"$E2E_DIR/icd/oclgrind.icd"
else
    echo "note: Oclgrind is not installed; its part is skipped"
fi

i=0
for job in "${JOBS[@]}"; do
    read -r -a args <<<"$job"
    i=$((i + 1))
    run_ok "omp$i" "$H" "${args[@]}" --devices omp --threads "$THREADS" --format json
    runs=("OpenMP alone (${args[0]})=$E2E_DIR/omp$i.out")
    if [ -n "$pocl" ]; then
        run_ok "pocl$i" "$H" "${args[@]}" --devices "$pocl,omp" --threads "$THREADS" --format json
        json_check "$E2E_DIR/pocl$i.out" \
            "all(w['status'] == 'ok' and 'recomputed' in w and w['width'] >= 1 for w in r['workers'])" \
            "sum(w['grains'] for w in r['workers']) == r['grains']"
        # the device's first batch fails: retired, the others finish
        HETERO_FAULT="$pocl@1" run_ok "fault$i" "$H" "${args[@]}" --devices "$pocl,omp" --threads "$THREADS" --format json
        json_check "$E2E_DIR/fault$i.out" \
            "[w['status'] for w in r['workers'] if w['id'] == '$pocl'] == ['failed']" \
            "'HETERO_FAULT' in [w for w in r['workers'] if w['id'] == '$pocl'][0]['error']" \
            "[w['grains'] for w in r['workers'] if w['id'] == '$pocl'] == [0]"
        grep -q "notice: $pocl .* failed and was retired" "$E2E_DIR/fault$i.err" ||
            fail "no retirement notice on stderr for $pocl"
        runs+=("PoCL beside OpenMP=$E2E_DIR/pocl$i.out" "PoCL failing=$E2E_DIR/fault$i.out")
    fi
    if [ -e "$icd" ]; then
        start=$(date +%s)
        OCL_ICD_VENDORS="$E2E_DIR/icd" run_ok "grind$i" timeout 120 "$H" "${args[@]}" --devices cl:0:0,omp \
            --threads "$THREADS" --format json
        echo "ok  $job: Oclgrind beside OpenMP ended in $(($(date +%s) - start)) s"
        runs+=("Oclgrind beside OpenMP=$E2E_DIR/grind$i.out")
    fi
    # every set gives OpenMP's bits (one Python start for them all)
    [ ${#runs[@]} -lt 2 ] || same_bits "${runs[@]}"
done

# Both workers failing leaves nobody: exit 1, nothing on stdout.
if [ -n "$pocl" ]; then
    # a fault for a worker the run does not have would test nothing
    HETERO_FAULT="omp@1" expect_bad_input "HETERO_FAULT: names no worker of this run: 'omp'" \
        "$H" pi --samples 1e7 --devices "$pocl" --threads "$THREADS"
    rc=0
    HETERO_FAULT="$pocl@1" "$H" pi --samples 1e7 --devices "$pocl" >"$E2E_DIR/none.out" 2>"$E2E_DIR/none.err" || rc=$?
    [ "$rc" -eq 1 ] || fail "the only worker failing: exit $rc, expected 1"
    [ -s "$E2E_DIR/none.out" ] && fail "the only worker failing printed a result"
    grep -q "HETERO_FAULT" "$E2E_DIR/none.err" || fail "the failure is not named on stderr"
    echo "ok  the only worker failing: exit 1, no result"
fi
