#!/usr/bin/env bash
# json_schemas.sh - every JSON document hetero writes follows its schema in
# docs/schema/: the run report of each workload (also with a checkpoint, a
# failed worker and an excluded device where this machine can show them),
# `hetero devices`, and hetero-bench (a run, a run with --compare, and
# --compare --results, whose `compare` object is the same in both schemas;
# the data its --plot chart carries, where this build draws).
. "$(dirname "$0")/lib.sh"

schemas=$(cd "$(dirname "$0")/../../docs/schema" && pwd)
py=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import jsonschema' 2>/dev/null; then
        py=$p
        break
    fi
done
[ -n "$py" ] || fail "no python3 with jsonschema (install python3-jsonschema)"

docs=()
run_json() {   # TAG SCHEMA CMD...
    local tag=$1 schema=$2
    shift 2
    run_ok "$tag" "$@"
    docs+=("$schema:$E2E_DIR/$tag.out")
}
run_json pi hetero.report "$HETERO" pi --samples 1e7 --devices omp --format json
run_json primes hetero.report "$HETERO" primes --range 0:1e7 --devices omp --format json
run_json res hetero.report "$HETERO" reservoir --paths 1000 --steps 20 --devices omp --format json \
    --checkpoint "$E2E_DIR/j"
run_json dev hetero.devices "$HETERO" devices --format json
if opencl_ids | grep . >/dev/null; then
    id=$(opencl_ids | head -1)
    HETERO_FAULT="$id@1" run_json fault hetero.report "$HETERO" pi --samples 1e7 --devices "$id,omp" --format json
fi
if [ -n "${HETERO_BENCH:-}" ]; then
    plot=()
    [ "${HETERO_CHARTS:-0}" != 1 ] || plot=(--plot "$E2E_DIR/chart.svg")
    run_json bench hetero.bench "$HETERO_BENCH" --quick --workloads pi --devices omp --format json --no-progress \
        "${plot[@]}"
    if [ ${#plot[@]} -gt 0 ]; then
        "$py" "$(dirname "$0")/charts.py" meta "$E2E_DIR/chart.svg" >"$E2E_DIR/chart.json" ||
            fail "no chart data in $E2E_DIR/chart.svg"
        docs+=("hetero.bench.chart:$E2E_DIR/chart.json")
    fi
    run_json bench-cmp hetero.bench "$HETERO_BENCH" --quick --workloads pi --devices omp --format json --no-progress \
        --compare "$E2E_DIR/bench.out"
    run_json cmp hetero.bench.compare "$HETERO_BENCH" --compare "$E2E_DIR/bench.out" --results "$E2E_DIR/bench.out" \
        --format json --no-progress
fi

"$py" - "$schemas" "${docs[@]}" <<'PY' || fail "a document does not follow its schema (above)"
import json, sys
import jsonschema
schemas, docs = sys.argv[1], sys.argv[2:]
bad = 0
# one `compare` object, written by one function: described alike in both
bench, cmp = (json.load(open(f"{schemas}/{n}.schema.json")) for n in ("hetero.bench", "hetero.bench.compare"))
if bench["$defs"]["compare"] != cmp["$defs"]["compare"]:
    print("FAIL: hetero.bench and hetero.bench.compare describe `compare` differently")
    bad = 1
for d in docs:
    name, path = d.split(":", 1)
    schema = json.load(open(f"{schemas}/{name}.schema.json"))
    doc = json.load(open(path))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors[:5]:
        print(f"FAIL: {name} ({path}): at {'/'.join(map(str, e.path))}: {e.message[:300]}")
    bad |= bool(errors)
    if not errors:
        print(f"ok  {name}: {path.rsplit('/', 1)[-1]}")
sys.exit(bad)
PY
