#!/usr/bin/env bash
# gpu-check.sh - build hetero on a GPU node and check it on every GPU found.
#
#   scripts/gpu-check.sh [--build DIR] [--out FILE] [--deps DIR] [--quick]
#                        [--device-type gpu|accelerator|cpu|all]
#                        [--seconds S] [--budget S]
#   scripts/gpu-check.sh --prepare [DIR]
#
# A GPU node often has a compiler, CMake and a CUDA toolkit (CL/cl.h and a
# libOpenCL.so) and nothing else, not even network.  So first, on a Debian
# machine with network, --prepare (scripts/gpu-deps.sh) downloads the
# packages the build needs (Random123, cJSON, xxHash, cmocka, an OpenCL
# loader) and unpacks them into DIR (default gpu-deps/ in the repository,
# ignored by git); copy the repository with it to the node.  There, when DIR
# is present (--deps DIR, default gpu-deps/), the script points CMake
# (CMAKE_PREFIX_PATH, include and library paths) and the runs
# (LD_LIBRARY_PATH) at it; otherwise the packages must be installed.  MPI is
# left out when there is no mpicc, the tests when there is no cmocka.  Extra
# CMake arguments go in the environment variable CMAKE_ARGS.
#
# For every GPU (OpenCL device of type gpu or accelerator; --device-type cpu
# takes the CPU devices instead, PoCL's to try the script without a GPU;
# GPU_CHECK_DEVICES="cl:0:0 ..." names them) it runs, OMP_NUM_THREADS unset:
#   - same bits: each workload on OpenMP alone, the GPU alone and the GPU
#     with OpenMP; results and digests must be equal;
#   - the device known-answer tests (unit tests whose name ends in _device),
#     when the tests were built; when they were not, it says so loudly;
#   - kernel time: the 10 ms job primes --range 0:1e10 on the GPU alone;
#   - co-execution: each workload sized from short probes to about --seconds
#     (default 1) of compute on the GPU alone, on OpenMP alone and on both;
#     the efficiency is the combined rate over the sum of the rates alone.
# Each hetero run is capped at 60 s and all of them together at --budget
# seconds (default 180, 90 with --quick); a run past the budget is skipped
# and recorded as such.  --quick: smaller same-bits jobs, co-execution jobs
# of 0.2 s.
#
# Each run's row is appended to the JSON Lines file beside --out (default
# gpu-check.json, rows in gpu-check.jsonl) as soon as the run ends, and the
# JSON document --out is rewritten, atomically, after every row ("complete"
# turns true at the end): a run killed half way leaves what it measured.
# Exit status: 0 when every same-bits check ran and passed and no run or
# known-answer test failed, 1 otherwise, 2 on bad arguments.  Needs python3.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="build-gpu"
out="gpu-check.json"
deps="" deps_given=0 quick=0 devtype=gpu seconds="" budget="" prepare=0
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
bad() { echo "gpu-check: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=${2:?--build needs a directory}; shift 2 ;;
    --out) out=${2:?--out needs a file name}; shift 2 ;;
    --deps) deps=${2:?--deps needs a directory}; deps_given=1; shift 2 ;;
    --quick) quick=1; shift ;;
    --device-type) devtype=${2:?--device-type needs gpu, accelerator, cpu or all}; shift 2 ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --budget) budget=${2:?--budget needs a number of seconds}; shift 2 ;;
    --prepare)
        prepare=1; shift
        if [ $# -gt 0 ] && [[ $1 != -* ]]; then deps=$1; shift; fi ;;
    -h | --help) usage; exit 0 ;;
    *) bad "unknown argument '$1' (see --help)" ;;
    esac
done
case "$devtype" in gpu | accelerator | cpu | all) ;; *) bad "--device-type: gpu, accelerator, cpu or all" ;; esac
dflt_seconds=1 dflt_budget=180
if [ "$quick" = 1 ]; then dflt_seconds=0.2 dflt_budget=90; fi
seconds=${seconds:-$dflt_seconds} budget=${budget:-$dflt_budget}
[[ $seconds =~ ^[0-9]*\.?[0-9]+$ ]] || bad "--seconds: a number, e.g. 1 or 0.5"
[[ $budget =~ ^[0-9]+$ ]] || bad "--budget: whole seconds"
deps=${deps:-$root/gpu-deps}
if [ "$prepare" = 1 ]; then
    exec "$root/scripts/gpu-deps.sh" "$deps"
