#!/usr/bin/env bash
# read_failure.sh - an OpenCL device whose second clEnqueueReadBuffer
# fails (the shim cl_fail_read.so, preloaded with HET_FAIL_READ=2: the read
# of the first batch's check words, while the read of its partials, not
# blocking, may still be filling the host memory) is retired (contract 6):
# beside OpenMP the run gives OpenMP's result and digest and a notice;
# alone, it fails with exit 1 and one error naming the call and the device.
# Either way no memory is freed under a command still running (a
# use-after-free crashed here, or is reported in a sanitizer build).
# Usage: read_failure.sh PATH-TO-cl_fail_read.so
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SHIM=${1:?usage: read_failure.sh cl_fail_read.so}
[ -f "$SHIM" ] || fail "no shim at $SHIM"
H=$HETERO
JOBS=("pi --samples 30000001 --seed 5"
    "primes --range 1e12:1000300000000"
    "reservoir --paths 20000 --steps 300 --seed 9")

# A sanitizer's runtime must come first in LD_PRELOAD (ASan refuses to
# start otherwise); take the one the binary is linked with.
PRELOAD=$SHIM
san=$(ldd "$H" | awk '$1 ~ /^lib[at]san\.so/ && $3 ~ /^\// { print $3; exit }')
[ -z "$san" ] || PRELOAD="$san:$SHIM"

# The device: PoCL where there is one, else the first OpenCL device.
opencl_ids >"$E2E_DIR/ids"
dev=$(python3 -c 'import json,sys
ds = json.load(open(sys.argv[1]))["opencl"]
cpu = [d["id"] for d in ds if d["type"] == "cpu"]
print((cpu or [d["id"] for d in ds] or [""])[0])' "$E2E_DIR/devices.out")
[ -n "$dev" ] || fail "no OpenCL device to fail a read on"

# hetero with the shim: HET_FAIL_READ=2 fails the second read.
SHIMMED=(env "LD_PRELOAD=$PRELOAD" "$H")
FAILING=(env HET_FAIL_READ=2 "LD_PRELOAD=$PRELOAD" "$H")

# Unasked, the shim fails nothing.
run_ok plain "${SHIMMED[@]}" pi --samples 1e6 --devices "$dev"

i=0
for job in "${JOBS[@]}"; do
    read -r -a args <<<"$job"
    i=$((i + 1))
    run_ok "omp$i" "$H" "${args[@]}" --devices omp --threads "$THREADS" --format json
    run_ok "fail$i" "${FAILING[@]}" "${args[@]}" --devices "omp,$dev" --threads "$THREADS" --format json
    grep -q "notice: $dev .* failed and was retired" "$E2E_DIR/fail$i.err" || {
        show "$E2E_DIR/fail$i.err"
        fail "${args[0]}: no notice on stderr that $dev was retired"
    }
    echo "ok  $job: $dev failing its second read beside OpenMP: a notice that it was retired"

    # the device alone: nobody is left
    expect_failure "clEnqueueReadBuffer on $dev" "${FAILING[@]}" "${args[@]}" --devices "$dev"
    n=$(grep -cv '^$' "$E2E_DIR/fail.err") || true
    [ "$n" -eq 1 ] || {
        show "$E2E_DIR/fail.err"
        fail "${args[0]}: $dev alone failing its read: $n lines on stderr, expected 1"
    }
    grep -qF "CL_OUT_OF_RESOURCES" "$E2E_DIR/fail.err" || fail "${args[0]}: the error is not named"
done

# Each report of a run with the device failing beside OpenMP: the device
# retired, and OpenMP's bits (read_failure.py, one Python start for all).
python3 "$E2E_HERE/read_failure.py" "$E2E_DIR" "$dev" "${#JOBS[@]}" ||
    fail "$dev failing a read beside OpenMP: not retired, or not OpenMP's bits (above)"
