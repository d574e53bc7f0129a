#!/usr/bin/env bash
# oclgrind.sh - a workload's kernel on Oclgrind, the simulated OpenCL GPU
# (Debian package oclgrind), with its checks on: every OpenCL API call
# (OCLGRIND_CHECK_API), data races in global and local memory
# (OCLGRIND_DATA_RACES), including writes of the same value by several
# work-items (OCLGRIND_UNIFORM_WRITES).  It must leave nothing in Oclgrind's
# log, compute every grain on the Oclgrind device, and give the result and
# digest of the OpenMP team (and with --trace the same trace file).
#
#   oclgrind.sh ICD_DIR WORKLOAD OPTIONS...
#
# ICD_DIR holds one .icd file naming Oclgrind's ICD library
# (tests/oclgrind.cmake writes it); the loader is pointed at it alone with
# OCL_ICD_VENDORS, so Oclgrind is the only platform.  Oclgrind's device has
# 32 KiB of local memory unless OCLGRIND_LOCAL_MEM_SIZE says otherwise.
# Oclgrind interprets every work-item: keep the jobs tiny.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
icd=$1
wl=$2
shift 2

export OCL_ICD_VENDORS=$icd
unset OCL_ICD_FILENAMES
export OCLGRIND_CHECK_API=1 OCLGRIND_DATA_RACES=1 OCLGRIND_UNIFORM_WRITES=1
export OCLGRIND_LOG=$E2E_DIR/oclgrind.log
: >"$OCLGRIND_LOG"

run_ok devices "$HETERO" devices --format json
dev=$(python3 -c '
import json, sys
for d in json.load(open(sys.argv[1]))["opencl"]:
    if d["name"].startswith("Oclgrind"):
        print(d["id"]); break' "$E2E_DIR/devices.out")
[ -n "$dev" ] || { show "$E2E_DIR/devices.out"; fail "no Oclgrind device under OCL_ICD_VENDORS=$icd"; }

# with --trace FILE, each run writes its own file
args=() trace=""
while [ $# -gt 0 ]; do
    if [ "$1" = --trace ]; then
        trace=$2
        shift 2
    else
        args+=("$1")
        shift
    fi
done
cl_args=("${args[@]}") omp_args=("${args[@]}")
if [ -n "$trace" ]; then
    cl_args+=(--trace "$E2E_DIR/cl.trace")
    omp_args+=(--trace "$E2E_DIR/omp.trace")
fi

run_ok cl "$HETERO" "$wl" "${cl_args[@]}" --devices "$dev" --format json --no-progress
if [ -s "$OCLGRIND_LOG" ]; then
    echo "FAIL: Oclgrind reported (first lines of its log):" >&2
    head -40 "$OCLGRIND_LOG" | sed 's/^/    | /' >&2
    exit 1
fi
echo "ok  Oclgrind's log is empty ($wl ${cl_args[*]} on $dev)"
run_ok omp "$HETERO" "$wl" "${omp_args[@]}" --devices omp --format json --no-progress

json_check "$E2E_DIR/cl.out" \
    "[w['id'] for w in r['workers']] == ['$dev']" \
    "r['workers'][0]['grains'] > 0 and r['workers'][0]['status'] == 'ok'"
traces=()
[ -z "$trace" ] || traces=(--file-same "omp=$E2E_DIR/omp.trace" --file-same "oclgrind=$E2E_DIR/cl.trace")
same_bits "${traces[@]}" "omp=$E2E_DIR/omp.out" "oclgrind=$E2E_DIR/cl.out"
[ -z "$trace" ] || echo "ok  same trace file ($(lines "$E2E_DIR/cl.trace") lines)"
