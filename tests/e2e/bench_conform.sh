#!/usr/bin/env bash
# bench_conform.sh - a device whose kernel is wrong for one grain fails
# hetero-bench's self-check, naming the workload, the device, the grain
# and the byte, before any row is timed; the same kernel made right
# passes.  The workload is tests/plugin/squares.c, built as a user builds
# one, with -DSQUARES_WRONG=2 for the wrong kernel.  A run of the wrong
# kernel alone exits 0 with another digest than the CPU's: that is what
# the check is for.  Skipped without an OpenCL device.
# Usage: bench_conform.sh CC SOURCE_DIR
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

CC=${1:?the C compiler}
SRC=${2:?the source tree}
id=$(opencl_ids | head -n 1)
if [ -z "$id" ]; then
    echo "no OpenCL device: skipped"
    exit 0
fi
obj="$E2E_DIR/obj"
mkdir -m 700 "$obj"
# build NAME [cc options...]: $obj/NAME.so from tests/plugin/squares.c
build() {
    local name=$1
    shift
    # shellcheck disable=SC2086 # E2E_CFLAGS: the sanitizer's words
    "$CC" -shared -fPIC -fopenmp -O2 -Wall -Wextra -Werror ${E2E_CFLAGS:-} \
        -I"$SRC/include" "$@" "$SRC/tests/plugin/squares.c" -o "$obj/$name.so" >"$E2E_DIR/cc.log" 2>&1 ||
        { show "$E2E_DIR/cc.log"; fail "build $name.so"; }
    chmod 755 "$obj/$name.so"
}
build wrong -DSQUARES_WRONG=2
build right

# the wrong kernel runs to the end: exit 0, another digest
run_ok cpu "$HETERO" --load "$obj/wrong.so" squares --devices omp --format json
run_ok dev "$HETERO" --load "$obj/wrong.so" squares --devices "$id" --format json
[ "$(json_get "$E2E_DIR/cpu.out" digest)" != "$(json_get "$E2E_DIR/dev.out" digest)" ] ||
    fail "the wrong kernel gave the CPU's digest: the test's workload is not wrong"
echo "ok  the wrong kernel alone exits 0 with another digest"

expect_failure "self-check failed: squares on $id" \
    "$HETERO_BENCH" --load "$obj/wrong.so" "${QUICK[@]}" --workloads squares --devices "omp,$id" --format json
grep -q "grain 2 differs from the CPU's at byte 9 of its partial (01 on the device, 00 on the CPU)" \
    "$E2E_DIR/fail.err" || { show "$E2E_DIR/fail.err"; fail "the message does not name grain 2, byte 9"; }
echo "ok  hetero-bench names the device, grain 2 and byte 9"

run_ok right "$HETERO_BENCH" --load "$obj/right.so" "${QUICK[@]}" --workloads squares --devices "omp,$id" \
    --format json
json_check "$E2E_DIR/right.out" "'$id' in {x['set'] for x in r['results']}"
echo "ok  the right kernel passes the self-check and is timed on $id"