fi
command -v python3 >/dev/null || bad "python3 is needed to write the results"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { echo "gpu-check: $*" >&2; }
if [ -n "${OMP_NUM_THREADS:-}" ]; then
    log "OMP_NUM_THREADS=$OMP_NUM_THREADS unset: OpenMP runs on every core"
fi
unset OMP_NUM_THREADS

# ---- dependencies and build ---------------------------------------------
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DHETERO_BENCH=OFF)
if [ -d "$deps/root/usr" ]; then
    deps=$(cd "$deps" && pwd)
    arch=$(cat "$deps/multiarch" 2>/dev/null || echo x86_64-linux-gnu)
    prefixes=("$deps/root/usr")
    # The node's own OpenCL first (a CUDA toolkit's, which CMakeLists.txt
    # finds, or an installed one); the unpacked loader needs glibc 2.34.
    node_cl=""
    for d in "${CUDA_PATH:-}" "${CUDA_HOME:-}" /usr/local/cuda /opt/cuda /usr; do
        if [ -n "$d" ] && [ -f "$d/include/CL/cl.h" ]; then node_cl=$d; break; fi
    done
    if [ -z "$node_cl" ] && [ -d "$deps/opencl/usr" ]; then
        prefixes+=("$deps/opencl/usr")
        log "no OpenCL headers on this node: using the ones in $deps/opencl"
    fi
    incs=() libs=() pcs=()
    for p in "${prefixes[@]}"; do
        incs+=("$p/include") libs+=("$p/lib/$arch")
        pcs+=("$p/lib/$arch/pkgconfig" "$p/share/pkgconfig")
    done
    join() { local IFS=$1; shift; echo "$*"; }
    cmake_args+=("-DCMAKE_PREFIX_PATH=$(join ';' "${prefixes[@]}")"
        "-DCMAKE_INCLUDE_PATH=$(join ';' "${incs[@]}")"
        "-DCMAKE_LIBRARY_PATH=$(join ';' "${libs[@]}")")
    PKG_CONFIG_PATH=$(join : "${pcs[@]}")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
    LD_LIBRARY_PATH=$(join : "${libs[@]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export PKG_CONFIG_PATH LD_LIBRARY_PATH
    log "dependencies from $deps (${prefixes[*]})"
elif [ "$deps_given" = 1 ]; then
    bad "--deps $deps: no $deps/root/usr (make it with scripts/gpu-check.sh --prepare $deps)"
else
    log "no $deps: the dependencies must be installed (scripts/gpu-check.sh --prepare makes the folder)"
    deps=""
fi
if ! command -v mpicc >/dev/null; then
    cmake_args+=(-DHETERO_MPI=OFF)
fi

log "configuring in $build"
# shellcheck disable=SC2086 # CMAKE_ARGS is a list of words by design
cmake -S "$root" -B "$build" "${cmake_args[@]}" ${CMAKE_ARGS:-} >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; exit 1; }
grep -E '^-- +(OpenCL|MPI|tests|Random123) ' "$work/configure.log" >&2 || true
log "building ($(nproc) jobs)"
cmake --build "$build" -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -50 "$work/build.log" >&2; exit 1; }
hetero="$build/hetero"

# ---- the results: rows as they come, the document rewritten after each --
case "$out" in *.json) rows=${out%.json}.jsonl ;; *) rows=$out.jsonl ;; esac
mkdir -p "$(dirname "$out")"
: >"$rows"
py="$work/gpu_check.py"
export GC_WORK="$work" GC_OUT="$out" GC_ROWS="$rows" GC_QUICK="$quick" GC_DEVTYPE="$devtype" \
    GC_SECONDS="$seconds" GC_BUDGET="$budget" GC_DEPS="$deps"
cat >"$py" <<'EOF'
import json, os, subprocess, sys

work, out, rows_file = os.environ["GC_WORK"], os.environ["GC_OUT"], os.environ["GC_ROWS"]
path = lambda *p: os.path.join(work, *p)

def load(p, default=None):
    try:
        with open(p) as f:
            return json.load(f)
    except Exception:
        return default

