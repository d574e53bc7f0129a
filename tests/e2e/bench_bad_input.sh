#!/usr/bin/env bash
# Bad input to hetero-bench: exit 2, nothing on stdout, one line on stderr
# naming the option; nothing runs.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

bad() {
    local what=$1 rc=0
    shift
    "$HETERO_BENCH" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "'$*': exit $rc, expected 2"
    [ ! -s "$tmp/out" ] || fail "'$*': stdout is not empty"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "'$*': $(wc -l <"$tmp/err") lines on stderr, expected 1"
    grep -qF -- "$what" "$tmp/err" || fail "'$*': stderr does not name $what: $(cat "$tmp/err")"
    echo "ok: $* -> $(cat "$tmp/err")"
}

echo '{"schema": "hetero.report", "results": []}' >"$tmp/not-bench.json"
echo '{"schema": ' >"$tmp/broken.json"

bad --repeats --repeats 0
bad --repeats --repeats x
bad --seconds --seconds 0
bad --seconds --seconds -1
bad --seconds --seconds soon
bad --check-items --check-items 0
bad --threads --threads 0
bad --format --format xml
bad --plot --plot "$tmp/x.pdf"
bad --plot --plot "$tmp/no/such/folder/x.svg"
bad --compare --compare "$tmp/missing.json"
bad --compare --compare "$tmp/not-bench.json"
bad --compare --compare "$tmp/broken.json"
bad --workloads --workloads nosuch
bad --workloads --workloads ,
bad --workloads --workloads 'pi,,primes'
bad --workloads --workloads 'pi,'
bad --workloads --workloads ',pi'
bad --workloads --workloads $'pi\nprimes'
bad --threads --threads 100000
mkdir -p "$tmp/dir.png"
bad --plot --plot "$tmp/dir.png"
bad --compare --compare /dev/zero
bad --compare --compare "$tmp"
bad --devices --devices bogus
bad --devices --devices cl:9:9 --quick
bad --frobnicate --frobnicate
bad --repeats --repeats
bad --quick --quick=yes
echo '{"schema": "hetero.bench", "version": 2, "results": []}' >"$tmp/empty.json"
echo '{"schema": "hetero.bench", "version": 99, "results": []}' >"$tmp/future.json"
bad --fail-on --fail-on 20
bad --fail-on --fail-on abc --compare "$tmp/empty.json"
bad --fail-on --fail-on -1 --compare "$tmp/empty.json"
bad --fail-on --fail-on 101 --compare "$tmp/empty.json"
bad --fail-on --fail-on
bad --results --results "$tmp/empty.json"
bad --results --results "$tmp/missing.json" --compare "$tmp/empty.json"
bad --results --results "$tmp/not-bench.json" --compare "$tmp/empty.json"
bad --plot --results "$tmp/empty.json" --compare "$tmp/empty.json" --plot "$tmp/x.svg"
bad --compare --compare "$tmp/future.json"
bad --plot --plot "$tmp/x.svg" --plot "$tmp/x.svg"
bad --plot --plot "$tmp/1.svg" --plot "$tmp/2.svg" --plot "$tmp/3.svg" --plot "$tmp/4.svg" --plot "$tmp/5.svg"
bad --plot --plot "$tmp/x.svgz"
# a build without cairo cannot draw: --plot is bad input, and says why
if [ "${HETERO_CHARTS:-0}" != 1 ]; then
    bad cairo --plot "$tmp/x.svg"
    bad cairo --plot "$tmp/x.png"
fi
