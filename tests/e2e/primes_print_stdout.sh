#!/usr/bin/env bash
# --print - streams the primes to stdout and nothing else: the report goes
# to stderr (text) so that the list can be piped.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

"$HETERO" primes --range 0:100000 --print - --devices omp --no-progress >"$E2E_DIR/out" 2>"$E2E_DIR/err"
python3 - "$E2E_DIR/out" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "output does not end with a newline"
nums = [int(x) for x in lines[:-1]]          # fails on any report line
assert len(nums) == 9592, f"{len(nums)} lines"
assert nums[:5] == [2, 3, 5, 7, 11] and nums[-1] == 99991
assert all(x < y for x, y in zip(nums, nums[1:]))
print("stdout holds exactly the 9592 primes below 1e5")
PY
grep -q "9592" "$E2E_DIR/err"
