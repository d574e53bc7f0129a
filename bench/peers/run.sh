#!/usr/bin/env bash
# run.sh - hetero beside the plain programs a user would otherwise reach
# for, on the same machine, one after another:
#
#   pi         bench/peers/pi_scalar.c (a scalar C loop over Random123's
#              Philox, the same stream: the hit counts must agree)
#              vs hetero pi on one thread, all threads, and OpenCL (cl)
#   primes     primesieve (Debian's primesieve-bin), one thread and all
#              vs hetero primes on one thread and all threads (the counts
#              must agree)
#   reservoir  bench/peers/reservoir_numba.py (numba), one thread and all
#              vs hetero reservoir on one thread and all threads (another
#              random stream: the statistics agree only to sampling error)
#
# Each program runs --runs times (default 3); the table shows the median.
# Times are each program's own compute time: pi_scalar's loop, primesieve's
# --time, numba's timed call after its compiling warm-up, and hetero's
# compute phase (the report's phases.compute).  It builds nothing: run it
# after the build, from anywhere.
#
#   bench/peers/run.sh [--quick] [--runs N] [--build DIR]
#
# Prints a markdown table.  Exit status 1 when an exact answer differs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build"
runs=3
quick=0
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --runs|--build)
            [ $# -ge 2 ] || { echo "run.sh: $1: expected a value (--runs N, --build DIR)" >&2; exit 2; }
            if [ "$1" = --runs ]; then runs=$2; else build=$2; fi
            shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option '$1' (expected --quick, --runs N, --build DIR)" >&2; exit 2 ;;
    esac
    shift
done
case $runs in ''|*[!0-9]*|0) echo "run.sh: --runs: expected a whole number >= 1, got '$runs'" >&2; exit 2 ;; esac

hetero="$build/hetero"
[ -x "$hetero" ] || { echo "run.sh: $hetero not found: build first (cmake --build build)" >&2; exit 2; }

# Job sizes: a few seconds per run of the slowest program here (2 cores).
if [ "$quick" = 1 ]; then
    pi_n=1e8 primes_n=1e9 res_paths=20000
else
    pi_n=1e9 primes_n=1e10 res_paths=200000
fi
res_steps=1000
threads=$(nproc)

# numba lives in Debian's python; a python3 earlier on PATH may lack it.
py=python3
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import numba' 2>/dev/null; then py=$p; break; fi
done

workloads=$("$hetero" --help | awk '/^commands:/ {on = 1; next} on && /^$/ {exit} on {print $1}')
has_workload() { grep -qx "$1" <<<"$workloads"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
rows=()   # "workload|program|threads|items|seconds|answer"

note() { echo "run.sh: $*" >&2; }

# median of the numbers on stdin
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# hetero_runs WORKLOAD LABEL THREADS ANSWER_FIELD ARGS...: runs hetero
# --runs times, adds a row: median compute time, items, the answer field.
hetero_runs() {
    local wl=$1 label=$2 th=$3 field=$4
    shift 4
    local i
    : >"$tmp/t"
    for ((i = 0; i < runs; i++)); do
        "$hetero" "$wl" "$@" --format json --no-progress --quiet >"$tmp/h.json"
        "$py" - "$tmp/h.json" "$field" >>"$tmp/t" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["phases"]["compute"], d["items"], d["result"][sys.argv[2]])
PY
    done
    local s
    s=$(cut -d' ' -f1 "$tmp/t" | median)
    rows+=("$wl|$label|$th|$(head -1 "$tmp/t" | cut -d' ' -f2)|$s|$(head -1 "$tmp/t" | cut -d' ' -f3)")
}

# ---- pi ---------------------------------------------------------------------
pi_scalar="$build/pi_scalar"
if [ -x "$pi_scalar" ]; then
    note "pi: pi_scalar $pi_n x $runs"
    : >"$tmp/t"
    for ((i = 0; i < runs; i++)); do
        "$pi_scalar" "$pi_n" 0 >>"$tmp/t"   # hits N seconds rate
    done
    rows+=("pi|pi_scalar (scalar C Philox loop)|1|$(head -1 "$tmp/t" | cut -d' ' -f2)|$(cut -d' ' -f3 "$tmp/t" | median)|$(head -1 "$tmp/t" | cut -d' ' -f1)")
else
    note "pi: $pi_scalar not built: the scalar peer is skipped"
fi
note "pi: hetero x $runs (1 thread, $threads threads, cl)"
hetero_runs pi "hetero pi --devices omp --threads 1" 1 hits --samples "$pi_n" --devices omp --threads 1
hetero_runs pi "hetero pi --devices omp --threads $threads" "$threads" hits --samples "$pi_n" --devices omp --threads "$threads"
have_cl=0
if "$hetero" devices --format json | "$py" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["opencl"] else 1)'; then
    have_cl=1
    hetero_runs pi "hetero pi --devices cl" - hits --samples "$pi_n" --devices cl
else
    note "pi: no OpenCL device: the cl row is skipped"
fi

# ---- primes -----------------------------------------------------------------
if ! has_workload primes; then
    note "primes: this hetero has no primes workload yet: skipped"
