#!/usr/bin/env bash
# hetero-bench with an OpenCL device beside the OpenMP team: a row for the
# device alone, omp/1, omp/all and `all` together, with a co-execution
# efficiency; a CPU OpenCL device is flagged as sharing cores with OpenMP.
# Also: the PNG plot through gnuplot, where the build has it.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"
here=$(dirname "$0")

dev=$("$HETERO" devices --format json | python3 -c 'import json,sys; d=json.load(sys.stdin)["opencl"]; print(d[0]["id"] + " " + d[0]["type"] if d else "")')
if [ -z "$dev" ]; then
    echo "no OpenCL device: skipped"
    exit 0
fi
read -r id type <<<"$dev"
"$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices "omp,$id" --format json >"$tmp/b.json"
python3 "$here/bench_check.py" "$tmp/b.json" pi "$id,omp/1,omp/all?,all"
python3 - "$tmp/b.json" "$id" "$type" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
dev, typ = sys.argv[2], sys.argv[3]
allrow = [r for r in b["results"] if r["devices"] == "all"][0]
members = [s for s in b["sets"] if s["devices"] == "all"][0]["members"]
if dev not in members or not any(m.startswith("omp/") for m in members):
    sys.exit(f"FAIL: members of all: {members}")
if allrow["shares_cores"] != (typ == "cpu"):
    sys.exit(f"FAIL: shares_cores {allrow['shares_cores']} for a {typ} device")
solo = sum(r["items_per_s"] for r in b["results"] if r["devices"] in members)
eff = allrow["items_per_s"] / solo
if abs(eff - allrow["coexec_efficiency"]) > 1e-3 * eff:
    sys.exit(f"FAIL: co-exec {allrow['coexec_efficiency']}, expected all/sum(members) = {eff}")
print(f"all = {members}: co-exec {allrow['coexec_efficiency']}, shares_cores {allrow['shares_cores']}")
PY

# the text report says when the efficiency is not meaningful
"$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices "omp,$id" >"$tmp/b.txt"
if [ "$type" = cpu ]; then
    grep -q "shares its cores with OpenMP" "$tmp/b.txt" || fail "no shared-cores note in the text report"
fi

# PNG: through gnuplot when the build found it, else refused as bad input
rc=0
"$HETERO_BENCH" "${QUICK[@]}" --workloads pi --devices "$id" --plot "$tmp/x.png" >/dev/null 2>"$tmp/png.err" || rc=$?
if [ "$rc" -eq 0 ]; then
    head -c 8 "$tmp/x.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" || fail "x.png is not a PNG"
    echo "png plot written"
elif [ "$rc" -eq 2 ] && grep -q gnuplot "$tmp/png.err"; then
    echo "png plot refused: built without gnuplot"
else
    cat "$tmp/png.err" >&2
    fail "--plot x.png exited $rc"
fi
