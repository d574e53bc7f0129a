#!/usr/bin/env bash
# The CLI end to end: the sigma = 0 case worked by hand (storage 100, 80,
# 60, 50, 50, ...), the defaults of the tutorial, the trace CSV, and the
# fan chart through gnuplot when it is installed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

"$HETERO" reservoir --paths 100 --steps 6 --inflow-sd 0 --inflow-mean 50 --release 70 \
    --trace "$E2E_DIR/hand.csv" --format json --no-progress --devices omp >"$E2E_DIR/hand.json"
python3 - "$E2E_DIR" <<'PY'
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
"$HETERO" reservoir --paths 2e4 --steps 200 --format json --no-progress --devices omp >"$E2E_DIR/def.json"
python3 - "$E2E_DIR/def.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
res = r["result"]
for k in ("mean_storage", "final_storage_mean", "shortfall_fraction", "spill_fraction"):
    assert 0 < res[k + "_stderr"] < 0.05 * max(res[k], 1e-3), (k, res)
assert 0 <= res["reliability_p5"] <= res["reliability_p50"] <= res["reliability_p95"] <= 1, res
assert r["items"] == 2e4 * 200 if "items" in r else True
print("defaults:", {k: round(v, 4) for k, v in res.items()})
PY

# The fan chart, drawn by hetero itself (cairo): PNG and SVG of the same job
# carry the same drawn values, and those are the trace's; a few sample
# paths are drawn at every step.  No gnuplot anywhere: a gnuplot first in
# PATH would leave a mark.
if [ "${HETERO_CHARTS:-0}" = 1 ]; then
    here=$(cd "$(dirname "$0")" && pwd)
    mkdir -p "$E2E_DIR/bin"
    printf '#!/bin/sh\necho ran >"%s/gnuplot-ran"\n' "$E2E_DIR" >"$E2E_DIR/bin/gnuplot"
    chmod +x "$E2E_DIR/bin/gnuplot"
    PATH="$E2E_DIR/bin:$PATH" "$HETERO" reservoir --paths 5000 --steps 300 --plot "$E2E_DIR/fan.png" --trace "$E2E_DIR/fan.csv" --quiet --no-progress --devices omp >/dev/null
    PATH="$E2E_DIR/bin:$PATH" "$HETERO" reservoir --paths 5000 --steps 300 --plot "$E2E_DIR/fan.svg" --quiet --no-progress --devices omp >/dev/null
    [ ! -e "$E2E_DIR/gnuplot-ran" ] || fail "gnuplot was run"
    [ "$(wc -l <"$E2E_DIR/fan.csv")" -eq 66 ] || fail "trace rows"
    python3 "$here/charts.py" same "$E2E_DIR/fan.png" "$E2E_DIR/fan.svg"
    python3 - "$here" "$E2E_DIR" <<'PY'
import csv, sys
sys.path.insert(0, sys.argv[1])
import charts
tmp = sys.argv[2]
m = charts.meta(f"{tmp}/fan.png")
rows = list(csv.DictReader(open(f"{tmp}/fan.csv")))
assert list(rows[0]) == ["step", "mean", "p5", "p25", "p50", "p75", "p95",
                         "path0", "path1", "path2", "path3", "path4"], list(rows[0])
assert m["chart"] == "reservoir-fan" and m["paths"] == 5000 and m["steps"] == 300 and m["seed"] == 0, m
assert m["traced_steps"] == [int(r["step"]) for r in rows]
for col in ("mean", "p5", "p25", "p50", "p75", "p95"):
    assert m[col] == [float(r[col]) for r in rows], col
assert m["sample_paths_drawn"] == 3 and m["sample_paths_every_step"] and m["shading_levels"] >= 8, m
assert "300 steps (T), seed 0" in m["title"] and "5,000 paths" in m["title"], m["title"]
print("fan chart: PNG and SVG draw the trace's mean and quantiles; title", repr(m["title"]))
PY
else
    echo "notice: this build cannot draw (no cairo); --plot not exercised"
fi
