#!/usr/bin/env bash
# --compare and --results on large reports: tens of thousands of rows, made
# from a real report's rows, are all matched by identity (whatever the
# order, repeated identities in order), and the JSON out is valid.  No
# timing is asserted here.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

B=("$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices omp)
run_ok base "${B[@]}" --format json
cp "$E2E_DIR/base.out" "$E2E_DIR/base.json"

ROWS=50000
python3 - "$E2E_DIR" "$ROWS" <<'PY'
import copy, json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
d = json.load(open(f"{tmp}/base.json"))
# the real rows, without what the comparison does not read (the file stays
# well under the byte cap)
keep = ("workload", "item_name", "devices", "label", "engine_devices", "threads", "ranks", "items_per_s", "noisy")
real = [{k: r[k] for k in keep} for r in d["results"]]
m = len(real)
def dump(doc, name):
    json.dump(doc, open(f"{tmp}/{name}", "w"), separators=(",", ":"))
# n rows, each (workload, devices) once, each with a rate of its own
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
PY

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

