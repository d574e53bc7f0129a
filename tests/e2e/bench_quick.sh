#!/usr/bin/env bash
# hetero-bench --quick on the OpenMP team, every workload: the JSON parses
# and has one row per (workload, device set) with the self-check digest,
# the SVG plot is well-formed XML with a bar per row, CSV has the same
# rows, and the check job's digest is the one `hetero` gives for that job.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"
here=$(dirname "$0")

"$HETERO_BENCH" "${QUICK[@]}" --devices omp --format json --plot "$tmp/x.svg" >"$tmp/b.json"
python3 "$here/bench_check.py" "$tmp/b.json" "$WORKLOADS" "omp/1,omp/all?"

python3 - "$tmp/x.svg" "$tmp/b.json" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
svg = ET.parse(sys.argv[1]).getroot()
rows = json.load(open(sys.argv[2]))["results"]
ns = "{http://www.w3.org/2000/svg}"
if svg.tag != ns + "svg":
    sys.exit(f"FAIL: root element is {svg.tag}")
bars = [r for r in svg.iter(ns + "rect") if r.find(ns + "title") is not None]
if len(bars) != len(rows):
    sys.exit(f"FAIL: {len(bars)} bars for {len(rows)} rows")
text = " ".join(t.text or "" for t in svg.iter(ns + "text"))
for r in rows:
    if r["workload"] not in text or r["devices"] not in text:
        sys.exit(f"FAIL: the plot does not name {r['workload']} / {r['devices']}")
print(f"plot: well-formed SVG, {len(bars)} bars, every workload and set named")
PY

"$HETERO_BENCH" "${QUICK[@]}" --devices omp --format csv >"$tmp/b.csv"
python3 - "$tmp/b.csv" "$tmp/b.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
jrows = json.load(open(sys.argv[2]))["results"]
key = lambda r: (r["workload"], r["devices"])
if sorted(map(key, rows)) != sorted(map(key, jrows)):
    sys.exit(f"FAIL: CSV rows {sorted(map(key, rows))} vs JSON {sorted(map(key, jrows))}")
for r in rows:
    j = next(x for x in jrows if key(x) == key(r))
    if r["result_digest"] != j["result_digest"]:
        sys.exit(f"FAIL: {key(r)}: CSV digest {r['result_digest']} vs JSON {j['result_digest']}")
    float(r["items_per_s"]), float(r["median_s"]), int(r["items"])
print(f"csv: the same {len(rows)} rows as the JSON, same digests")
PY

# The bench runs the engine exactly as hetero does: its pi check job gives
# hetero's digest for the same samples.
if [[ ",$WORKLOADS," == *,pi,* ]]; then
    samples=$(python3 -c 'import json,sys; c=[c for c in json.load(open(sys.argv[1]))["checks"] if c["workload"]=="pi"][0]; print(c["params"]["samples"])' "$tmp/b.json")
    "$HETERO" pi --samples "$samples" --devices omp --format json --no-progress >"$tmp/pi.json"
    python3 - "$tmp/pi.json" "$tmp/b.json" <<'PY'
import json, sys
one = json.load(open(sys.argv[1]))
check = [c for c in json.load(open(sys.argv[2]))["checks"] if c["workload"] == "pi"][0]
if one["digest"] != check["digest"] or one["result"]["hits"] != check["result"]["hits"]:
    sys.exit(f"FAIL: hetero pi gives {one['digest']}, the bench's check job {check['digest']}")
print(f"pi check job: same hits and digest as hetero pi ({one['digest']})")
PY
fi
