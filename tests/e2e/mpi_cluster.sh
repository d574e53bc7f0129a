#!/usr/bin/env bash
# mpi_cluster.sh - hetero on a cluster of three simulated hosts (cluster.sh:
# namespaces joined by a bridge, mpirun on h1 reaching h2 and h3 over TCP),
# 5 ranks placed as h1:2,h2:2,h3:1:
#   - the harness first: the 5 processes run on h1, h1, h2, h2, h3;
#   - pi, primes (a range and the n-th prime) and reservoir, one thread a
#     rank: the result and digest of a one-process run; the report lists
#     the 5 ranks on their hosts, and the grains add up;
#   - pi: every rank computes at least half its fair share of the grains
#     (but a rank the machine gave almost no CPU: its share is noise)
#     (the ranks of another host are not starved; a share by the CPU time
#     each rank got, see fair_share);
#   - h2's network cut mid-run: a line naming a lost rank of h2 and no
#     process of the job left within a minute; the same command on h1 and
#     h3 resumes from the journal with the same bits;
#   - rank 4 killed with SIGKILL: the same command on h1 and h2 resumes
#     with the same bits.
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
# grains add up to the job's (mpi_ranks.py).
same_as_one() {
    local tag=$1
    python3 "$E2E_HERE/mpi_ranks.py" "$E2E_DIR/$tag.one.json" "$E2E_DIR/$tag.json" "$NP" "$RANK_HOSTS" ||
        fail "$tag under mpirun on the cluster differs from one process (above)"
}

# fair_share TAG WORKLOAD ARGS...: the job on the cluster, each rank's CPU
# time recorded (cputime.sh); every rank computed at least half its fair
# share of the grains.  Five busy ranks on this machine's two cores do not
# get equal CPU (the hosts' processes sit in different sessions, which the
# kernel's autogroups weigh as one each), so a fair share is the rank's
# share of the CPU time the ranks used; with equal CPU it is grains / NP.
# A starved rank (the old one-sided counter left every grain to rank 0)
# uses its CPU waiting and computes nothing.  Both runs take their CPU
# seconds from cputime.sh, a wrapper around each rank.
fair_share() {
    local tag=$1
    shift
    cat >"$E2E_DIR/cputime.sh" <<'EOF'
#!/bin/bash
# cputime.sh PROGRAM ARGS...: runs it, then writes the CPU seconds it used
# (user and system) to $CPU_DIR/RANK
"$@"
rc=$?
# times: this shell's, then its children's, as 1m2.345s (not in a subshell:
# a subshell's children are not the program)
times >"$CPU_DIR/times.${OMPI_COMM_WORLD_RANK:-x}"
awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] } print t }' \
    "$CPU_DIR/times.${OMPI_COMM_WORLD_RANK:-x}" >"$CPU_DIR/${OMPI_COMM_WORLD_RANK:-x}"
exit "$rc"
EOF
    # the CPU a rank spends starting and ending (MPI, the engine), from a
    # job of one sample, is not work: it comes off
    mkdir -p "$E2E_DIR/cpu0" "$E2E_DIR/cpu"
    CLUSTER_ENV="CPU_DIR=$E2E_DIR/cpu0" run_ok "$tag.0" cluster_mpirun --host "$HOSTS" -np "$NP" \
        bash "$E2E_DIR/cputime.sh" "$HETERO" pi --samples 1 "${OPTS[@]}"
    CLUSTER_ENV="CPU_DIR=$E2E_DIR/cpu" run_ok "$tag" cluster_mpirun --host "$HOSTS" -np "$NP" \
        bash "$E2E_DIR/cputime.sh" "$HETERO" "$@" "${OPTS[@]}"
    mv "$E2E_DIR/$tag.out" "$E2E_DIR/$tag.json"
    python3 - "$E2E_DIR/$tag.json" "$NP" "$tag" "$E2E_DIR/cpu" "$E2E_DIR/cpu0" <<'PY' || fail "$tag: a rank computed under half its share of the grains"