def info(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception as e:
        return "unavailable (%s)" % e

def cmd_devices(devfile, devtype):
    """ids of the OpenCL devices of the type asked for"""
    want = {"gpu": ("gpu", "accelerator"), "accelerator": ("accelerator",),
            "cpu": ("cpu",), "all": None}[devtype]
    for x in load(devfile, {}).get("opencl", []):
        if want is None or x["type"] in want:
            print(x["id"])

def cmd_build(conf_log, cache, hetero):
    """what CMake configured, the paths it found, the libraries hetero
    loads, and the host"""
    summary = []
    for line in open(conf_log, errors="replace"):
        if line.startswith("--   ") and ":" in line:
            k, v = line[5:].split(":", 1)
            summary.append((k.strip(), v.strip()))
    found = {}
    keys = ("CJSON", "XXHASH", "CMOCKA")
    for line in open(cache, errors="replace"):
        if "=" not in line or line.startswith(("#", "//")):
            continue
        k, v = line.rstrip("\n").split("=", 1)
        name = k.split(":")[0]
        if (name.split("_")[0] in keys and name.split("_", 1)[1] in
                ("INCLUDE_DIRS", "LIBRARY_DIRS", "INCLUDE", "LIB")) or \
                name in ("RANDOM123_INCLUDE_DIR", "OpenCL_INCLUDE_DIR", "OpenCL_LIBRARY"):
            if v and not v.endswith("NOTFOUND"):
                found[name] = ";".join(os.path.normpath(x) for x in v.split(";"))
    loaded = [l.strip() for l in info(["ldd", hetero]).splitlines()
              if any(n in l for n in ("cjson", "xxhash", "OpenCL", "cmocka", "mpi"))]
    doc = {"deps": os.environ.get("GC_DEPS") or None, "summary": dict(summary), "found": found,
           "loaded": loaded}
    json.dump(doc, open(path("build.json"), "w"), indent=1)
    host = {"host": os.uname().nodename, "glibc": info(["ldd", "--version"]).split("\n")[0],
            "nvidia_smi": info(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                                "--format=csv,noheader"])}
    json.dump(host, open(path("host.json"), "w"))
    for k in sorted(found):
        print("  %-24s %s" % (k, found[k]), file=sys.stderr)
    for l in loaded:
        print("  " + l, file=sys.stderr)

def cmd_row(tag, kind, set_, gpu, devices, wl, args, rc, t0, t1, limit):
    """one run's row: appended to the rows file, then the document rewritten;
    prints 'items compute_s' for the sizing"""
    rc = int(rc) if rc != "skipped" else None
    row = {"tag": tag, "kind": kind, "set": set_, "gpu": gpu or None, "devices": devices,
           "workload": wl, "args": args}
    if rc is None:
        row.update(skipped="budget spent", rc=None)
    else:
        row.update(rc=rc, timed_out=rc in (124, 137), limit_s=int(limit),
                   process_s=round(float(t1) - float(t0), 3))
        rep = load(path("runs", tag + ".json"))
        try:
            err = open(path("runs", tag + ".err"), errors="replace").read()
        except OSError:
            err = ""
        if err.strip():
            row["stderr"] = err[-2000:]
        if rep:
            ph = rep["phases"]
            c = ph["compute"]
            row.update(result=rep["result"], digest=rep["digest"], items=rep["items"],
                       compute_s=c, wall_s=ph["wall"], build_s=ph["build"],
                       build_cached=ph.get("build_cached"),
                       items_per_s=rep["items"] / c if c > 0 else None,
                       workers=[{k: w.get(k) for k in ("id", "name", "status", "grains", "batches",
                                                         "items", "busy_s", "kernel_s",
                                                         "items_per_s", "share")}
                                for w in rep["workers"]])
    with open(rows_file, "a") as f:
        f.write(json.dumps(row) + "\n")
    write_doc(False)
    print(row.get("items") or 0, row.get("compute_s") or 0)

