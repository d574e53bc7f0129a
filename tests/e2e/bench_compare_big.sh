#!/usr/bin/env bash
# --compare and --results on large reports: tens of thousands of rows, made
# from a real report's rows, are all matched by identity (whatever the
# order, repeated identities in order), and the JSON out is valid.  A
# report over the caps (BENCH_MAX_REPORT bytes, BENCH_MAX_REPORT_ROWS rows,
# BENCH_MAX_REPORT_DEVICES devices in host/bench/bench.h) is bad input: exit 2,
# one line naming the option, nothing on stdout, nothing run.  No timing is
# asserted here: bench/compare_scaling.sh measures the speed.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

B=("$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices omp)
run_ok base "${B[@]}" --format json
cp "$E2E_DIR/base.out" "$E2E_DIR/base.json"

ROWS=50000
MAX_BYTES=$((16 << 20))
MAX_ROWS=100000
MAX_DEVICES=1024
python3 - "$E2E_DIR" "$ROWS" "$MAX_ROWS" "$MAX_DEVICES" <<'PY'
import copy, json, sys
tmp, n, max_rows, max_devices = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(f"{tmp}/base.json"))
# the real rows, without what the comparison does not read (the file stays
# well under the byte cap)
keep = ("workload", "item_name", "set", "label", "engine_devices", "threads", "mpi_ranks", "items_per_s", "noisy")
real = [{k: r[k] for k in keep} for r in d["results"]]
m = len(real)
def dump(doc, name):
    json.dump(doc, open(f"{tmp}/{name}", "w"), separators=(",", ":"))
# n rows, each (workload, set) once, each with a rate of its own
big = copy.deepcopy(d)
big["results"] = [dict(real[i % m], workload=f"w{i // m}", items_per_s=1000.0 + i) for i in range(n)]
dump(big, "big.json")
# the baseline: the same rows in reverse order; every 100th on another
# thread count (same set, other devices: not comparable, with a reason)
rev = copy.deepcopy(big)
rev["results"].reverse()
for r in rev["results"]:
    if int(r["items_per_s"]) % 100 == 0:
        r["threads"] += 1
dump(rev, "rev.json")
# one identity many times: the k-th of the run is matched with the k-th of
# the baseline
dup = copy.deepcopy(d)
dup["results"] = [dict(real[0], workload="same", items_per_s=1.0 + i) for i in range(n // 10)]
dump(dup, "dup.json")
dup2 = copy.deepcopy(dup)
for r in dup2["results"]:
    r["items_per_s"] *= 2
dump(dup2, "dup2.json")
# just over the caps; exactly at the row cap is still read
tiny = {"schema": "hetero.bench", "version": 3, "results": [{}] * (max_rows + 1)}
dump(tiny, "rows-over.json")
tiny["results"].pop()
dump(tiny, "rows-at.json")
dev = copy.deepcopy(d)
dev["machine"]["opencl"] = [{"id": f"cl:0:{i}", "name": "x"} for i in range(max_devices + 1)]
dump(dev, "devices-over.json")
PY
truncate -s $((MAX_BYTES + 1)) "$E2E_DIR/bytes-over.json"

# ---- every row matched, in any order ----
run_ok big "$HETERO_BENCH" --results "$E2E_DIR/big.json" --compare "$E2E_DIR/rev.json" --format json
python3 - "$E2E_DIR/big.out" "$ROWS" <<'PY'
import json, sys
n = int(sys.argv[2])
with open(sys.argv[1], "rb") as f:
    c = json.loads(f.read().decode("utf-8"))["compare"]
rows = c["rows"]
if len(rows) != n:
    sys.exit(f"FAIL: {len(rows)} comparison rows for {n} rows on each side")
other = [r for r in rows if int(r["new_items_per_s"]) % 100 == 0]
same = [r for r in rows if int(r["new_items_per_s"]) % 100 != 0]
bad = [r for r in same if r["status"] != "compared" or r["old_items_per_s"] != r["new_items_per_s"]]
if bad:
    sys.exit(f"FAIL: {len(bad)} rows not matched with their own baseline row, e.g. {bad[0]}")
bad = [r for r in other if r["status"] != "not_comparable" or "thread" not in r["reason"] or
       r["old_items_per_s"] != r["new_items_per_s"]]
if bad:
    sys.exit(f"FAIL: {len(bad)} rows on another thread count not marked as such, e.g. {bad[0]}")
if c["compared"] != len(same):
    sys.exit(f"FAIL: compared {c['compared']}, expected {len(same)}")
print(f"ok  {n} rows in reverse order: {len(same)} compared with their own row, {len(other)} not comparable")
PY

run_ok dup "$HETERO_BENCH" --results "$E2E_DIR/dup.json" --compare "$E2E_DIR/dup2.json" --format json
json_check "$E2E_DIR/dup.out" "r['compare']['compared'] == $((ROWS / 10))" \
    "all(x['status'] == 'compared' and x['old_items_per_s'] == 2 * x['new_items_per_s'] for x in r['compare']['rows'])" ||
    fail "rows of one identity are not matched in order"
echo "ok  $((ROWS / 10)) rows of one identity matched in order"

# ---- the caps ----
run_ok at "$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/rows-at.json" --format csv
[ "$(lines "$E2E_DIR/at.out")" -gt "$MAX_ROWS" ] || fail "a report of exactly $MAX_ROWS rows is not compared whole"
echo "ok  a report of $MAX_ROWS rows is read"
expect_bad_input --compare "$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/rows-over.json"
grep -qF "$MAX_ROWS" "$E2E_DIR/bad.err" || fail "the refusal does not name the limit: $(cat "$E2E_DIR/bad.err")"
expect_bad_input --results "$HETERO_BENCH" --results "$E2E_DIR/rows-over.json" --compare "$E2E_DIR/base.json"
expect_bad_input --compare "${B[@]}" --compare "$E2E_DIR/rows-over.json"
expect_bad_input --compare "$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/devices-over.json"
grep -qF "$MAX_DEVICES" "$E2E_DIR/bad.err" || fail "the refusal does not name the limit: $(cat "$E2E_DIR/bad.err")"
expect_bad_input --compare "$HETERO_BENCH" --results "$E2E_DIR/base.json" --compare "$E2E_DIR/bytes-over.json"
grep -qF "$MAX_BYTES" "$E2E_DIR/bad.err" || fail "the refusal does not name the limit: $(cat "$E2E_DIR/bad.err")"