import json, os, sys
r = json.load(open(sys.argv[1]))
np_ = int(sys.argv[2])
per_rank = [sum(w["grains"] for w in r["workers"] if w["rank"] == k) for k in range(np_)]
def cpu_of(d, k):
    return float(open(os.path.join(d, str(k))).read())
cpu = [max(cpu_of(sys.argv[4], k) - cpu_of(sys.argv[5], k), 1e-3) for k in range(np_)]
total = sum(cpu)
fair = [r["grains"] * c / total for c in cpu]
# a rank the machine gave almost no CPU (a fair share under 16 grains, a
# hundredth of a second or so when 2 cores carry 5 ranks and more) says
# nothing about the scheduler: a few grains more or less are noise there,
# while the starved rank of old spent its CPU waiting and had a big share
if any(f >= 16 and 2 * g < f for g, f in zip(per_rank, fair)):
    print(f"FAIL: {sys.argv[1]}: grains by rank {per_rank} of {r['grains']}; CPU seconds {cpu}; "
          f"fair shares {[round(f) for f in fair]}", file=sys.stderr)
    sys.exit(1)
print(f"ok  {sys.argv[3]}: grains by rank {per_rank} of {r['grains']}, for CPU seconds "
      f"{[round(c, 2) for c in cpu]}: each at least half its share")
PY
}

# start_job TAG ARGS...: the job under mpirun on the cluster in the
# background (its pid in JOB_PID), with a journal; returns once the journal
# has finished grains in it.
start_job() {
    local tag=$1
    shift

    cluster_mpirun --host "$HOSTS" -np "$NP" "$HETERO" "$@" "${OPTS[@]}" --checkpoint "$E2E_DIR/$tag.journal" \
        >"$E2E_DIR/$tag.out" 2>"$E2E_DIR/$tag.err" &
    JOB_PID=$!
    for _ in $(seq 600); do
        [ "$(stat -c %s "$E2E_DIR/$tag.journal" 2>/dev/null || echo 0)" -gt 2000 ] && return 0
        kill -0 "$JOB_PID" 2>/dev/null || {
            show "$E2E_DIR/$tag.err"
            fail "$tag: mpirun ended before the journal had grains"
        }
        sleep 0.1
    done
    fail "$tag: no finished grains in the journal after 60 s"
}

