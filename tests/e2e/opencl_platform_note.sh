#!/usr/bin/env bash
# An OpenCL platform that is there but gives no device is named, with what
# it returned, instead of "no OpenCL device was found" alone.  PoCL gives
# none when it cannot create its cache directory (here: under a file).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
run_ok devices "$H" devices --format json
python3 -c 'import json,sys; sys.exit(not any("Portable Computing Language" in d["platform"] for d in json.load(open(sys.argv[1]))["opencl"]))' \
    "$E2E_DIR/devices.out" || { echo "notice: no PoCL platform here; nothing to break"; exit 0; }
echo "a file" >"$E2E_DIR/file"
export POCL_CACHE_DIR="$E2E_DIR/file/pocl"
run_ok broken "$H" devices --format json
if python3 -c 'import json,sys; sys.exit(not json.load(open(sys.argv[1]))["opencl"])' "$E2E_DIR/broken.out"; then
    echo "notice: this PoCL starts without its cache directory; nothing to report"
    exit 0
fi

# asked for by name: a run-time failure naming the platform and what it said
expect_failure "OpenCL platform" "$H" pi --samples 1e5 --devices cl
grep -q "Portable Computing Language) gave no device: clGetDeviceIDs" "$E2E_DIR/fail.err" ||
    fail "the message does not say which platform and what it returned: $(cat "$E2E_DIR/fail.err")"
[ "$(lines "$E2E_DIR/fail.err")" -eq 1 ] || fail "not one line: $(cat "$E2E_DIR/fail.err")"

# not asked for by name: a notice, and the CPU carries the job
run_ok default "$H" pi --samples 1e5 --format json
grep -q "^hetero: notice: OpenCL platform .*Portable Computing Language) gave no device" "$E2E_DIR/default.err" ||
    { show "$E2E_DIR/default.err"; fail "no notice naming the platform"; }
grep -q "^hetero: notice: .*Portable Computing Language) gave no device" "$E2E_DIR/broken.err" ||
    { show "$E2E_DIR/broken.err"; fail "hetero devices does not name the platform"; }
echo "platform without devices: named, with what it returned"
