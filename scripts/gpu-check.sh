#!/usr/bin/env bash
# gpu-check.sh - build hetero on a GPU node and check it on every GPU found.
#
#   scripts/gpu-check.sh [--build DIR] [--out FILE] [--quick]
#
# What the node needs: a C compiler, CMake, an OpenCL loader and headers (a
# CUDA toolkit's are enough), and the cJSON, xxHash and Random123 headers and
# libraries (Debian/Ubuntu packages, or unpacked into a prefix named with
# CMAKE_PREFIX_PATH).  MPI and cmocka are optional.  Extra CMake arguments go
# in the environment variable CMAKE_ARGS.
#
# For every GPU (OpenCL device of type gpu or accelerator) it runs:
#   - same bits: each workload on OpenMP alone, the GPU alone and the GPU
#     with OpenMP; results and digests must be equal;
#   - throughput: each workload on the GPU alone and with OpenMP, sized to
#     run a second or more, recording items/s, kernel time and the
#     co-execution efficiency (the combined rate over the sum of the rates
#     alone);
#   - the device known-answer tests (unit tests whose name ends in _device),
#     when the tests were built.
# and writes one JSON document of results (default gpu-check.json).  Exit
# status: 0 when every same-bits check passed, 1 otherwise, 2 on bad
# arguments.  Needs python3 to assemble the JSON.
set -euo pipefail

build="build-gpu"
out=gpu-check.json
quick=0
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=${2:?--build needs a directory}; shift 2 ;;
    --out) out=${2:?--out needs a file name}; shift 2 ;;
    --quick) quick=1; shift ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown argument '$1' (expected --build DIR, --out FILE, --quick)" >&2; exit 2 ;;
    esac
done
command -v python3 >/dev/null || { echo "gpu-check: python3 is needed to write the results" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { echo "gpu-check: $*" >&2; }

log "configuring in $build"
# shellcheck disable=SC2086 # CMAKE_ARGS is a list of words by design
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; exit 1; }
grep -E '^-- +(OpenCL|MPI|tests|Random123) ' "$work/configure.log" >&2 || true
cmake --build "$build" -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -50 "$work/build.log" >&2; exit 1; }
hetero="$build/hetero"

"$hetero" devices --format json >"$work/devices.json"
# A node whose NVIDIA driver is installed but whose ICD loader has no vendor
# file for it (containers often ship only the library): point the loader at
# one of our own, for this script's runs.
if ! grep -q '"type":[[:space:]]*"gpu"' "$work/devices.json" && [ -z "${OCL_ICD_VENDORS:-}" ] &&
    ldconfig -p 2>/dev/null | grep libnvidia-opencl.so.1 >/dev/null; then
    mkdir -p "$work/icd"
    echo libnvidia-opencl.so.1 >"$work/icd/nvidia.icd"
    export OCL_ICD_VENDORS="$work/icd"
    log "no GPU through the installed ICD files; trying libnvidia-opencl.so.1 directly"
    "$hetero" devices --format json >"$work/devices.json"
fi
mapfile -t gpus < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for x in d["opencl"]:
    if x["type"] in ("gpu", "accelerator"):
        print(x["id"])' "$work/devices.json")
# GPU_CHECK_DEVICES (ids, space-separated) overrides the choice, e.g. to try
# the script on PoCL's CPU device.
if [ -n "${GPU_CHECK_DEVICES:-}" ]; then
    read -r -a gpus <<<"$GPU_CHECK_DEVICES"