def cmd_kat(status, why, rc, logfile):
    """the device known-answer tests: passed, failed or skipped (and why)"""
    k = {"status": status, "ran": status in ("passed", "failed")}
    if why:
        k["why"] = why
    if rc:
        k["rc"] = int(rc)
    if logfile and os.path.exists(logfile):
        text = open(logfile, errors="replace").read()
        k["output"] = text[-4000:]
        for line in text.splitlines():
            if "tests passed" in line and "out of" in line:   # ctest's summary line
                k["summary"] = line.strip()
    json.dump(k, open(path("kat.json"), "w"))
    write_doc(False)

def rate(r):
    return r.get("items_per_s") if r and r.get("rc") == 0 else None

def gpu_worker(r, gpu):
    return next((w for w in (r or {}).get("workers", []) if w["id"] == gpu), {})

def brief(r):
    if not r:
        return None
    b = {k: r.get(k) for k in ("tag", "args", "rc", "items", "compute_s", "items_per_s")}
    if r.get("skipped"):
        b["skipped"] = r["skipped"]
    return b

def write_doc(final):
    rows = []
    try:
        with open(rows_file) as f:
            rows = [json.loads(l) for l in f if l.strip()]
    except OSError:
        pass
    by = lambda **kw: [r for r in rows if all(r.get(k) == v for k, v in kw.items())]
    doc = {"schema": "hetero.gpu-check", "version": 2, "complete": final}
    doc.update(load(path("host.json"), {}))
    doc["settings"] = {"quick": os.environ["GC_QUICK"] == "1", "device_type": os.environ["GC_DEVTYPE"],
                       "coexec_seconds": float(os.environ["GC_SECONDS"]),
                       "budget_s": int(os.environ["GC_BUDGET"]), "run_limit_s": 60,
                       "omp_num_threads": "unset"}
    doc["build"] = load(path("build.json"))
    doc["devices"] = load(path("devices.json"))
    doc["gpus"] = sorted({r["gpu"] for r in rows if r.get("gpu")})
    # same bits: each GPU run against OpenMP's run of the same job
    same = []
    for r in by(kind="same"):
        if r["set"] == "omp":
            continue
        base = next((b for b in by(kind="same", set="omp") if b["tag"] == r["tag"].split(".")[0] + ".omp"), None)
        if r.get("skipped") or not base or base.get("skipped"):
            continue
        ok = (r["rc"] == 0 and base["rc"] == 0 and r.get("digest") == base.get("digest")
              and r.get("result") == base.get("result"))
        same.append({"tag": r["tag"], "workload": r["workload"], "args": r["args"],
                     "devices": r["devices"], "same_as_omp": ok, "digest": r.get("digest"),
                     "omp_digest": base.get("digest"), "result": r.get("result"),
                     "omp_result": base.get("result")})
    doc["same_bits"] = same
    doc["known_answer_tests"] = load(path("kat.json"), {"status": "pending", "ran": False})
    # kernel time of the 10 ms primes job
    doc["kernel_time"] = [{"tag": r["tag"], "gpu": r["gpu"], "workload": r["workload"], "args": r["args"],
                           "rc": r["rc"], "compute_s": r.get("compute_s"), "wall_s": r.get("wall_s"),
                           "kernel_s": gpu_worker(r, r["gpu"]).get("kernel_s"),
                           "batches": gpu_worker(r, r["gpu"]).get("batches")}
                          for r in by(kind="kernel") if not r.get("skipped")]
    # co-execution: GPU alone, OpenMP alone, both
    co = []
    for wl in dict.fromkeys(r["workload"] for r in by(kind="coexec")):
        last = lambda l: l[-1] if l else None
        omp = last(by(kind="coexec", workload=wl, set="omp"))
        for g in doc["gpus"]:
            a = last(by(kind="coexec", workload=wl, set="gpu", gpu=g))
            b = last(by(kind="coexec", workload=wl, set="both", gpu=g))
            if not (a or b):
                continue
            ra, ro, rb = rate(a), rate(omp), rate(b)
            co.append({"workload": wl, "gpu": g, "gpu_alone": brief(a), "omp_alone": brief(omp),
                       "both": brief(b), "gpu_items_per_s": ra, "omp_items_per_s": ro,
                       "both_items_per_s": rb,
                       "gpu_share_of_both": gpu_worker(b, g).get("share"),
                       "efficiency": rb / (ra + ro) if ra and ro and rb else None})
    doc["coexec"] = co
    doc["failed_runs"] = [r["tag"] for r in rows if r.get("rc") not in (0, None)]
    doc["skipped_runs"] = [r["tag"] for r in rows if r.get("skipped")]
    # a same-bits run skipped for want of time leaves the check unfinished
    doc["ok"] = bool(same) and all(s["same_as_omp"] for s in same) and not doc["failed_runs"] \
        and not any(r.get("skipped") for r in by(kind="same")) \
        and doc["known_answer_tests"]["status"] != "failed"
    doc["rows_file"] = os.path.basename(rows_file)
    doc["runs"] = rows
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)
    return doc

