#!/usr/bin/env bash
# hetero-bench with an OpenCL device beside the OpenMP team: a row for the
# device alone, omp/1, omp/all and the combined set (named by its members,
# "cl:0:0+omp/all", and labelled as people say it: "PoCL CPU + OpenMP, 2
# threads"), with a co-execution efficiency; a CPU OpenCL device is flagged
# as sharing cores with OpenMP, in JSON, in the text and in the chart.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"
here=$(dirname "$0")

dev=$("$HETERO" devices --format json | python3 -c 'import json,sys; d=json.load(sys.stdin)["opencl"]; print(d[0]["id"] + " " + d[0]["type"] + " " + d[0]["platform"].replace(" ", "_") if d else "")')
if [ -z "$dev" ]; then
    echo "no OpenCL device: skipped"
    exit 0
fi
read -r id type platform <<<"$dev"
plots=()
[ "${HETERO_CHARTS:-0}" = 1 ] && plots=(--plot "$E2E_DIR/b.png" --plot "$E2E_DIR/b.svg")
"$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices "omp,$id" --format json "${plots[@]}" >"$E2E_DIR/b.json"
python3 "$here/bench_check.py" "$E2E_DIR/b.json" pi "$id,omp/1,omp/all?,combined"
python3 - "$E2E_DIR/b.json" "$id" "$type" "$platform" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
dev, typ, platform = sys.argv[2], sys.argv[3], sys.argv[4].replace("_", " ")
sets = {s["set"]: s for s in b["sets"]}
comb = [s for s in b["sets"] if s["kind"] == "combined"][0]
allrow = [r for r in b["results"] if r["set"] == comb["set"]][0]
members = comb["members"]
if dev not in members or not any(m.startswith("omp/") for m in members):
    sys.exit(f"FAIL: members of the combined set: {members}")
if comb["set"] != "+".join(members):
    sys.exit(f"FAIL: the combined set is named {comb['set']}, not by its members {members}")
if comb["label"] != " + ".join(sets[m]["label"] for m in members):
    sys.exit(f"FAIL: the combined set's label {comb['label']!r} does not name its members")
if "Portable Computing Language" in platform and typ == "cpu" and sets[dev]["label"] != "PoCL CPU":
    sys.exit(f"FAIL: PoCL's CPU device is labelled {sets[dev]['label']!r}")
threads = b["machine"]["omp_threads"]
want = f"OpenMP, {threads} threads" if threads > 1 else "OpenMP, 1 thread"
if sets["omp/1"]["label"] != "OpenMP, 1 thread" or (threads > 1 and sets["omp/all"]["label"] != want):
    sys.exit(f"FAIL: OpenMP labels {sets['omp/1']['label']!r}, {sets.get('omp/all', {}).get('label')!r}")
if allrow["shares_cores"] != (typ == "cpu"):
    sys.exit(f"FAIL: shares_cores {allrow['shares_cores']} for a {typ} device")
solo = sum(r["items_per_s"] for r in b["results"] if r["set"] in members)
eff = allrow["items_per_s"] / solo
if abs(eff - allrow["coexec_efficiency"]) > 1e-3 * eff:
    sys.exit(f"FAIL: co-exec {allrow['coexec_efficiency']}, expected combined/sum(members) = {eff}")
print(f"{comb['set']} = {comb['label']}: co-exec {allrow['coexec_efficiency']}, "
      f"shares_cores {allrow['shares_cores']}")
PY

# the chart hatches the bars of a set that shares cores, and names the
# devices as the report labels them
if [ "${HETERO_CHARTS:-0}" = 1 ]; then
    python3 "$here/charts.py" same "$E2E_DIR/b.png" "$E2E_DIR/b.svg"
    python3 - "$here" "$E2E_DIR/b.png" "$E2E_DIR/b.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import charts
m = charts.meta(sys.argv[2])
rows = {(r["workload"], r["set"]): r for r in json.load(open(sys.argv[3]))["results"]}
for bar in m["bars"]:
    r = rows[(bar["workload"], bar["set"])]
    if bar["label"] != r["label"] or bar["shares_cores"] != r["shares_cores"]:
        sys.exit(f"FAIL: bar {bar} does not match row {r['set']}")
print("chart: labels and shared-cores marks as in the report:", [b["label"] for b in m["bars"]])
PY
fi

# the text report says when the efficiency is not meaningful
"$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices "omp,$id" >"$E2E_DIR/b.txt"
if [ "$type" = cpu ]; then
    grep -q "shares its cores with OpenMP" "$E2E_DIR/b.txt" || fail "no shared-cores note in the text report"
fi
grep -q "^  $id  *[^ ]" "$E2E_DIR/b.txt" || fail "the text report does not list the set $id with its label"
