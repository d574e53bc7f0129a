# shellcheck shell=bash
# cluster.sh - a cluster of simulated hosts on this one machine, for the
# end-to-end scripts that run mpirun across hosts.  Sourced after lib.sh:
#
#   # shellcheck source=lib.sh
#   . "$(dirname "$0")/lib.sh"
#   # shellcheck source=cluster.sh
#   . "$(dirname "$0")/cluster.sh"
#   need_mpi
#   cluster_skip_unless_possible
#   cluster_up 3
#   cluster_mpirun --host h1:2,h2:2,h3:1 -np 5 "$HETERO" pi ...
#
# Host hK is a network namespace (lo, and eth0 with 10.201.0.K/24), a UTS
# namespace (hostname hK) and a mount namespace in which /etc/hosts lists
# every host (so h2 resolves on each) and /sys shows its own interfaces.
# The eth0s are veth pairs whose other ends are joined by a bridge in a
# network namespace of its own: nothing is added to this machine's own
# network namespace, so no packet of the cluster can leave it.  The
# filesystem is shared, as on a cluster with a shared home: every host sees
# the same paths (and the same /tmp).  Needs root (see
# cluster_skip_unless_possible).
#
#   cluster_skip_unless_possible  one line "SKIP: <why>" and exit 77 (ctest's
#                       skip, SKIP_RETURN_CODE 77) where namespaces, veths
#                       or a bridge cannot be made here
#   cluster_up N        hosts h1..hN
#   cluster_exec H CMD...  CMD on host H (its arguments kept as they are)
#   cluster_mpirun ARGS...  mpirun on h1, the head node, with ARGS (the
#                       caller's --host, -np and program); each word of
#                       CLUSTER_ENV (NAME or NAME=VALUE) is passed with -x
#   cluster_cut H       H's eth0 goes down: H is cut off the network
#   cluster_mend H      H's processes are ended and its eth0 comes back up
#   cluster_down        ends every process left on a host and removes the
#                       hosts; idempotent, and run by the EXIT trap
#
# Every mpirun is bounded by CLUSTER_TIMEOUT seconds (60 by default: size
# jobs with lib.sh's scaled), then ended with SIGTERM (SIGKILL 5 s later):
# a job that hangs fails the script, which then still cleans up.  Keep the
# test's ctest TIMEOUT above it: ctest ends a test with SIGKILL, and after
# that nothing removes the namespaces.
#
# How mpirun reaches the other hosts: Open MPI's rsh launcher, with an agent
# ($CLUSTER_AGENT, written by cluster_up) in place of ssh.  "AGENT HOST
# WORDS..." runs the WORDS, joined by spaces, with /bin/sh -c (as ssh does)
# in HOST's namespaces (nsenter).  The environment is kept (ssh would not
# keep it): what orted needs, Open MPI puts on its command line.  One
# Open MPI daemon per host, each started by mpirun itself (no tree spawn).
# Traffic between hosts is TCP over eth0 only (btl tcp, and oob tcp for
# the daemons); ranks on one host talk through vader (shared memory).
# The namespace files of the hosts are bind mounts in this script's mount
# namespace; a mount namespace is never copied into another one with its
# namespace files, so the agent, which runs in h1's, names them through
# /proc/<this script>/root/.

CLUSTER_ID=""
CLUSTER_DIR=""
CLUSTER_AGENT=""
CLUSTER_HOSTS=()
CLUSTER_TIMEOUT=${CLUSTER_TIMEOUT:-60}
CLUSTER_ENV=${CLUSTER_ENV:-}
# the subnet of the hosts: it exists only inside the cluster's namespaces
CLUSTER_NET=10.201.0

# The cluster is removed before lib.sh's EXIT trap removes the scratch
# folder (the namespace files are mounted in it).
cluster_chain_exit_trap() {
    local prev
    local -a words=()
    # "trap -- 'CMD' EXIT", quoted for the shell to read back
    prev=$(trap -p EXIT)
    eval "words=($prev)"
    # A second signal (timeout(1) signals its child, then the child's
    # process group) would end the cleanup half-way: ignored from here on,
    # by the cleanup's own commands too.
    # shellcheck disable=SC2064 # the earlier trap's text, now
    trap "trap '' INT TERM HUP; cluster_down; ${words[2]:-}" EXIT
}
cluster_chain_exit_trap

