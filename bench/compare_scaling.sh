#!/usr/bin/env bash
# The time and memory of comparing two saved reports as they grow:
# `hetero-bench --results A --compare B --format json` with ROWS rows on each
# side, made from a real report's rows (only the fields the comparison
# reads, so that 100,000 rows stay under the 16 MiB a report may have), B
# in reverse order; best wall time of REPEATS, the largest resident size.
# With OLD naming another hetero-bench, both are timed, alternating, on
# reports of version 2 (the names before version 3), which a bench before
# version 3 reads too.
#   bench/compare_scaling.sh [ROWS...]      (default: 10000 100000)
# HETERO_BENCH names the binary (default build/hetero-bench); REPEATS
# (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${HETERO_BENCH:-build/hetero-bench}
old=${OLD:-}
repeats=${REPEATS:-3}
[ $# -gt 0 ] || set -- 10000 100000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bench" --quick --seconds 0.02 --repeats 2 --check-items 2e5 --no-progress --workloads pi --devices omp \
    --format json >"$tmp/base.json"
for n in "$@"; do
    python3 - "$tmp" "$n" "$repeats" "$bench" ${old:+"$old"} <<'PY'
import json, os, subprocess, sys, time
tmp, n, repeats, bins = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
d = json.load(open(f"{tmp}/base.json"))
keep = ("workload", "set", "engine_devices", "threads", "mpi_ranks", "items_per_s")
real = [{k: r[k] for k in keep} for r in d["results"]]
if len(bins) > 1:
    d["version"] = 2
    real = [{{"set": "devices", "mpi_ranks": "ranks"}.get(k, k): v for k, v in r.items()} for r in real]
    for s in d["sets"]:
        s["devices"] = s.pop("set")
d["results"] = [dict(real[i % len(real)], workload=f"w{i // len(real)}", items_per_s=1000.0 + i) for i in range(n)]
json.dump(d, open(f"{tmp}/a.json", "w"), separators=(",", ":"))
d["results"].reverse()
json.dump(d, open(f"{tmp}/b.json", "w"), separators=(",", ":"))
size = os.path.getsize(f"{tmp}/a.json")
best = {b: float("inf") for b in bins}
rss = {b: 0 for b in bins}
for _ in range(repeats):
    for b in bins:
        with open(f"{tmp}/out.json", "wb") as out:
            t = time.perf_counter()
            p = subprocess.Popen([b, "--results", f"{tmp}/a.json", "--compare", f"{tmp}/b.json", "--format", "json"],
                                 stdout=out)
            _, status, use = os.wait4(p.pid, 0)
            t = time.perf_counter() - t
        if status != 0:
            sys.exit(f"{b}: exit status {status}")
        compared = json.load(open(f"{tmp}/out.json"))["compare"]["compared"]
        if compared != n:
            sys.exit(f"{b}: {compared} rows compared of {n}")
        best[b] = min(best[b], t)
        rss[b] = max(rss[b], use.ru_maxrss)
line = f"{n} rows ({size / 2**20:.1f} MiB) each side:"
for b in bins:
    line += f"  {b}: {best[b]:.3f} s, {rss[b] / 1024:.0f} MiB"
if len(bins) == 2:
    line += f"  ({best[bins[1]] / best[bins[0]]:.1f}x)"
print(line, flush=True)
PY
done