else
    if command -v primesieve >/dev/null; then
        for th in 1 "$threads"; do
            note "primes: primesieve $primes_n -t$th x $runs"
            : >"$tmp/t"
            for ((i = 0; i < runs; i++)); do
                # primesieve counts [0, STOP]; STOP = 10^k is not prime, so
                # it is hetero's [0, STOP)
                primesieve "$primes_n" -c -t"$th" --time --no-status >"$tmp/p.out"
                echo "$(awk '/^Seconds:/ {print $2}' "$tmp/p.out") $(awk '/^Primes:/ {print $2}' "$tmp/p.out")" >>"$tmp/t"
            done
            n=$("$py" -c "print(int(float('$primes_n')))")
            rows+=("primes|primesieve -t$th|$th|$n|$(cut -d' ' -f1 "$tmp/t" | median)|$(head -1 "$tmp/t" | cut -d' ' -f2)")
        done
    else
        note "primes: primesieve not installed (Debian: primesieve-bin): the peer is skipped"
    fi
    note "primes: hetero x $runs (1 thread, $threads threads)"
    hetero_runs primes "hetero primes --devices omp --threads 1" 1 count --range "0:$primes_n" --devices omp --threads 1
    hetero_runs primes "hetero primes --devices omp --threads $threads" "$threads" count --range "0:$primes_n" --devices omp --threads "$threads"
    if [ "$have_cl" = 1 ]; then
        hetero_runs primes "hetero primes --devices cl" - count --range "0:$primes_n" --devices cl
    fi
fi

# ---- reservoir --------------------------------------------------------------
if ! has_workload reservoir; then
    note "reservoir: this hetero has no reservoir workload yet: skipped"
else
    peer="$here/reservoir_numba.py"
    if [ ! -f "$peer" ]; then
        note "reservoir: $peer not there yet: the numba peer is skipped"
    elif ! "$py" -c 'import numba' 2>/dev/null; then
        note "reservoir: numba not installed (Debian: python3-numba): the numba peer is skipped"
    else
        for th in 1 "$threads"; do
            note "reservoir: numba, $th thread(s) x $runs (each compiles first, untimed)"
            : >"$tmp/t"
            for ((i = 0; i < runs; i++)); do
                NUMBA_NUM_THREADS=$th "$py" "$peer" --paths "$res_paths" --steps "$res_steps" --repeat 1 >"$tmp/n.json"
                "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["seconds"], d["paths"]*d["steps"], d["mean_storage"])' "$tmp/n.json" >>"$tmp/t"
            done
            rows+=("reservoir|reservoir_numba.py (numba, NUMBA_NUM_THREADS=$th)|$th|$(head -1 "$tmp/t" | cut -d' ' -f2)|$(cut -d' ' -f1 "$tmp/t" | median)|$(head -1 "$tmp/t" | cut -d' ' -f3)")
        done
    fi
    note "reservoir: hetero x $runs (1 thread, $threads threads)"
    hetero_runs reservoir "hetero reservoir --devices omp --threads 1" 1 mean_storage --paths "$res_paths" --steps "$res_steps" --devices omp --threads 1
    hetero_runs reservoir "hetero reservoir --devices omp --threads $threads" "$threads" mean_storage --paths "$res_paths" --steps "$res_steps" --devices omp --threads "$threads"
fi

# ---- the table --------------------------------------------------------------
# ratio: items/s over the first row of the same workload (the plain peer
# when it ran).  Exact answers (pi hits, prime counts) must all agree.
printf '%s\n' "${rows[@]}" >"$tmp/rows"
"$py" - "$tmp/rows" "$runs" "$(nproc)" "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" <<'PY' || status=1
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
runs, cores, cpu = sys.argv[2], sys.argv[3], sys.argv[4]

def si(v):
    for unit in ("", "k", "M", "G", "T"):
        if abs(v) < 1000:
            return f"{v:.3g}{unit}"
        v /= 1000
    return f"{v:.3g}P"

print(f"Peers on {cpu} ({cores} cores), median of {runs} runs; time = each program's own compute time.\n")
print("| workload | program | threads | items | time (s) | items/s | vs first row | answer |")
print("|---|---|---|---|---|---|---|---|")
first = {}
answers = {}
bad = []
for wl, prog, th, items, secs, answer in rows:
    rate = float(items) / float(secs) if float(secs) > 0 else float("nan")
    first.setdefault(wl, rate)
    print(f"| {wl} | {prog} | {th} | {si(float(items))} | {float(secs):.3f} | {si(rate)} | "
          f"{rate / first[wl]:.2f}x | {answer} |")
    if wl in ("pi", "primes"):   # exact answers: every program must agree
        answers.setdefault(wl, answer)
        if answer != answers[wl]:
            bad.append(f"{wl}: {prog} gives {answer}, the first row {answers[wl]}")
print("\nreservoir: numba uses its own random stream, so its mean storage agrees with hetero's only to sampling error.")
for b in bad:
    print(f"MISMATCH: {b}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
exit $status
