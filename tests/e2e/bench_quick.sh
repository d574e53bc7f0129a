#!/usr/bin/env bash
# hetero-bench --quick on the OpenMP team, every workload: the JSON parses
# and has one row per (workload, device set) with the self-check digest,
# its spread and `noisy`; the SVG chart is well-formed XML with a bar per
# row and a panel per workload in its own unit; CSV has the same rows; and
# the check job's digest is the one `hetero` gives for that job.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"
here=$(dirname "$0")

plots=()
[ "${HETERO_CHARTS:-0}" = 1 ] && plots=(--plot "$E2E_DIR/x.svg")
"$HETERO_BENCH" "${QUICK[@]}" --devices omp --format json "${plots[@]}" >"$E2E_DIR/b.json"
python3 "$here/bench_check.py" "$E2E_DIR/b.json" "$WORKLOADS" "omp/1,omp/all?"

if [ "${HETERO_CHARTS:-0}" = 1 ]; then
    python3 - "$here" "$E2E_DIR/x.svg" "$E2E_DIR/b.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import charts
m = charts.svg_meta(sys.argv[2])          # parses the SVG as XML too
rows = json.load(open(sys.argv[3]))["results"]
if len(m["bars"]) != len(rows):
    sys.exit(f"FAIL: {len(m['bars'])} bars for {len(rows)} rows")
panels = [p["workload"] for p in m["panels"]]
for r in rows:
    if r["workload"] not in panels:
        sys.exit(f"FAIL: no panel for {r['workload']}")
    if not any(b["workload"] == r["workload"] and b["label"] == r["label"] for b in m["bars"]):
        sys.exit(f"FAIL: no bar labelled {r['label']!r} for {r['workload']}")
for p in m["panels"]:
    item = [r["item_name"] for r in rows if r["workload"] == p["workload"]][0]
    if p["unit"] != item + "/s":
        sys.exit(f"FAIL: panel {p['workload']} has unit {p['unit']!r}, expected {item}/s")
print(f"plot: well-formed SVG, {len(m['bars'])} bars, a panel with its unit per workload, every set named")
PY
fi

"$HETERO_BENCH" "${QUICK[@]}" --devices omp --format csv >"$E2E_DIR/b.csv"
python3 - "$E2E_DIR/b.csv" "$E2E_DIR/b.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
jrows = json.load(open(sys.argv[2]))["results"]
key = lambda r: (r["workload"], r["set"])
if sorted(map(key, rows)) != sorted(map(key, jrows)):
    sys.exit(f"FAIL: CSV rows {sorted(map(key, rows))} vs JSON {sorted(map(key, jrows))}")
for r in rows:
    j = next(x for x in jrows if key(x) == key(r))
    if r["check_digest"] != j["check_digest"]:
        sys.exit(f"FAIL: {key(r)}: CSV check_digest {r['check_digest']} vs JSON {j['check_digest']}")
    if r["noisy"] not in ("true", "false") or not r["label"]:
        sys.exit(f"FAIL: {key(r)}: CSV noisy {r['noisy']!r} label {r['label']!r}")
    float(r["items_per_s"]), float(r["median_s"]), int(r["items"])
print(f"csv: the same {len(rows)} rows as the JSON, same digests")
PY

# The bench runs the engine exactly as hetero does: its pi check job gives
# hetero's digest for the same samples.
if [[ ",$WORKLOADS," == *,pi,* ]]; then
    samples=$(python3 -c 'import json,sys; c=[c for c in json.load(open(sys.argv[1]))["checks"] if c["workload"]=="pi"][0]; print(c["params"]["samples"])' "$E2E_DIR/b.json")
    "$HETERO" pi --samples "$samples" --devices omp --format json --no-progress >"$E2E_DIR/pi.json"
    python3 - "$E2E_DIR/pi.json" "$E2E_DIR/b.json" <<'PY'
import json, sys
one = json.load(open(sys.argv[1]))
check = [c for c in json.load(open(sys.argv[2]))["checks"] if c["workload"] == "pi"][0]
if one["digest"] != check["digest"] or one["result"]["hits"] != check["result"]["hits"]:
    sys.exit(f"FAIL: hetero pi gives {one['digest']}, the bench's check job {check['digest']}")
print(f"pi check job: same hits and digest as hetero pi ({one['digest']})")
PY
fi