def cmd_final():
    doc = write_doc(True)
    say = lambda s: print("gpu-check: " + s, file=sys.stderr)
    by_gpu = {}
    for k in doc["kernel_time"]:
        by_gpu.setdefault(k["gpu"], []).append(k)
    for g, ks in by_gpu.items():
        ok = [k for k in ks if k["rc"] == 0 and k["kernel_s"] is not None]
        if ok:
            best = min(ok, key=lambda k: k["kernel_s"])
            say("kernel time %-8s %s %s: kernel %.4f s, compute %.4f s (best of %d)" % (
                g, best["workload"], best["args"], best["kernel_s"], best["compute_s"], len(ok)))
    for c in doc["coexec"]:
        f = lambda x: "%9.3g/s" % x if x else "        -"
        say("co-exec %-9s %-8s gpu %s  omp %s  both %s  efficiency %s" % (
            c["workload"], c["gpu"], f(c["gpu_items_per_s"]), f(c["omp_items_per_s"]),
            f(c["both_items_per_s"]), "%.3f" % c["efficiency"] if c["efficiency"] else "-"))
    k = doc["known_answer_tests"]
    if k["status"] == "skipped":
        say("*** device known-answer tests SKIPPED: %s ***" % k.get("why"))
    else:
        say("device known-answer tests %s%s" % (k["status"].upper(), ": " + k["summary"] if k.get("summary") else ""))
    if doc["skipped_runs"]:
        say("*** %d runs SKIPPED, the budget spent: %s ***" % (len(doc["skipped_runs"]), " ".join(doc["skipped_runs"])))
    if doc["failed_runs"]:
        say("FAILED runs: " + " ".join(doc["failed_runs"]))
    bad = [s["tag"] for s in doc["same_bits"] if not s["same_as_omp"]]
    say("%d same-bits runs, %s; results in %s (rows in %s)" % (
        len(doc["same_bits"]), "all equal to OpenMP" if not bad else "DIFFERENT: " + " ".join(bad),
        out, rows_file))
    sys.exit(0 if doc["ok"] else 1)

cmds = {"devices": cmd_devices, "build": cmd_build, "row": cmd_row, "kat": cmd_kat, "final": cmd_final}
cmds[sys.argv[1]](*sys.argv[2:])
EOF
python3 "$py" build "$work/configure.log" "$build/CMakeCache.txt" "$hetero"

# ---- the devices ----------------------------------------------------------
"$hetero" devices --format json >"$work/devices.json"
# A node whose NVIDIA driver is installed but whose ICD loader has no vendor
# file for it (containers often ship only the library): point the loader at
# one of our own, for this script's runs.
if [ "$devtype" != cpu ] && ! grep -q '"type":[[:space:]]*"gpu"' "$work/devices.json" &&
    [ -z "${OCL_ICD_VENDORS:-}" ] && ldconfig -p 2>/dev/null | grep libnvidia-opencl.so.1 >/dev/null; then
    mkdir -p "$work/icd"
    echo libnvidia-opencl.so.1 >"$work/icd/nvidia.icd"
    export OCL_ICD_VENDORS="$work/icd"
    log "no GPU through the installed ICD files; trying libnvidia-opencl.so.1 directly"
    "$hetero" devices --format json >"$work/devices.json"
fi
mapfile -t gpus < <(python3 "$py" devices "$work/devices.json" "$devtype")
# GPU_CHECK_DEVICES (ids, space-separated) overrides the choice.
if [ -n "${GPU_CHECK_DEVICES:-}" ]; then
    read -r -a gpus <<<"$GPU_CHECK_DEVICES"
