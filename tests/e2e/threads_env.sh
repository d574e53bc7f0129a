#!/usr/bin/env bash
# OMP_NUM_THREADS shares --threads' cap (4096) and message, and is read as
# libgomp reads it: what libgomp calls invalid ("1.5", "0", "abc") is bad
# input naming OMP_NUM_THREADS, not a team of one; 100000 used to crash
# inside libgomp.  libgomp itself also says "Invalid value ..." for an
# invalid one, before hetero starts: that line is allowed, not counted.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
B=${HETERO_BENCH:-}

# env_bad VALUE CMD...: with OMP_NUM_THREADS=VALUE, CMD is bad input: exit
# 2, nothing on stdout, our one line with the shared message (libgomp's own
# line about an invalid value, printed before hetero starts, is not counted)
env_bad() {
    local value=$1
    shift
    OMP_NUM_THREADS=$value BAD_INPUT_IGNORE='^libgomp: Invalid value for environment variable OMP_NUM_THREADS' \
        expect_bad_input "OMP_NUM_THREADS: expected a whole number of OpenMP threads, 1 to 4096, got '$value'" "$@"
}

for v in 100000 4097 1.5 0 -2 abc 2x 1,0 99999999999999999999999; do
    env_bad "$v" "$H" pi --samples 1e7 --devices omp
done
env_bad 100000 "$H" devices
env_bad 100000 "$H" primes --range 0:1e6 --devices omp
env_bad 1.5 "$H" reservoir --paths 10 --steps 10 --devices omp
[ -n "$B" ] && env_bad 100000 "$B" --quick

# --threads: the same cap and the same words
expect_bad_input "--threads: expected a whole number of OpenMP threads, 1 to 4096, got '100000'" \
    "$H" pi --samples 1e5 --devices omp --threads 100000
[ -n "$B" ] && expect_bad_input "--threads: expected a whole number of OpenMP threads, 1 to 4096" "$B" --threads 100000

# what libgomp accepts works, the first level being the team
for v in 2 " 2 " +2 "2,1" "2, 8"; do
    OMP_NUM_THREADS=$v run_ok ok "$H" pi --samples 1e5 --devices omp --format json
    [ "$(json_get "$E2E_DIR/ok.out" workers.0.threads)" = 2 ] || fail "OMP_NUM_THREADS='$v' did not give a team of 2"
done
OMP_NUM_THREADS='' run_ok empty "$H" pi --samples 1e5 --devices omp    # empty: as unset
echo "OMP_NUM_THREADS: one cap, one message, libgomp's reading"
