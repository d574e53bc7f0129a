#!/usr/bin/env bash
# The CLI end to end: the sigma = 0 case worked by hand (storage 100, 80,
# 60, 50, 50, ...), the defaults of the tutorial, the trace CSV, and the
# fan chart through gnuplot when it is installed.
set -euo pipefail
: "${HETERO:?}"
tmp=${E2E_TMP:-/tmp}/reservoir_cli.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

"$HETERO" reservoir --paths 100 --steps 6 --inflow-sd 0 --inflow-mean 50 --release 70 \
  --trace "$tmp/hand.csv" --format json --no-progress --devices omp > "$tmp/hand.json"
python3 - "$tmp" <<'PY'
import csv, json, sys
tmp = sys.argv[1]
r = json.load(open(f"{tmp}/hand.json"))
res, par = r["result"], r["params"]
assert par["capacity"] == 100 and par["initial"] == 100, par          # S0 defaults to K
assert res["mean_storage"] == (80 + 60 + 50 * 4) / 6, res
assert res["final_storage_mean"] == 50 and res["spill_fraction"] == 0, res
assert res["shortfall_fraction"] == 4 / 6 and res["shortfall_steps"] == 400, res
assert res["reliability_p5"] == res["reliability_p95"] == 1 - 4 / 6, res   # 1 - k/T
rows = list(csv.DictReader(open(f"{tmp}/hand.csv")))
assert [int(x["step"]) for x in rows] == list(range(7))
assert [float(x["mean"]) for x in rows] == [100, 80, 60, 50, 50, 50, 50]
assert [float(x["path4"]) for x in rows] == [100, 80, 60, 50, 50, 50, 50]
print("sigma = 0: storage 100, 80, 60, 50, 50, ... as worked by hand")
PY

# The tutorial's defaults: every field present with its standard error.
"$HETERO" reservoir --paths 2e4 --steps 200 --format json --no-progress --devices omp > "$tmp/def.json"
python3 - "$tmp/def.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
res = r["result"]
for k in ("mean_storage", "final_storage_mean", "shortfall_fraction", "spill_fraction"):
    assert 0 < res[k + "_stderr"] < 0.05 * max(res[k], 1e-3), (k, res)
assert 0 <= res["reliability_p5"] <= res["reliability_p50"] <= res["reliability_p95"] <= 1, res
assert r["items"] == 2e4 * 200 if "items" in r else True
print("defaults:", {k: round(v, 4) for k, v in res.items()})
PY

if command -v gnuplot > /dev/null; then
  "$HETERO" reservoir --paths 5000 --steps 300 --plot "$tmp/fan.png" --quiet --no-progress --devices omp > /dev/null
  head -c 8 "$tmp/fan.png" | od -An -c | grep -q "P   N   G" || { echo "FAIL: no PNG written"; exit 1; }
  "$HETERO" reservoir --paths 5000 --steps 300 --plot "$tmp/fan.svg" --trace "$tmp/fan.csv" --quiet --no-progress --devices omp > /dev/null
  grep -q "<svg" "$tmp/fan.svg" || { echo "FAIL: no SVG written"; exit 1; }
  [ "$(wc -l < "$tmp/fan.csv")" -eq 66 ] || { echo "FAIL: trace rows"; exit 1; }
  echo "plots: PNG and SVG written"
else
  echo "notice: gnuplot not installed; --plot not exercised"
fi
