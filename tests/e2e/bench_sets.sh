#!/usr/bin/env bash
# Set names mean the same everywhere: for each --devices list, the devices
# hetero-bench benchmarks are exactly the workers `hetero --devices LIST`
# runs (`all` leaves PoCL's CPU device out in both: only GPUs and
# accelerators plus omp), and the combined set, present only when there is
# more than one of them, is named by what it holds ("cl:0:0+omp/all") and
# runs all of them.  No set is called plain "all".
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"

lists=(all omp)
ids=$("$HETERO" devices --format json | python3 -c 'import json,sys; print(",".join(d["id"] for d in json.load(sys.stdin)["opencl"]))')
[ -n "$ids" ] && lists+=(cl "omp,cl" "omp,${ids%%,*}")
for list in "${lists[@]}"; do
    "$HETERO" pi --samples 1e6 --devices "$list" --format json --no-progress --quiet >"$E2E_DIR/h.json"
    "$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices "$list" --format json >"$E2E_DIR/b.json" 2>/dev/null
    python3 - "$E2E_DIR/h.json" "$E2E_DIR/b.json" "$list" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
lst = sys.argv[3]
workers = sorted({w["id"] for w in h["workers"] if w["status"] == "ok"})
sets = b["sets"]
solo = [s for s in sets if s["kind"] != "combined"]
benched = sorted({d for s in solo for d in s["engine_devices"].split(",")})
if benched != workers:
    sys.exit(f"FAIL: --devices {lst}: hetero runs {workers}, the bench benchmarks {benched}")
if any(s["set"] == "all" for s in sets):
    sys.exit(f"FAIL: --devices {lst}: a set is called 'all'")
comb = [s for s in sets if s["kind"] == "combined"]
if len(workers) > 1:
    if len(comb) != 1:
        sys.exit(f"FAIL: --devices {lst}: {len(workers)} devices but {len(comb)} combined sets")
    c = comb[0]
    if sorted(c["engine_devices"].split(",")) != workers or c["set"] != "+".join(c["members"]):
        sys.exit(f"FAIL: --devices {lst}: combined set {c}")
elif comb:
    sys.exit(f"FAIL: --devices {lst}: a combined set of one device: {comb}")
print(f"--devices {lst}: hetero and the bench both run {workers}; sets {[s['set'] for s in sets]}")
PY
done
