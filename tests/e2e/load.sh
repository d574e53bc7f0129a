#!/usr/bin/env bash
# load.sh - a workload of one's own, from a shared object, runs under hetero
# and hetero-bench like a built-in, and only when it is safe to run:
#   - tests/plugin/quad.c (a Monte Carlo integral with a CPU batch, built
#     as a user would: against hetero.h alone, linking no libhetero) runs
#     with `hetero --load quad.so quad`, giving the same result and digest
#     at --threads 1 and 2, under mpirun -np 2 (a rank given another
#     --upper refused, naming it), and when found by name on
#     HETERO_WORKLOAD_PATH; its answer is within 5 standard errors of
#     4 atan(B); --help lists it, and its own options;
#   - hetero-bench --load quad.so --workloads quad measures it, its
#     self-check agreeing with hetero's digest for the check job;
#   - refused, exit 2 with one line naming --load (or the variable) and
#     the reason, nothing on stdout: a group-writable object, one in a
#     folder others may write, one of another user (as root), a wrong
#     ABI, no hetero_workloads symbol, a built-in's name, not an object.
# Usage: load.sh CC SOURCE_DIR HAVE_MPI (1: this build has the MPI back end)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CC=${1:?the C compiler}
SRC=${2:?the source tree}
HAVE_MPI=${3:-0}
H=$HETERO
obj="$E2E_DIR/obj"
mkdir -m 700 "$obj"
# build NAME [cc options...]: $obj/NAME.so from tests/plugin/quad.c
build() {
    local name=$1
    shift
    # shellcheck disable=SC2086 # E2E_CFLAGS: the sanitizer's words
    "$CC" -shared -fPIC -fopenmp -ffp-contract=off -O2 -Wall -Wextra -Werror ${E2E_CFLAGS:-} \
        -I"$SRC/include" "$@" "$SRC/tests/plugin/quad.c" -o "$obj/$name.so" >"$E2E_DIR/cc.log" 2>&1 ||
        { show "$E2E_DIR/cc.log"; fail "build $name.so"; }
    chmod 755 "$obj/$name.so"
}
build quad
grep -q ' hetero_job_params$' <<<"$(nm -D --undefined-only "$obj/quad.so")" ||
    fail "quad.so does not leave hetero_* to the program that loads it"
grep -Eq ' (T|t) hetero_job_params$' <<<"$(nm -D "$obj/quad.so")" && fail "quad.so carries a copy of libhetero"
echo "ok  quad.so built against hetero.h alone"

# ---- it runs, the same bits everywhere -------------------------------------
JOB=(quad --samples 3000001 --upper 2 --seed 0x5eed --devices omp --format json)
run_ok t1 "$H" --load "$obj/quad.so" "${JOB[@]}" --threads 1
run_ok t2 "$H" --load="$obj/quad.so" "${JOB[@]}" --threads "$THREADS"
sets=(t2)
HETERO_WORKLOAD_PATH="/nonexistent:$obj" run_ok path "$H" "${JOB[@]}" --threads "$THREADS"
sets+=(path)
if [ "$HAVE_MPI" = 1 ]; then
    need_mpi
    run_ok mpi "${MPI[@]}" -np 2 "$H" --load "$obj/quad.so" "${JOB[@]}" --threads 1
    json_check "$E2E_DIR/mpi.out" "len(r['ranks']) == 2"
    sets+=(mpi)
    # a rank given another value of the workload's own option (quad has no
    # params hook) is refused, naming it: never a silent merge
    rc=0
    "${MPI[@]}" -np 1 "$H" --load "$obj/quad.so" "${JOB[@]}" --threads 1 : \
        -np 1 "$H" --load "$obj/quad.so" "${JOB[@]}" --threads 1 --upper 3 >"$E2E_DIR/mix.out" 2>"$E2E_DIR/mix.err" ||
        rc=$?
    [ "$rc" -ne 0 ] || fail "ranks with different --upper left mpirun with exit 0"
    grep -q '"digest"' "$E2E_DIR/mix.out" && fail "ranks with different --upper printed a result"
    grep -qF "upper is 3 here, 2 on rank 0" "$E2E_DIR/mix.err" ||
        fail "the ranks' mismatch does not name --upper: $(cat "$E2E_DIR/mix.err")"
    echo "ok  a rank with another --upper is refused, naming it"
fi
runs=()
for s in "${sets[@]}"; do
    runs+=("$s=$E2E_DIR/$s.out")
done
same_bits "t1=$E2E_DIR/t1.out" "${runs[@]}"
json_check "$E2E_DIR/t1.out" "r['workload'] == 'quad'" "r['params']['upper'] == 2" \
    "r['result']['stderr'] > 0" "abs(r['result']['integral'] - 4 * math.atan(2)) < 5 * r['result']['stderr']"
echo "ok  quad: the same result and digest at --threads 1 and $THREADS, ${sets[*]}; within 5 standard errors of 4 atan(2)"