fi
if [ ${#gpus[@]} -eq 0 ]; then
    log "no OpenCL GPU found; 'hetero devices' says:"
    "$hetero" devices >&2 || true
fi

# name|args of the same-bits jobs (OpenMP must finish each in seconds) and
# of the throughput jobs (sized for a fast GPU).
if [ "$quick" = 1 ]; then
    same=("pi|--samples 2e9 --seed 7"
        "primes|--range 0:1e9"
        "primes|--range 1e15:1000000100000000"
        "primes|--nth 1e7"
        "reservoir|--paths 20000 --steps 1000 --seed 3")
    thru=("pi|--samples 2e10"
        "primes|--range 0:1e10"
        "reservoir|--paths 1000000 --steps 2000")
else
    same=("pi|--samples 2e10 --seed 7"
        "primes|--range 0:1e10"
        "primes|--range 1e15:1000000400000000"
        "primes|--nth 1e8"
        "reservoir|--paths 200000 --steps 1000 --seed 3")
    thru=("pi|--samples 4e11"
        "primes|--range 0:1e10"
        "reservoir|--paths 4000000 --steps 10000")
fi

n=0
# run TAG DEVICES WORKLOAD ARGS: one run, its report saved as TAG.json, its
# exit status and stderr kept beside it.
run() {
    local tag=$1 devices=$2 wl=$3 args=$4 rc=0
    # shellcheck disable=SC2086 # args is a list of words
    timeout 300 "$hetero" "$wl" $args --devices "$devices" --format json --no-progress \
        >"$work/runs/$tag.json" 2>"$work/runs/$tag.err" || rc=$?
    echo "$rc" >"$work/runs/$tag.rc"
    printf '%s\t%s\t%s\t%s\n' "$tag" "$devices" "$wl" "$args" >>"$work/runs/index.tsv"
    log "$(printf '%-6s rc=%-3s %-14s %-10s %s' "$tag" "$rc" "$devices" "$wl" "$args")"
    [ "$rc" = 0 ] || sed 's/^/    | /' "$work/runs/$tag.err" >&2
}
mkdir -p "$work/runs"
: >"$work/runs/index.tsv"
for job in "${same[@]}"; do
    wl=${job%%|*} args=${job#*|}
    run "s$n.omp" omp "$wl" "$args"
    for g in "${gpus[@]}"; do
        run "s$n.$g" "$g" "$wl" "$args"
        run "s$n.$g+omp" "$g,omp" "$wl" "$args"
    done
    n=$((n + 1))
done
n=0
for job in "${thru[@]}"; do
    wl=${job%%|*} args=${job#*|}
    for g in "${gpus[@]}"; do
        run "t$n.$g" "$g" "$wl" "$args"
        run "t$n.$g+omp" "$g,omp" "$wl" "$args"
    done
    n=$((n + 1))
done

# device known answers (built with the tests only)
: >"$work/kat.txt"
if [ -f "$build/CTestTestfile.cmake" ]; then
    ctest --test-dir "$build" -R '^unit\..*_device$' --output-on-failure >"$work/kat.txt" 2>&1 || true
    tail -5 "$work/kat.txt" >&2
fi

python3 - "$work" "$out" "${#same[@]}" "${#thru[@]}" <<'EOF'
import json, os, subprocess, sys
work, out, n_same, n_thru = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
runs = {}
for line in open(os.path.join(work, "runs/index.tsv")):
    tag, devices, wl, args = line.rstrip("\n").split("\t")
    rc = int(open(os.path.join(work, "runs", tag + ".rc")).read())
    err = open(os.path.join(work, "runs", tag + ".err"), errors="replace").read()
    rep = None
    try:
        rep = json.load(open(os.path.join(work, "runs", tag + ".json")))
    except Exception:
        pass
    r = {"devices": devices, "workload": wl, "args": args, "rc": rc}
    if err.strip():
        r["stderr"] = err[-2000:]
    if rep:
        compute = rep["phases"]["compute"]
        r.update(result=rep["result"], digest=rep["digest"], items=rep["items"],
                 compute_s=compute, wall_s=rep["phases"]["wall"],
                 build_s=rep["phases"]["build"],
                 items_per_s=rep["items"] / compute if compute > 0 else None,
                 workers=[{k: w.get(k) for k in ("id", "name", "grains", "batches", "items",
                                                   "busy_s", "kernel_s", "items_per_s", "share")}
                          for w in rep["workers"]])
    runs[tag] = r

def info(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception as e:
        return "unavailable (%s)" % e

doc = {"schema": "hetero.gpu-check", "version": 1,
       "host": os.uname().nodename, "glibc": info(["ldd", "--version"]).split("\n")[0],
       "nvidia_smi": info(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                           "--format=csv,noheader"]),
       "devices": json.load(open(os.path.join(work, "devices.json"))),
       "same_bits": [], "throughput": [], "ok": True}
gpus = sorted({t.split(".", 1)[1].replace("+omp", "") for t in runs if not t.endswith(".omp")})
for i in range(n_same):
    base = runs.get("s%d.omp" % i)
    for g in gpus:
        for t in ("s%d.%s" % (i, g), "s%d.%s+omp" % (i, g)):
            r = runs.get(t)
            if not r or not base:
                continue
            same = (r["rc"] == 0 and base["rc"] == 0 and r.get("digest") == base.get("digest")
                    and r.get("result") == base.get("result"))
            doc["ok"] &= same
            doc["same_bits"].append({"tag": t, "workload": r["workload"], "args": r["args"],
                                     "devices": r["devices"], "same_as_omp": same,
                                     "digest": r.get("digest"), "omp_digest": base.get("digest"),
                                     "omp": base, "run": r})
for i in range(n_thru):
    for g in gpus:
        a, b = runs.get("t%d.%s" % (i, g)), runs.get("t%d.%s+omp" % (i, g))
        # OpenMP's own rate comes from the same workload's same-bits job
        wl = a["workload"] if a else None
        omp = next((runs["s%d.omp" % j] for j in range(n_same)
                    if runs.get("s%d.omp" % j, {}).get("workload") == wl), None)
        eff = None
        if a and b and omp and a.get("items_per_s") and b.get("items_per_s") and omp.get("items_per_s"):
            eff = b["items_per_s"] / (a["items_per_s"] + omp["items_per_s"])
        doc["throughput"].append({"workload": wl, "args": a["args"] if a else None, "gpu": g,
                                  "gpu_alone": a, "gpu_with_omp": b,
                                  "omp_items_per_s": omp.get("items_per_s") if omp else None,
                                  "coexec_efficiency": eff,
                                  "same_digest": bool(a and b and a.get("digest") == b.get("digest"))})
doc["device_known_answers"] = open(os.path.join(work, "kat.txt")).read()[-4000:]
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
os.replace(tmp, out)
for t in doc["throughput"]:
    a, b = t["gpu_alone"] or {}, t["gpu_with_omp"] or {}
    ks = sum((w.get("kernel_s") or 0) for w in a.get("workers", []))
    print("%-10s %-28s gpu %9.3g/s (kernel %.4f s)  gpu+omp %9.3g/s  omp %9.3g/s  eff %s" % (
        t["workload"], t["args"], a.get("items_per_s") or 0, ks, b.get("items_per_s") or 0,
        t["omp_items_per_s"] or 0, "%.3f" % t["coexec_efficiency"] if t["coexec_efficiency"] else "-"),
        file=sys.stderr)
bad = [s["tag"] for s in doc["same_bits"] if not s["same_as_omp"]]
print("gpu-check: %d same-bits runs, %s; results in %s" % (
    len(doc["same_bits"]), "all equal to OpenMP" if not bad else "DIFFERENT: " + " ".join(bad), out),
    file=sys.stderr)
sys.exit(0 if doc["ok"] and doc["same_bits"] else 1)
EOF
