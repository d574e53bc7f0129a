#!/usr/bin/env bash
# hetero-bench's chart: drawn once, written as PNG and SVG from the same
# drawing in one run, with no gnuplot anywhere (a gnuplot first in PATH
# would leave a mark; the rest of PATH stays, for the OpenCL driver's own
# tools: PoCL links a kernel it has not cached with ld).  Both files carry the same drawn values; each bar's
# value is its row's items/s and its length is to scale; the PNG's pixels
# and the SVG's filled paths hold the same bars at the same places.
# shellcheck source=bench_common.sh
. "$(dirname "$0")/bench_common.sh"
here=$(cd "$(dirname "$0")" && pwd)

if [ "${HETERO_CHARTS:-0}" != 1 ]; then
    echo "notice: this build cannot draw (no cairo): skipped"
    exit 0
fi
mkdir -p "$E2E_DIR/bin"
printf '#!/bin/sh\necho ran >"%s/gnuplot-ran"\n' "$E2E_DIR" >"$E2E_DIR/bin/gnuplot"
chmod +x "$E2E_DIR/bin/gnuplot"

devices=omp
ids=$("$HETERO" devices --format json | python3 -c 'import json,sys; print(",".join(d["id"] for d in json.load(sys.stdin)["opencl"]))')
[ -n "$ids" ] && devices="omp,${ids%%,*}"
PATH="$E2E_DIR/bin:$PATH" "$HETERO_BENCH" "${QUICK[@]}" --workloads pi,reservoir --devices "$devices" --format json \
    --plot "$E2E_DIR/bars.png" --plot "$E2E_DIR/bars.svg" >"$E2E_DIR/b.json"
[ ! -e "$E2E_DIR/gnuplot-ran" ] || fail "gnuplot was run"
python3 "$here/charts.py" same "$E2E_DIR/bars.png" "$E2E_DIR/bars.svg"

python3 - "$here" "$E2E_DIR" <<'PY'
import json, math, sys
sys.path.insert(0, sys.argv[1])
import charts
tmp = sys.argv[2]
m = charts.meta(f"{tmp}/bars.png")
rows = {(r["workload"], r["set"]): r for r in json.load(open(f"{tmp}/b.json"))["results"]}
for r in rows.values():
    if r["noisy"] not in (True, False):
        sys.exit(f"FAIL: {r['set']}: noisy is {r['noisy']!r}")
if len(m["bars"]) != len(rows):
    sys.exit(f"FAIL: {len(m['bars'])} bars for {len(rows)} rows")
panels = {p["workload"]: p for p in m["panels"]}
w, h, px = charts.png_pixels(f"{tmp}/bars.png")
if (w, h) != (m["width"], m["height"]):
    sys.exit(f"FAIL: PNG is {w}x{h}, the chart {m['width']}x{m['height']}")
boxes = charts.svg_filled_boxes(f"{tmp}/bars.svg")
for bar in m["bars"]:
    r = rows[(bar["workload"], bar["set"])]
    name = f"{bar['workload']} on {bar['set']}"
    for k in ("items_per_s", "items_per_s_min", "items_per_s_max"):
        if abs(bar[k] - r[k]) > 1e-5 * r[k]:
            sys.exit(f"FAIL: {name}: drawn {k} {bar[k]}, report {r[k]}")
    if bar["noisy"] != r["noisy"] or bar["label"] != r["label"]:
        sys.exit(f"FAIL: {name}: drawn noisy/label {bar['noisy']}/{bar['label']}, report {r['noisy']}/{r['label']}")
    p = panels[bar["workload"]]
    want_w = (p["x1"] - p["x0"]) * bar["items_per_s"] / p["axis_max"]
    if abs(bar["w"] - want_w) > 0.01 or bar["x"] != p["x0"] or not bar["items_per_s"] <= p["axis_max"]:
        sys.exit(f"FAIL: {name}: bar {bar['w']} px long, {want_w} px to scale")
    fill = charts.hex_rgb(bar["fill"])
    # the PNG: the bar's inside is its colour (hatching leaves some of it)
    x0, y0, x1, y1 = int(bar["x"]) + 2, int(bar["y"]) + 2, int(bar["x"] + bar["w"]) - 2, int(bar["y"] + bar["h"]) - 2
    yc = bar["y"] + bar["h"] / 2
    wk = bar["whisker"] or []
    # leave out the whisker drawn over the bar: its line and its end caps
    inside = [px(x, y)[:3] for x in range(x0, x1) for y in range(y0, y1)
              if abs(y + 0.5 - yc) > 2 and all(abs(x + 0.5 - c) > 3 for c in wk)]
    few = not inside
    if few:
        # a bar too short to have an inside away from its edges and the
        # whisker's caps: its whole pixel columns, in the rows above and
        # below the caps' reach (the caps span yc +- 4.5 at width 1.3)
        inside = [px(x, y)[:3] for x in range(math.ceil(bar["x"]), math.floor(bar["x"] + bar["w"]))
                  for y in range(int(bar["y"]) + 1, int(bar["y"] + bar["h"]) - 1) if abs(y + 0.5 - yc) > 5.5]
    # (a bar under one whole pixel long, beside a row hundreds of times
    # faster, is drawn all the same; the SVG check below still holds it;
    # a few pixels of a hatched bar may all fall on the hatching)
    share = sum(c == fill for c in inside) / len(inside) if inside else 1
    if share < (0.0 if bar["shares_cores"] and few else 0.1 if bar["shares_cores"] else 0.9):
        sys.exit(f"FAIL: {name}: {share:.0%} of the PNG bar is {bar['fill']}")
    if bar["shares_cores"]:
        # hatched: every other pixel is the colour blended toward white
        off = [c for c in inside if not all(f - 2 <= v <= 255 for f, v in zip(fill, c))]
        if off:
            sys.exit(f"FAIL: {name}: hatched bar has pixels {off[:3]} that are not {bar['fill']} or lighter")
    # the SVG: a filled path of that colour over exactly that rectangle
    want = (bar["x"], bar["y"], bar["x"] + bar["w"], bar["y"] + bar["h"])
    if not any(rgb == fill and all(abs(a - b) < 0.05 for a, b in zip(box, want)) for box, rgb in boxes):
        sys.exit(f"FAIL: {name}: no filled {bar['fill']} path at {want} in the SVG")
print(f"charts: PNG and SVG hold the same {len(m['bars'])} bars, at the report's items/s, to scale, "
      f"labelled {sorted(set(b['label'] for b in m['bars']))}")
PY
