#!/usr/bin/env bash
# --compare BASELINE.json: every row of this run is matched by (workload,
# devices) with its old and new items/s and the change; rows found on one
# side only are listed as such, in JSON and in the text report.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

"$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices omp --format json >"$tmp/base.json"
# a baseline row this run will not have, and a row of this run it lacks
python3 - "$tmp/base.json" "$tmp/edited.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
gone = b["results"].pop()                      # this run's last row: "new"
extra = dict(b["results"][0], devices="cl:9:9")  # only in the baseline
b["results"].append(extra)
json.dump(b, open(sys.argv[2], "w"))
open(sys.argv[2] + ".gone", "w").write(gone["devices"])
PY

"$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices omp --format json --compare "$tmp/base.json" >"$tmp/same.json"
python3 - "$tmp/same.json" "$tmp/base.json" <<'PY'
import json, sys
new = json.load(open(sys.argv[1]))
old = json.load(open(sys.argv[2]))
cmp = new["compare"]["rows"]
if len(cmp) != len(new["results"]):
    sys.exit(f"FAIL: {len(cmp)} comparison rows for {len(new['results'])} rows")
for c in cmp:
    o = [r for r in old["results"] if (r["workload"], r["devices"]) == (c["workload"], c["devices"])][0]
    n = [r for r in new["results"] if (r["workload"], r["devices"]) == (c["workload"], c["devices"])][0]
    if not (c["in_baseline"] and c["in_run"]):
        sys.exit(f"FAIL: {c} not matched")
    if c["old_items_per_s"] != o["items_per_s"] or c["new_items_per_s"] != n["items_per_s"]:
        sys.exit(f"FAIL: {c} does not carry the two reports' items/s")
    want = 100 * (n["items_per_s"] / o["items_per_s"] - 1)
    if abs(c["change_pct"] - want) > 0.01 + 1e-3 * abs(want):
        sys.exit(f"FAIL: change {c['change_pct']}%, expected {want}%")
print(f"compare: {len(cmp)} rows matched with old, new and change")
PY

"$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices omp --compare "$tmp/edited.json" >"$tmp/edited.txt"
gone=$(cat "$tmp/edited.json.gone")
grep -q "change against" "$tmp/edited.txt" || fail "no comparison in the text report"
grep -E "^pi +cl:9:9 .*not in this run" "$tmp/edited.txt" >/dev/null || fail "cl:9:9 not listed as missing from this run"
grep -E "^pi +$gone .*not in the baseline" "$tmp/edited.txt" >/dev/null || fail "$gone not listed as missing from the baseline"
grep -E "^pi +omp/1 .*[+-][0-9.]+%" "$tmp/edited.txt" >/dev/null || fail "omp/1 has no change in %"
echo "compare (text): matched rows with a change, rows on one side only listed"

"$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices omp --format csv --compare "$tmp/base.json" >"$tmp/c.csv"
head -1 "$tmp/c.csv" | grep -q "baseline_items_per_s,change_pct" || fail "CSV has no comparison columns"