fi
if [ ${#gpus[@]} -eq 0 ]; then
    log "no OpenCL device of type $devtype found; 'hetero devices' says:"
    "$hetero" devices >&2 || true
else
    log "checking ${gpus[*]} (budget ${budget} s, each run at most 60 s)"
fi

# ---- runs -------------------------------------------------------------------
run_limit=60
deadline=$((SECONDS + budget))
mkdir -p "$work/runs"
# run TAG KIND SET GPU DEVICES WORKLOAD ARGS: one capped run, its row
# recorded at once; sets got_items and got_compute (0 when it failed).
run() {
    local tag=$1 kind=$2 set=$3 gpu=$4 devices=$5 wl=$6 args=$7 rc=0 left limit t0 t1
    left=$((deadline - SECONDS))
    if [ "$left" -lt 5 ]; then
        log "$(printf '%-14s SKIPPED (budget spent) %s %s' "$tag" "$wl" "$args")"
        read -r got_items got_compute < <(python3 "$py" row "$tag" "$kind" "$set" "$gpu" "$devices" "$wl" "$args" skipped 0 0 0)
        return 1
    fi
    limit=$((left < run_limit ? left : run_limit))
    t0=$EPOCHREALTIME
    # shellcheck disable=SC2086 # args is a list of words
    timeout -k 5 "$limit" "$hetero" "$wl" $args --devices "$devices" --format json --no-progress \
        >"$work/runs/$tag.json" 2>"$work/runs/$tag.err" || rc=$?
    t1=$EPOCHREALTIME
    read -r got_items got_compute < <(python3 "$py" row "$tag" "$kind" "$set" "$gpu" "$devices" "$wl" "$args" "$rc" "$t0" "$t1" "$limit")
    log "$(printf '%-14s rc=%-3s %-14s %-9s %-36s %s s' "$tag" "$rc" "$devices" "$wl" "$args" "$got_compute")"
    [ "$rc" = 0 ] || { sed 's/^/    | /' "$work/runs/$tag.err" | tail -20 >&2; return 1; }
}

# 1. same bits (OpenMP must finish each in seconds)
if [ "$quick" = 1 ]; then
    same=("pi|--samples 2e8 --seed 7"
        "primes|--range 0:1e9"
        "primes|--range 1e15:1000000100000000"
        "primes|--nth 1e7"
        "reservoir|--paths 20000 --steps 1000 --seed 3")
else
    same=("pi|--samples 2e10 --seed 7"
        "primes|--range 0:1e10"
        "primes|--range 1e15:1000000400000000"
        "primes|--nth 1e8"
        "reservoir|--paths 200000 --steps 1000 --seed 3")
fi
n=0
for job in "${same[@]}"; do
    wl=${job%%|*} args=${job#*|}
    run "s$n.omp" same omp "" omp "$wl" "$args" || true
    for g in "${gpus[@]}"; do
        run "s$n.$g" same gpu "$g" "$g" "$wl" "$args" || true
        run "s$n.$g+omp" same both "$g" "$g,omp" "$wl" "$args" || true
    done
    n=$((n + 1))
done

# 2. device known answers (built with the tests only)
why=""
if [ ! -f "$build/CTestTestfile.cmake" ]; then
    why="tests not built, $(grep -E '^-- +tests ' "$work/configure.log" | sed 's/.*: *//')"
elif [ "$(ctest --test-dir "$build" -N -R '^unit\..*_device$' | grep -c 'Test *#')" = 0 ]; then
    why="no unit.*_device tests in $build"
elif [ $((deadline - SECONDS)) -lt 10 ]; then
    why="budget spent"
fi
if [ -n "$why" ]; then
    log "*** device known-answer tests SKIPPED: $why ***"
    python3 "$py" kat skipped "$why" "" ""
else
    rc=0
    left=$((deadline - SECONDS))
    timeout -k 5 $((left < 180 ? left : 180)) ctest --test-dir "$build" -R '^unit\..*_device$' \
        --timeout "$run_limit" --output-on-failure >"$work/kat.txt" 2>&1 || rc=$?
    tail -3 "$work/kat.txt" >&2
    python3 "$py" kat "$([ "$rc" = 0 ] && echo passed || echo failed)" "" "$rc" "$work/kat.txt"
fi

# 3. kernel time of the 10 ms job (once with --quick: a CPU device takes seconds)
repeats=(1 2 3)
if [ "$quick" = 1 ]; then repeats=(1); fi
for g in "${gpus[@]}"; do
    for i in "${repeats[@]}"; do
        run "k$i.$g" kernel gpu "$g" "$g" primes "--range 0:1e10" || true
    done
done

# 4. co-execution on jobs of about $seconds each
# job_args WORKLOAD N: the arguments of a job of about N items.  primes
# starts at 1e12, so jobs of every size sieve numbers of the same size.
job_args() {
    case $1 in
    pi) echo "--samples $2" ;;
    primes) echo "--range 1000000000000:$((1000000000000 + $2))" ;;
    reservoir) echo "--paths $(($2 / 1000 > 0 ? $2 / 1000 : 1)) --steps 1000 --seed 3" ;;
    esac
}
# the last run's items/s; is its compute time at least FRACTION of the target?
last_rate() { awk -v i="$got_items" -v t="$got_compute" 'BEGIN { printf "%.0f", i / (t > 1e-6 ? t : 1e-6) }'; }
took() { awk -v t="$got_compute" -v s="$seconds" -v f="$1" 'BEGIN { exit !(t >= f * s) }'; }
# items for $seconds at RATE
items_for() { awk -v r="$1" -v s="$seconds" 'BEGIN { n = r * s; printf "%.0f", (n < 1 ? 1 : n > 1e14 ? 1e14 : n) }'; }
# calibrate TAG SET GPU DEVICES WORKLOAD: sets rate (items/s).  Probes grow
# (at most a hundredfold a step) until one takes a fifth of the target;
# that size runs once more and the faster run counts, so a probe slowed by
# a first launch or another process does not shrink the job.
calibrate() {
    local tag=$1 set=$2 gpu=$3 devices=$4 wl=$5 n p r
    case $wl in pi) n=10000000 ;; primes) n=100000000 ;; *) n=1000000 ;; esac
    for p in 1 2 3 4 5 6; do
        run "$tag.p$p" probe "$set" "$gpu" "$devices" "$wl" "$(job_args "$wl" "$n")" || return 1
        if [ "$p" = 6 ] || took 0.2; then
            r=$(last_rate)
            run "$tag.p${p}b" probe "$set" "$gpu" "$devices" "$wl" "$(job_args "$wl" "$n")" || return 1
            rate=$(last_rate)
            if [ "$r" -gt "$rate" ]; then rate=$r; fi
            return 0
        fi
        n=$(awk -v n="$n" -v t="$got_compute" -v s="$seconds" 'BEGIN {
            g = 0.4 * s / (t > 1e-6 ? t : 1e-6); g = g < 2 ? 2 : g > 100 ? 100 : g
            n *= g; printf "%.0f", (n > 1e14 ? 1e14 : n) }')
    done
}
# timed TAG SET GPU DEVICES WORKLOAD RATE: the measured run, of about
# $seconds at RATE; when it took under half of that, once more sized from
# its own rate (the last row of a set is the one reported).  Sets rate.
timed() {
    local tag=$1 set=$2 gpu=$3 devices=$4 wl=$5
    run "$tag" coexec "$set" "$gpu" "$devices" "$wl" "$(job_args "$wl" "$(items_for "$6")")" || return 1
    rate=$(last_rate)
    if ! took 0.5; then
        run "$tag.again" coexec "$set" "$gpu" "$devices" "$wl" "$(job_args "$wl" "$(items_for "$rate")")" ||
            return 1
        rate=$(last_rate)
    fi
}
[ ${#gpus[@]} -eq 0 ] || for wl in pi primes reservoir; do
    if ! { calibrate "c.$wl.omp" omp "" omp "$wl" && timed "c.$wl.omp" omp "" omp "$wl" "$rate"; }; then
        continue
    fi
    omp_rate=$rate
    for g in "${gpus[@]}"; do
        if ! { calibrate "c.$wl.$g" gpu "$g" "$g" "$wl" && timed "c.$wl.$g" gpu "$g" "$g" "$wl" "$rate"; }; then
            continue
        fi
        timed "c.$wl.$g+omp" both "$g" "$g,omp" "$wl" "$((rate + omp_rate))" || true
    done
done

python3 "$py" final
