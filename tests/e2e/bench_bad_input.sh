#!/usr/bin/env bash
# Bad input to hetero-bench: exit 2, nothing on stdout, one line on stderr
# naming the option; nothing runs.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

# bad WHAT ARGS...: hetero-bench ARGS is bad input naming WHAT
bad() {
    local what=$1
    shift
    expect_bad_input "$what" "$HETERO_BENCH" "$@"
}

echo '{"schema": "hetero.report", "results": []}' >"$E2E_DIR/not-bench.json"
echo '{"schema": ' >"$E2E_DIR/broken.json"

bad --repeats --repeats 0
bad --repeats --repeats x
bad --seconds --seconds 0
bad --seconds --seconds -1
bad --seconds --seconds soon
bad --check-items --check-items 0
bad --threads --threads 0
bad --format --format xml
bad --plot --plot "$E2E_DIR/x.pdf"
bad --plot --plot "$E2E_DIR/no/such/folder/x.svg"
bad --compare --compare "$E2E_DIR/missing.json"
bad --compare --compare "$E2E_DIR/not-bench.json"
bad --compare --compare "$E2E_DIR/broken.json"
bad --workloads --workloads nosuch
bad --workloads --workloads ,
bad --workloads --workloads 'pi,,primes'
bad --workloads --workloads 'pi,'
bad --workloads --workloads ',pi'
bad --workloads --workloads $'pi\nprimes'
bad --threads --threads 100000
mkdir -p "$E2E_DIR/dir.png"
bad --plot --plot "$E2E_DIR/dir.png"
bad --compare --compare /dev/zero
bad --compare --compare "$E2E_DIR"
bad --devices --devices bogus
bad --devices --devices cl:9:9 --quick
bad --frobnicate --frobnicate
bad --repeats --repeats
bad --quick --quick=yes
echo '{"schema": "hetero.bench", "version": 3, "results": []}' >"$E2E_DIR/empty.json"
echo '{"schema": "hetero.bench", "version": 99, "results": []}' >"$E2E_DIR/future.json"
bad --fail-on --fail-on 20
bad --fail-on --fail-on abc --compare "$E2E_DIR/empty.json"
bad --fail-on --fail-on -1 --compare "$E2E_DIR/empty.json"
bad --fail-on --fail-on 101 --compare "$E2E_DIR/empty.json"
bad --fail-on --fail-on
bad --results --results "$E2E_DIR/empty.json"
bad --results --results "$E2E_DIR/missing.json" --compare "$E2E_DIR/empty.json"
bad --results --results "$E2E_DIR/not-bench.json" --compare "$E2E_DIR/empty.json"
bad --plot --results "$E2E_DIR/empty.json" --compare "$E2E_DIR/empty.json" --plot "$E2E_DIR/x.svg"
bad --compare --compare "$E2E_DIR/future.json"
# a row's whole-number fields: 1e300 threads (a double no int holds: its
# cast is undefined), -1 or 2.5 threads are no run; refused on loading,
# named as the file names them (a version 2 report's rank count is `ranks`)
for v in 3:threads:1e300 3:threads:-1 3:threads:2.5 3:mpi_ranks:1e300 3:repeats:-1e300 2:ranks:-1; do
    IFS=: read -r version f n <<<"$v"
    if [ "$version" = 3 ]; then
        row='"set": "omp", "threads": 2, "mpi_ranks": 1, "repeats": 2'
    else
        row='"devices": "omp", "threads": 2, "ranks": 1, "repeats": 2'
    fi
    row=${row/\"$f\": [0-9]/\"$f\": $n}
    printf '{"schema": "hetero.bench", "version": %s, "results": [{"workload": "pi", %s}]}\n' \
        "$version" "$row" >"$E2E_DIR/ints.json"
    bad --compare --quick --workloads pi --devices omp --compare "$E2E_DIR/ints.json"
    grep -qF -- "'$E2E_DIR/ints.json': results[0].$f: expected a whole number" "$E2E_DIR/bad.err" ||
        fail "version $version, $f: $n: the line does not name the file and the field: $(cat "$E2E_DIR/bad.err")"
done
bad --plot --plot "$E2E_DIR/x.svg" --plot "$E2E_DIR/x.svg"
bad --plot --plot "$E2E_DIR/1.svg" --plot "$E2E_DIR/2.svg" --plot "$E2E_DIR/3.svg" --plot "$E2E_DIR/4.svg" --plot "$E2E_DIR/5.svg"
bad --plot --plot "$E2E_DIR/x.svgz"
# a build without cairo cannot draw: --plot is bad input, and says why
if [ "${HETERO_CHARTS:-0}" != 1 ]; then
    bad cairo --plot "$E2E_DIR/x.svg"
    bad cairo --plot "$E2E_DIR/x.png"
fi