# rank_pid RANK: the process id of that rank of the running job.
rank_pid() {
    local p
    for p in $(pgrep -x hetero); do
        if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -x "OMPI_COMM_WORLD_RANK=$1" >/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# A host's network dies mid-run: within a minute rank 0 names a lost rank
# of that host, the journal holds what was done, and no process of the job
# is left computing on any host (before, they ran for eight minutes, until
# Open MPI's own keepalive gave up).  mpirun itself still waits for its
# daemon on the lost host until TCP gives up (Open MPI's, not hetero's:
# docs/cluster.md), so the test ends it.  Then the same command on the
# hosts that are left resumes with the one-process result and digest.
host_cut_ends_the_job() {
    local took left=1 h n
    # 10 s: a shorter timeout takes a rank starved of CPU on this loaded
    # machine for a lost one
    start_job cut pi --samples "$(scaled 1.2e10)" --peer-timeout 10s
    cluster_cut h2
    local t0=$SECONDS
    while [ $((SECONDS - t0)) -lt 60 ]; do
        left=0
        for h in h1 h2 h3; do
            n=$(ip netns pids "$CLUSTER_ID$h" | xargs -r ps -o comm= -p 2>/dev/null | grep -c '^hetero$' || true)
            left=$((left + n))
        done
        [ "$left" -eq 0 ] && grep -q "was lost" "$E2E_DIR/cut.err" && break
        sleep 0.5
    done
    took=$((SECONDS - t0))
    grep -qE "rank [23] \(h2\) was lost: no word from it for [0-9]+ s \(--peer-timeout\)" "$E2E_DIR/cut.err" || {
        show "$E2E_DIR/cut.err"
        fail "no line naming a lost rank of h2 within 60 s of the cut"
    }
    [ "$left" -eq 0 ] || fail "$left processes of the job still ran 60 s after h2 was cut off"
    # mpirun on h1 (SIGKILL: its own teardown waits for the lost daemon)
    ip netns pids "${CLUSTER_ID}h1" | xargs -r ps -o pid=,comm= -p | awk '$2 ~ /^(mpirun|orterun|mpiexec)$/ { print $1 }' |
        xargs -r kill -KILL
    wait "$JOB_PID" || true
    grep -q '"digest"' "$E2E_DIR/cut.out" && fail "a job that lost a host printed a result"
    echo "ok  h2 cut off mid-run: in $took s, '$(grep -m1 -o 'rank [0-9] (h2) was lost[^;]*' "$E2E_DIR/cut.err")'," \
        "and no process of the job left"
    run_ok cut cluster_mpirun --host h1:2,h3:1 -np 3 "$HETERO" pi --samples "$(scaled 1.2e10)" \
        "${OPTS[@]}" --checkpoint "$E2E_DIR/cut.journal"
    mv "$E2E_DIR/cut.out" "$E2E_DIR/cut.json"
    cp "$E2E_DIR/long.one.json" "$E2E_DIR/cut.one.json"
    NP=3 RANK_HOSTS="h1 h1 h3" same_as_one cut
    json_check "$E2E_DIR/cut.json" "r['checkpoint']['resumed_grains'] > 0"
    echo "ok  the same command on h1 and h3 resumed $(json_get "$E2E_DIR/cut.json" checkpoint.resumed_grains)" \
        "grains: the same bits"
    cluster_mend h2
}

# kill -9 of a rank, then the same command on two hosts: it resumes from
# the journal with the one-process result and digest.
killed_rank_resumes_on_two_hosts() {
    local victim rc=0
    cp "$E2E_DIR/long.one.json" "$E2E_DIR/resume.one.json"
    start_job resume pi --samples "$(scaled 1.2e10)"
    victim=$(rank_pid 4) || fail "rank 4's process (on h3) not found"
    kill -KILL "$victim"
    wait "$JOB_PID" || rc=$?
    [ "$rc" -ne 0 ] || fail "a job with a killed rank exited 0"
    grep -q '"digest"' "$E2E_DIR/resume.out" && fail "a job with a killed rank printed a result"
    run_ok resume cluster_mpirun --host h1:2,h2:2 -np 4 "$HETERO" pi --samples "$(scaled 1.2e10)" "${OPTS[@]}" \
        --checkpoint "$E2E_DIR/resume.journal"
    mv "$E2E_DIR/resume.out" "$E2E_DIR/resume.json"
    NP=4 RANK_HOSTS="h1 h1 h2 h2" same_as_one resume
    json_check "$E2E_DIR/resume.json" "r['checkpoint']['resumed_grains'] > 0"
    echo "ok  rank 4 killed with SIGKILL; the same command on h1 and h2 resumed" \
        "$(json_get "$E2E_DIR/resume.json" checkpoint.resumed_grains) grains: the same bits"
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

# agree TAG WORKLOAD ARGS...: a one-process run and a cluster run of the
# same job agree.
agree() {
    local tag=$1
    shift
    one_process "$tag" "$@"
    cluster_job "$tag" "$@"
    same_as_one "$tag"
    report "$tag" "$*"
}

cluster_up 3
check_harness
agree pi pi --samples "$(scaled 2e8)"
fair_share pi_share pi --samples "$(scaled 2e9)"
agree primes_range primes --range "0:$(scaled 2e9)"
agree primes_nth primes --nth "$(scaled 1e7)"
agree reservoir reservoir --paths "$(scaled 20000)" --steps 200
# the failure cases' job, long enough to be cut (about 15 s on 5 ranks here)
one_process long pi --samples "$(scaled 1.2e10)"
host_cut_ends_the_job
killed_rank_resumes_on_two_hosts
