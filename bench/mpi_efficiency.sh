#!/usr/bin/env bash
# Parallel efficiency of MPI ranks on one machine, side by side:
# one process with one OpenMP thread against `mpirun -np R` with one thread
# per rank, on the same pi job, alternating, REPEATS times each.
#   bench/mpi_efficiency.sh [SAMPLES] [RANKS] [REPEATS]
# Prints the job's wall time (the report's phases.wall: discovery to merge,
# without mpirun's own start-up) for each run, the medians, the efficiency
# T1 / (R x TR) and the report's load-balance efficiency.
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-1.2e10}
ranks=${2:-2}
repeats=${3:-3}
hetero=${HETERO:-build/hetero}
mpirun=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpirun+=(--allow-run-as-root)

field() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
one=() many=() bal=()
for i in $(seq "$repeats"); do
  "$hetero" pi --samples "$samples" --devices omp --threads 1 --format json --no-progress > "$tmp/one.json"
  "${mpirun[@]}" -np "$ranks" "$hetero" pi --samples "$samples" --devices omp --threads 1 \
      --format json --no-progress > "$tmp/many.json"
  [ "$(field "$tmp/one.json" 'd["digest"]')" = "$(field "$tmp/many.json" 'd["digest"]')" ] \
    || { echo "digest mismatch between 1 process and -np $ranks" >&2; exit 1; }
  one+=("$(field "$tmp/one.json" 'd["phases"]["wall"]')")
  many+=("$(field "$tmp/many.json" 'd["phases"]["wall"]')")
  bal+=("$(field "$tmp/many.json" 'd["balance"]')")
  echo "run $i: 1 process ${one[-1]} s, -np $ranks ${many[-1]} s, balance ${bal[-1]}"
done
python3 - "$ranks" "${one[*]}" "${many[*]}" "${bal[*]}" <<'PY'
import statistics, sys
r = int(sys.argv[1])
one = [float(x) for x in sys.argv[2].split()]
many = [float(x) for x in sys.argv[3].split()]
bal = [float(x) for x in sys.argv[4].split()]
t1, tr = statistics.median(one), statistics.median(many)
print(f"median: 1 process {t1:.3f} s, -np {r} {tr:.3f} s; "
      f"parallel efficiency {t1 / (r * tr):.3f}; load balance (median) {statistics.median(bal):.3f}")
PY
