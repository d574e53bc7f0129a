"""Checks a hetero-bench JSON report against what was asked for.

    bench_check.py REPORT.json WORKLOADS SETS [REPEATS] [RANKS]

WORKLOADS and SETS are comma-separated; SETS may use `omp/all?`, meaning
omp/all is expected when the machine's OpenMP team has more than one
thread, and `combined`, meaning the set of all the others together (named
by its members, "cl:0:0+omp/all").  Prints one line per check; exits 1 on
the first failure.
"""
import json
import re
import sys


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


report = json.load(open(sys.argv[1]))
workloads = sys.argv[2].split(",")
sets = sys.argv[3].split(",")
repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 2
ranks = int(sys.argv[5]) if len(sys.argv) > 5 else 1

if report.get("schema") != "hetero.bench" or report.get("version") != 3:
    fail(f"schema/version: {report.get('schema')} {report.get('version')}")

run = report["run"]
for key in ("host", "started", "hetero", "git", "compiler", "build_type"):
    if not (isinstance(run.get(key), str) and run[key]):
        fail(f"run.{key} missing: {run}")
if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", run["started"]):
    fail(f"run.started is not ISO 8601 UTC: {run['started']}")
if not (run["git"] == "unknown" or re.fullmatch(r"[0-9a-f]{40}", run["git"])):
    fail(f"run.git is neither a commit nor 'unknown': {run['git']}")
if run["git_dirty"] not in (True, False, None):
    fail(f"run.git_dirty: {run['git_dirty']}")

m = report["machine"]
if not (isinstance(m["cpu_model"], str) and m["cpu_model"]):
    fail("machine.cpu_model missing")
if not (isinstance(m["cores"], int) and m["cores"] >= 1):
    fail(f"machine.cores: {m['cores']}")
if m["mpi_ranks"] != ranks:
    fail(f"machine.mpi_ranks {m['mpi_ranks']}, expected {ranks}")
for d in m["opencl"]:
    for key in ("id", "name", "type", "driver", "version"):
        if not isinstance(d.get(key), str):
            fail(f"machine.opencl entry without {key}: {d}")
threads = m["omp_threads"]
expected_sets = []
for s in sets:
    if s == "omp/all?":
        if threads > 1:
            expected_sets.append("omp/all")
    elif s == "combined":
        # each OpenCL device and the largest OpenMP team
        members = [x for x in expected_sets if not (x == "omp/1" and "omp/all" in expected_sets)]
        expected_sets.append("+".join(members))
    else:
        expected_sets.append(s)

rows = report["results"]
got = [(r["workload"], r["set"]) for r in rows]
want = [(w, s) for w in workloads for s in expected_sets]
if sorted(got) != sorted(want) or len(set(got)) != len(got):
    fail(f"rows {got}, expected one per (workload, device set): {want}")

checks = {c["workload"]: c for c in report["checks"]}
if sorted(checks) != sorted(workloads):
    fail(f"checks for {sorted(checks)}, expected {sorted(workloads)}")
for w, c in checks.items():
    if c["sets_agreeing"] != len(expected_sets):
        fail(f"{w}: {c['sets_agreeing']} sets agree, expected {len(expected_sets)}")
    if not c["result"]:
        fail(f"{w}: the check job has no result fields")

required = ["workload", "set", "label", "identity", "items", "repeats", "median_s", "min_s", "max_s",
            "wall_median_s", "items_per_s", "speedup", "check_digest", "threads", "mpi_ranks", "spread_pct",
            "noisy", "noise", "remeasured", "calibration_items_per_s"]
for r in rows:
    name = f"{r['workload']} on {r['set']}"
    for key in required:
        if key not in r:
            fail(f"{name}: no {key}")
    if r["repeats"] != repeats or r["mpi_ranks"] != ranks:
        fail(f"{name}: repeats {r['repeats']} mpi_ranks {r['mpi_ranks']}")
    if not (isinstance(r["items"], int) and r["items"] > 0):
        fail(f"{name}: items {r['items']}")
    if not (0 < r["min_s"] <= r["median_s"] <= r["max_s"]):
        fail(f"{name}: times not ordered: {r['min_s']} {r['median_s']} {r['max_s']}")
    # each repeat's whole run holds its compute phase, so their medians do too
    if not r["median_s"] <= r["wall_median_s"]:
        fail(f"{name}: wall_median_s {r['wall_median_s']} below the compute median_s {r['median_s']}")
    rate = r["items"] / r["median_s"]
    if abs(r["items_per_s"] - rate) > 1e-4 * rate:
        fail(f"{name}: items_per_s {r['items_per_s']} is not items / median_s = {rate}")
    if not (r["items_per_s_min"] <= r["items_per_s"] <= r["items_per_s_max"]):
        fail(f"{name}: items/s outside its min..max")
    # every row says whether it is noisy, and why; its spread is its own
    if r["noisy"] not in (True, False) or r["remeasured"] not in (True, False):
        fail(f"{name}: noisy {r['noisy']!r} remeasured {r['remeasured']!r}")
    if r["noisy"] and not (r["remeasured"] and r["noise"] in ("spread", "slower than calibration")):
        fail(f"{name}: noisy without a second measurement or a reason: {r['noise']}")
    spread = 100 * (r["items_per_s_max"] - r["items_per_s_min"]) / r["items_per_s"]
    if r["repeats"] > 1 and abs(r["spread_pct"] - spread) > 0.01 + 1e-3 * spread:
        fail(f"{name}: spread_pct {r['spread_pct']}, expected {spread}")
    if r["repeats"] == 1 and r["spread_pct"] is not None:
        fail(f"{name}: a spread from one repeat")
    if not r["label"]:
        fail(f"{name}: no label")
    # the self-check job's digest, so the same on every set
    if r["check_digest"] != checks[r["workload"]]["digest"]:
        fail(f"{name}: check_digest {r['check_digest']} differs from the check's digest")
    if r["set"] == "omp/1" and r["speedup"] != 1:
        fail(f"{name}: speedup over itself is {r['speedup']}")
    if r["set"] == "omp/1" and r["threads"] != 1:
        fail(f"{name}: ran {r['threads']} threads")
    if "+" in r["set"]:
        if not isinstance(r["coexec_efficiency"], (int, float)) or r["coexec_efficiency"] <= 0:
            fail(f"{name}: co-execution efficiency {r['coexec_efficiency']}")
    elif r["coexec_efficiency"] is not None:
        fail(f"{name}: co-execution efficiency on a solo set")
print(f"{sys.argv[1]}: {len(rows)} rows ({', '.join(workloads)} x {', '.join(expected_sets)}), "
      f"digests agree within each workload")