# cluster_skip_unless_possible: exits 77 with one line "SKIP: <why>" where
# this machine or this user cannot make the cluster.
cluster_skip_unless_possible() {
    local c probe err="$E2E_DIR/cluster-probe.err"
    [ "$(id -u)" -eq 0 ] || cluster_skip "network namespaces need root"
    # the harness drives Open MPI's rsh launcher (MPICH's hydra has its own)
    grep -qE "Open MPI|OpenRTE" <<<"$("${MPI[0]:-mpirun}" --version 2>/dev/null || true)" ||
        cluster_skip "the simulated cluster is written for Open MPI's mpirun, not ${MPI[0]:-mpirun}"
    for c in ip unshare nsenter mount umount timeout; do
        command -v "$c" >/dev/null || cluster_skip "no '$c' command"
    done
    unshare --net --uts --mount true 2>"$err" ||
        cluster_skip "unshare --net --uts --mount: $(head -n 1 "$err")"
    probe="het$$probe"
    ip netns add "$probe" 2>"$err" || cluster_skip "ip netns add: $(head -n 1 "$err")"
    local why=""
    ip -n "$probe" link add br0 type bridge 2>"$err" ||
        why="no bridge: $(head -n 1 "$err")"
    [ -n "$why" ] || ip -n "$probe" link add v0 type veth peer name v1 2>"$err" ||
        why="no veth: $(head -n 1 "$err")"
    ip netns del "$probe" 2>/dev/null || true
    [ -z "$why" ] || cluster_skip "$why"
    rm -f "$err"
}

cluster_skip() {
    echo "SKIP: $*"
    exit 77
}

# cluster_up N: hosts h1..hN, each with its loopback up and eth0 on the
# bridge.  Fails (lib.sh's fail) when any step does.
cluster_up() {
    local n=$1 k h ns err
    [ -z "$CLUSTER_ID" ] || fail "cluster_up: a cluster is up already"
    [[ "$n" =~ ^[1-9][0-9]?$ ]] || fail "cluster_up: '$n' hosts (1 to 99)"
    # A name of its own per run (the script's process id), another if a run
    # killed with SIGKILL left one with that id.
    CLUSTER_ID="het$$"
    while [ -n "$(cluster_netns)" ]; do
        CLUSTER_ID="het$$x$RANDOM"
    done
    CLUSTER_DIR="$E2E_DIR/cluster"
    err="$CLUSTER_DIR/up.err"
    mkdir -p "$CLUSTER_DIR/ns"
    CLUSTER_HOSTS=()
    for ((k = 1; k <= n; k++)); do
        CLUSTER_HOSTS+=("h$k")
    done

    # the network: a bridge in its own namespace, a veth pair per host
    cluster_run ip netns add "${CLUSTER_ID}br"
    cluster_run ip -n "${CLUSTER_ID}br" link set lo up
    cluster_run ip -n "${CLUSTER_ID}br" link add br0 type bridge
    cluster_run ip -n "${CLUSTER_ID}br" link set br0 up
    echo "127.0.0.1 localhost" >"$CLUSTER_DIR/hosts"
    k=0
    for h in "${CLUSTER_HOSTS[@]}"; do
        k=$((k + 1))
        ns="$CLUSTER_ID$h"
        cluster_run ip netns add "$ns"
        cluster_run ip -n "$ns" link set lo up
        cluster_run ip -n "${CLUSTER_ID}br" link add "$h" type veth peer name eth0 netns "$ns"
        cluster_run ip -n "${CLUSTER_ID}br" link set "$h" master br0 up
        cluster_run ip -n "$ns" addr add "$CLUSTER_NET.$k/24" dev eth0
        cluster_run ip -n "$ns" link set eth0 up
        echo "$CLUSTER_NET.$k $h" >>"$CLUSTER_DIR/hosts"
    done

    # UTS and mount namespaces that outlive their first process: bound on
    # files (unshare --uts=FILE --mount=FILE) in a folder of private
    # propagation, as unshare(1) requires of a mount namespace's file
    cluster_run mount --bind "$CLUSTER_DIR/ns" "$CLUSTER_DIR/ns"
    cluster_run mount --make-private "$CLUSTER_DIR/ns"
    for h in "${CLUSTER_HOSTS[@]}"; do
        touch "$CLUSTER_DIR/ns/$h.uts" "$CLUSTER_DIR/ns/$h.mnt"
        cluster_run unshare --uts="$CLUSTER_DIR/ns/$h.uts" hostname "$h"
        # shellcheck disable=SC2016 # expanded by that sh
        cluster_run nsenter --net="/run/netns/$CLUSTER_ID$h" --uts="$CLUSTER_DIR/ns/$h.uts" \
            unshare --mount="$CLUSTER_DIR/ns/$h.mnt" --propagation private \
            sh -c 'mount --bind "$1" /etc/hosts && umount -l /sys && mount -t sysfs sysfs /sys' \
            sh "$CLUSTER_DIR/hosts"
    done

    CLUSTER_AGENT="$CLUSTER_DIR/agent"
    cat >"$CLUSTER_AGENT" <<EOF
#!/bin/sh
# agent HOST WORDS...: Open MPI's rsh agent for the simulated cluster (see
# tests/e2e/cluster.sh): runs the WORDS with sh -c in HOST's namespaces.
set -eu
host=\$1
shift
r=/proc/$$/root
exec nsenter --net="\$r/run/netns/$CLUSTER_ID\$host" --uts="\$r$CLUSTER_DIR/ns/\$host.uts" \\
    --mount="\$r$CLUSTER_DIR/ns/\$host.mnt" -- /bin/sh -c "\$*"
EOF
    chmod +x "$CLUSTER_AGENT"
    rm -f "$err"
}

