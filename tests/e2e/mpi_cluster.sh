#!/usr/bin/env bash
# mpi_cluster.sh - hetero on a cluster of three simulated hosts (cluster.sh:
# namespaces joined by a bridge, mpirun on h1 reaching h2 and h3 over TCP),
# 5 ranks placed as h1:2,h2:2,h3:1:
#   - the harness first: the 5 processes run on h1, h1, h2, h2, h3;
#   - pi, primes (a range and the n-th prime) and reservoir, one thread a
#     rank: the result and digest of a one-process run; the report lists
#     the 5 ranks on their hosts, and the grains add up;
#   - pi: every rank computes at least half its fair share of the grains
#     (the ranks of another host are not starved).
# Skips (exit 77, "SKIP: ...") where the namespaces cannot be made (not
# root).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=cluster.sh
. "$(dirname "$0")/cluster.sh"
need_mpi
cluster_skip_unless_possible

# Where the ranks run: mpirun's --host and -np, and the host of each rank in
# rank order.  A case may set its own for one call (HOSTS=h1:1,h3:1 NP=2
# RANK_HOSTS="h1 h3" cluster_job ...).
HOSTS=h1:2,h2:2,h3:1
NP=5
RANK_HOSTS="h1 h1 h2 h2 h3"
OPTS=(--devices omp --threads 1 --format json --no-progress)

# one_process TAG WORKLOAD ARGS...: the reference, one process outside the
# cluster, its report in $E2E_DIR/TAG.one.json.
one_process() {
    local tag=$1
    shift
    run_ok "$tag.one" "$HETERO" "$@" "${OPTS[@]}"
    mv "$E2E_DIR/$tag.one.out" "$E2E_DIR/$tag.one.json"
}

# cluster_job TAG WORKLOAD ARGS...: the job under mpirun on the cluster
# ($HOSTS, $NP), which must succeed; its report in $E2E_DIR/TAG.json, the
# seconds mpirun took in JOB_S.
cluster_job() {
    local tag=$1 t0
    shift
    t0=$(date +%s.%N)
    run_ok "$tag" cluster_mpirun --host "$HOSTS" -np "$NP" "$HETERO" "$@" "${OPTS[@]}"
    JOB_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    mv "$E2E_DIR/$tag.out" "$E2E_DIR/$tag.json"
}

# same_as_one TAG: TAG.json has the result and digest of TAG.one.json, lists
# ranks 0..NP-1 on RANK_HOSTS, each with a worker row, and its workers'
# grains add up to the job's.
same_as_one() {
    local tag=$1
    python3 - "$E2E_DIR/$tag.one.json" "$E2E_DIR/$tag.json" "$NP" "$RANK_HOSTS" <<'PY' ||
import json, sys
one = json.load(open(sys.argv[1]))
many = json.load(open(sys.argv[2]))
np_, hosts = int(sys.argv[3]), sys.argv[4].split()
bad = []
if many["result"] != one["result"]:
    bad.append(f"result {many['result']}, one process: {one['result']}")
if many["digest"] != one["digest"]:
    bad.append(f"digest {many['digest']}, one process: {one['digest']}")
ranks = sorted(many["ranks"], key=lambda r: r["rank"])
if [r["rank"] for r in ranks] != list(range(np_)):
    bad.append(f"ranks listed: {[r['rank'] for r in ranks]}, expected 0..{np_ - 1}")
elif [r["host"] for r in ranks] != hosts:
    bad.append(f"hosts by rank: {[r['host'] for r in ranks]}, expected {hosts}")
if sorted({w["rank"] for w in many["workers"]}) != list(range(np_)):
    bad.append("a rank has no worker row")
if sum(w["grains"] for w in many["workers"]) != many["grains"]:
    bad.append(f"workers' grains add up to {sum(w['grains'] for w in many['workers'])}, not {many['grains']}")
for b in bad:
    print(f"FAIL: {sys.argv[2]}: {b}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
        fail "$tag under mpirun on the cluster differs from one process (above)"
}

# fair_share TAG: in TAG.json every rank computed at least half of its fair
# share (grains / NP) of the grains.
fair_share() {
    local tag=$1
    python3 - "$E2E_DIR/$tag.json" "$NP" "$tag" <<'PY' || fail "$tag: a rank computed under half its share of the grains"
import json, sys
r = json.load(open(sys.argv[1]))
np_ = int(sys.argv[2])
per_rank = [sum(w["grains"] for w in r["workers"] if w["rank"] == k) for k in range(np_)]
if any(2 * g * np_ < r["grains"] for g in per_rank):
    print(f"FAIL: {sys.argv[1]}: grains by rank {per_rank} of {r['grains']}; "
          f"half a fair share is {r['grains'] / np_ / 2:.1f}", file=sys.stderr)
    sys.exit(1)
print(f"ok  {sys.argv[3]}: grains by rank {per_rank}, each at least half of {r['grains']}/{np_}")
PY
}

# report TAG WORKLOAD: one line on how TAG went.
report() {
    local tag=$1 what=$2 g wall compute
    read -r g wall compute < <(json_get "$E2E_DIR/$tag.json" grains phases.wall phases.compute | paste -sd ' ')
    printf 'ok  %s: result and digest of one process; ranks on %s; %s grains; wall %.2f s (compute %.2f s), mpirun %s s\n' \
        "$what" "$RANK_HOSTS" "$g" "$wall" "$compute" "$JOB_S"
}

# check_harness: mpirun on h1 starts NP processes on the hosts of HOSTS.
check_harness() {
    local got
    run_ok harness cluster_mpirun --host "$HOSTS" -np "$NP" uname -n
    got=$(sort "$E2E_DIR/harness.out" | paste -sd ' ')
    [ "$got" = "$(printf '%s\n' "$RANK_HOSTS" | tr ' ' '\n' | sort | paste -sd ' ')" ] ||
        fail "the cluster's processes ran on '$got', expected $RANK_HOSTS"
    echo "ok  harness: $NP processes on $got"
}

# same_bits TAG WORKLOAD ARGS...: a one-process run and a cluster run of the
# same job agree.
same_bits() {
    local tag=$1
    shift
    one_process "$tag" "$@"
    cluster_job "$tag" "$@"
    same_as_one "$tag"
    report "$tag" "$*"
}

cluster_up 3
check_harness
same_bits pi pi --samples "$(scaled 2e8)"
fair_share pi
same_bits primes_range primes --range "0:$(scaled 2e9)"
same_bits primes_nth primes --nth "$(scaled 1e7)"
same_bits reservoir reservoir --paths "$(scaled 20000)" --steps 200