run_ok help "$H" --load "$obj/quad.so" --help
grep -Eq '^  quad +Monte Carlo integral' "$E2E_DIR/help.out" || fail "hetero --load quad.so --help does not list quad"
run_ok qhelp "$H" --load "$obj/quad.so" quad --help
grep -q -- '--upper B' "$E2E_DIR/qhelp.out" || fail "hetero quad --help lacks --upper"
echo "ok  --help lists quad, and quad --help its options"

# ---- hetero-bench ------------------------------------------------------------
if [ -n "$HETERO_BENCH" ]; then
    run_ok bench "$HETERO_BENCH" --load "$obj/quad.so" --workloads quad --quick --seconds 0.02 --repeats 2 \
        --check-items 1e6 --devices omp --threads "$THREADS" --no-progress --format json
    json_check "$E2E_DIR/bench.out" "{x['workload'] for x in r['results']} == {'quad'}" \
        "len(r['results']) >= 1" "[c['workload'] for c in r['checks']] == ['quad']"
    samples=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checks"][0]["params"]["samples"])' \
        "$E2E_DIR/bench.out")
    run_ok check "$H" --load "$obj/quad.so" quad --samples "$samples" --devices omp --format json
    json_check "$E2E_DIR/bench.out" "r['checks'][0]['digest'] == json.load(open('$E2E_DIR/check.out'))['digest']"
    echo "ok  hetero-bench --load measures quad; its check job has hetero's digest"
fi

# ---- refusals: before any work, one line, exit 2 -----------------------------
cp "$obj/quad.so" "$obj/gw.so"
chmod 775 "$obj/gw.so"
expect_bad_input "--load: '$obj/gw.so' (mode 0775) is writable by group or others" \
    "$H" --load "$obj/gw.so" quad --samples 1e6
mkdir -m 777 "$E2E_DIR/open"
cp "$obj/quad.so" "$E2E_DIR/open/quad.so"
expect_bad_input "--load: '$E2E_DIR/open/quad.so' is not run: folder" "$H" --load "$E2E_DIR/open/quad.so" quad --samples 1e6
ln -s "$E2E_DIR/open/quad.so" "$obj/link.so"
expect_bad_input "is writable by others" "$H" --load "$obj/link.so" quad --samples 1e6
if [ "$(id -u)" -eq 0 ]; then
    cp "$obj/quad.so" "$obj/theirs.so"
    chown nobody "$obj/theirs.so"
    expect_bad_input "--load: '$obj/theirs.so' belongs to uid" "$H" --load "$obj/theirs.so" quad --samples 1e6
fi
build abi -DQUAD_ABI=99
expect_bad_input "--load: '$obj/abi.so' was built for workload ABI 99" "$H" --load "$obj/abi.so" quad --samples 1e6
build nosym -DQUAD_NO_SYMBOL
expect_bad_input "--load: '$obj/nosym.so' has no symbol hetero_workloads" "$H" --load "$obj/nosym.so" quad --samples 1e6
build pi '-DQUAD_NAME="pi"'
expect_bad_input "--load: '$obj/pi.so': workload pi clashes" "$H" --load "$obj/pi.so" pi --samples 1e6
printf 'not an object\n' >"$obj/text.so"
expect_bad_input "--load: '$obj/text.so' cannot be loaded" "$H" --load "$obj/text.so" quad --samples 1e6
expect_bad_input "--load: '$obj/none.so': No such file" "$H" --load "$obj/none.so" quad --samples 1e6
expect_bad_input "--load: goes before the command" "$H" pi --samples 1e6 --load "$obj/quad.so"
# the search path: the same rules, naming the variable
mkdir -m 700 "$E2E_DIR/path"
cp "$obj/abi.so" "$E2E_DIR/path/quad.so"
HETERO_WORKLOAD_PATH="$E2E_DIR/path" expect_bad_input "HETERO_WORKLOAD_PATH: '$E2E_DIR/path/quad.so' was built for workload ABI 99" \
    "$H" quad --samples 1e6
HETERO_WORKLOAD_PATH="relative/folder" expect_bad_input "HETERO_WORKLOAD_PATH: expected absolute folders" \
    "$H" quad --samples 1e6
HETERO_WORKLOAD_PATH="$obj" expect_bad_input "unknown command 'nope'" "$H" nope
if [ -n "$HETERO_BENCH" ]; then
    expect_bad_input "--load: '$obj/abi.so' was built for workload ABI 99" \
        "$HETERO_BENCH" --workloads quad --load "$obj/abi.so"
    expect_bad_input "--load: '$obj/gw.so' (mode 0775)" "$HETERO_BENCH" --load "$obj/gw.so"
    expect_bad_input "--workloads: unknown workload 'quad'" "$HETERO_BENCH" --workloads quad
fi
echo "ok  every unsafe or unusable object refused before any work"