# cluster_run CMD...: CMD must succeed (cluster_up's steps); stderr in $err.
cluster_run() {
    "$@" 2>"$err" || fail "cluster_up: '$*' failed: $(cat "$err")"
}

# The network namespaces of this cluster, one per line.
cluster_netns() {
    [ -n "$CLUSTER_ID" ] || return 0
    ip netns list 2>/dev/null | awk -v p="$CLUSTER_ID" '{ n = $1 } n == p "br" || (index(n, p "h") == 1 && substr(n, length(p) + 2) ~ /^[0-9]+$/) { print n }'
}

# cluster_exec HOST CMD...: runs CMD in HOST's namespaces, in this
# directory, its arguments as they are.
cluster_exec() {
    local h=$1
    shift
    [ -f "$CLUSTER_DIR/ns/$h.mnt" ] || fail "cluster_exec: no host '$h'"
    nsenter --net="/run/netns/$CLUSTER_ID$h" --uts="$CLUSTER_DIR/ns/$h.uts" \
        --mount="$CLUSTER_DIR/ns/$h.mnt" --wd="$PWD" -- "$@"
}

# cluster_mpirun ARGS...: mpirun on h1 with the cluster's options and ARGS;
# its exit status is mpirun's (124 when CLUSTER_TIMEOUT ended it).
cluster_mpirun() {
    local -a cmd=("${MPI[@]}") env=()
    local v
    [ ${#cmd[@]} -gt 0 ] || cmd=(mpirun)
    cluster_has_word --oversubscribe "${cmd[@]}" || cmd+=(--oversubscribe)
    if [ "$(id -u)" -eq 0 ] && ! cluster_has_word --allow-run-as-root "${cmd[@]}"; then
        cmd+=(--allow-run-as-root)
    fi
    for v in $CLUSTER_ENV; do
        env+=(-x "$v")
    done
    cluster_exec h1 timeout -k 5 "$CLUSTER_TIMEOUT" "${cmd[@]}" \
        --mca plm_rsh_agent "$CLUSTER_AGENT" --mca plm_rsh_no_tree_spawn 1 \
        --mca btl tcp,self,vader --mca btl_tcp_if_include eth0 --mca oob_tcp_if_include eth0 \
        ${env[@]+"${env[@]}"} "$@"
}

cluster_has_word() {
    local w=$1 x
    shift
    for x in "$@"; do
        [ "$x" != "$w" ] || return 0
    done
    return 1
}

# cluster_mend HOST: what is left on HOST is ended and its eth0 comes back
# up, as if the host was rebooted.
cluster_mend() {
    local pids
    pids=$(ip netns pids "$CLUSTER_ID$1") || fail "cluster_mend: no host '$1'"
    # shellcheck disable=SC2086 # one id a word
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    ip -n "$CLUSTER_ID$1" link set eth0 up || fail "cluster_mend: no host '$1'"
}

# cluster_cut HOST: HOST's eth0 goes down, as if its network died.
cluster_cut() {
    ip -n "$CLUSTER_ID$1" link set eth0 down || fail "cluster_cut: no host '$1'"
}

# cluster_down: kills every process left in the cluster's network
# namespaces, removes the namespaces (the bridge and veths with them) and
# unmounts the hosts' UTS and mount namespaces.  Safe to call again, and
# where cluster_up failed half-way.
cluster_down() {
    [ -n "$CLUSTER_ID" ] || return 0
    local ns pids tries f
    for ns in $(cluster_netns); do
        for ((tries = 0; tries < 50; tries++)); do
            pids=$(ip netns pids "$ns" 2>/dev/null) || break
            [ -n "$pids" ] || break
            # shellcheck disable=SC2086 # one id a word
            kill -KILL $pids 2>/dev/null || true
            sleep 0.1
        done
        ip netns del "$ns" 2>/dev/null || true
    done
    if [ -n "$CLUSTER_DIR" ] && [ -d "$CLUSTER_DIR/ns" ]; then
        for f in "$CLUSTER_DIR"/ns/*.uts "$CLUSTER_DIR"/ns/*.mnt; do
            [ -e "$f" ] || continue
            while mountpoint -q "$f"; do umount "$f" 2>/dev/null || break; done
        done
        while mountpoint -q "$CLUSTER_DIR/ns"; do umount "$CLUSTER_DIR/ns" 2>/dev/null || break; done
    fi
    [ -n "$(cluster_netns)" ] || CLUSTER_ID=""
}
