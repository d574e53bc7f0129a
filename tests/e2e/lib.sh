# shellcheck shell=bash
# lib.sh - what every end-to-end script shares.  Each script starts:
#
#   #!/usr/bin/env bash
#   # NAME.sh - what it checks, in a few lines.
#   # shellcheck source=lib.sh
#   . "$(dirname "$0")/lib.sh"
#
# and then runs with:
#   - set -Eeuo pipefail: a command that fails where nothing checks it fails
#     the script, with a line naming the command and where it was (an ERR
#     trap), so a test never passes by ignoring an error;
#   - E2E_DIR: a scratch folder of its own (under E2E_TMP, which het_e2e in
#     tests/CMakeLists.txt sets), removed when the script ends, by failure
#     or signal too;
#   - HETERO (required), HETERO_BENCH (may be empty), THREADS (the OpenMP
#     team to ask for where any team above one thread will do: E2E_THREADS,
#     2 by default, 1 in a ThreadSanitizer build), MPI (the MPI launcher and
#     its options, an array, from MPIRUN; empty without MPI), SLOW (E2E_SLOW:
#     about how many times slower than Release this build computes, 1 by
#     default, 8 in a sanitizer or Debug build; see scaled);
#   - E2E_HERE: the folder of these scripts, and of the Python files they
#     run (same_bits.py, the checks of a script too long for a heredoc);
#   - fail, show, lines; run_ok; expect_bad_input (exit 2, one line naming
#     the option: the one bad-input check); expect_failure (exit 1, a last
#     line "<prog>: error: ..."); json_get, json_check; same_bits (contract
#     1: runs of one job give the same result and digest); opencl_ids;
#     need_mpi; scaled.
# Every helper fails the script (exit 1, with a line "FAIL: ..." that says
# what and why) instead of returning an error.
set -Eeuo pipefail

# An unchecked failure: say which command, and where (the call stack), once
# (not again from each enclosing subshell).
e2e_on_error() {
    local rc=$1 cmd=${2%%$'\n'*} i
    [ "$BASH_SUBSHELL" -eq 0 ] || return 0
    [ "$cmd" = "$2" ] || cmd="$cmd ..."
    echo "FAIL: '$cmd' exited $rc, and nothing checked it:" >&2
    for ((i = 1; i <${#FUNCNAME[@]}; i++)); do
        echo "    at ${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]} (${FUNCNAME[i]})" >&2
    done
}
trap 'e2e_on_error $? "$BASH_COMMAND"' ERR

: "${HETERO:?HETERO must name the hetero binary}"
# absolute: a script may cd
E2E_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HETERO_BENCH=${HETERO_BENCH:-}
# shellcheck disable=SC2034 # for the scripts that source this file
THREADS=${E2E_THREADS:-2}
SLOW=${E2E_SLOW:-1}
read -r -a MPI <<<"${MPIRUN:-}"
mkdir -p "${E2E_TMP:-/tmp}"
E2E_DIR=$(mktemp -d "${E2E_TMP:-/tmp}/$(basename "$0" .sh).XXXXXX")
trap 'rm -rf "$E2E_DIR"' EXIT
# A signal ends the script through its EXIT trap (the folder is removed).
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Shows a file's contents indented, for failure messages.
show() {
    sed 's/^/    | /' "$1" >&2
}

# Lines in a file, counting a last line without a newline.
lines() {
    awk 'END { print NR }' "$1"
}

# run_ok TAG CMD...: runs CMD with stdout in $E2E_DIR/TAG.out and stderr in
# $E2E_DIR/TAG.err; fails unless it exits 0.
run_ok() {
    local tag=$1
    shift
    local rc=0
    "$@" >"$E2E_DIR/$tag.out" 2>"$E2E_DIR/$tag.err" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: '$*' exited $rc, expected 0; stderr:" >&2
        show "$E2E_DIR/$tag.err"
        exit 1
    fi
}

# expect_bad_input WHAT CMD...: CMD must exit 2, print nothing on stdout and
# exactly one line on stderr, and that line must contain WHAT (the option
# or command at fault, a fixed string).  The line is left in
# $E2E_DIR/bad.err.  BAD_INPUT_IGNORE, when set, is a regular expression:
# stderr lines that match it are not ours (libgomp's own complaint about
# OMP_NUM_THREADS) and are dropped before the check.
expect_bad_input() {
    local what=$1
    shift
    local out="$E2E_DIR/bad.out" err="$E2E_DIR/bad.err" rc=0
    "$@" >"$out" 2>"$err" || rc=$?
    if [ -n "${BAD_INPUT_IGNORE:-}" ]; then
        cp "$err" "$E2E_DIR/bad.all"
        grep -vE -e "$BAD_INPUT_IGNORE" -e '^$' "$E2E_DIR/bad.all" >"$err" || true
    fi
    local why=""
    [ "$rc" -eq 2 ] || why="exit status $rc, expected 2"
    [ -z "$why" ] && [ -s "$out" ] && why="stdout is not empty"
    [ -z "$why" ] && [ "$(lines "$err")" -ne 1 ] && why="$(lines "$err") lines on stderr, expected 1"
    [ -z "$why" ] && ! grep -qF -- "$what" "$err" && why="stderr does not name '$what'"
    if [ -n "$why" ]; then
        echo "FAIL: '$*': $why" >&2
        [ -s "$out" ] && { echo "  stdout:" >&2; show "$out"; }
        echo "  stderr:" >&2
        show "$err"
        exit 1
    fi
    echo "ok  exit 2, one line: $(cat "$err")"
}

# expect_failure WHAT CMD...: CMD must exit 1 (a run-time failure) with
# nothing on stdout and a last line on stderr "<prog>: error: ..." that
# contains WHAT (the option, file or stream that failed).  STDOUT_TO, when
# set, is where CMD's stdout goes instead (e.g. /dev/full); stdout is then
# not checked.
expect_failure() {
    local what=$1
    shift
    local out="$E2E_DIR/fail.out" err="$E2E_DIR/fail.err" rc=0
    "$@" >"${STDOUT_TO:-$out}" 2>"$err" || rc=$?
    local why="" last
    last=$(tail -n 1 "$err")
    [ "$rc" -eq 1 ] || why="exit status $rc, expected 1"
    [ -z "$why" ] && [ -z "${STDOUT_TO:-}" ] && [ -s "$out" ] && why="stdout is not empty"
    [ -z "$why" ] && ! printf '%s\n' "$last" | grep -qE '^[a-z-]+: error: ' && why="last line is not '<prog>: error: ...'"
    [ -z "$why" ] && ! printf '%s\n' "$last" | grep -qF -- "$what" && why="the error does not name '$what'"
    if [ -n "$why" ]; then
        echo "FAIL: '$*'${STDOUT_TO:+ >$STDOUT_TO}: $why" >&2
        [ -z "${STDOUT_TO:-}" ] && [ -s "$out" ] && { echo "  stdout:" >&2; show "$out"; }
        echo "  stderr:" >&2
        show "$err"
        exit 1
    fi
    echo "ok  exit 1: $last"
}

# json_get FILE PATH...: prints the value at each dotted PATH
# ("result.hits", "workers.0.id"), one per line.  Integers come out exactly
# (Python's JSON integers are unbounded), strings bare.
json_get() {
    python3 - "$@" <<'EOF' || fail "json_get $*"
import json, sys
with open(sys.argv[1]) as f:
    doc = json.load(f)
for path in sys.argv[2:]:
    v = doc
    for key in path.split("."):
        v = v[int(key)] if isinstance(v, list) else v[key]
    print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)
EOF
}

# json_check FILE EXPR...: each Python expression, with r bound to the
# parsed document, must be true.
json_check() {
    python3 - "$@" <<'EOF' || fail "json_check on $1"
import json, math, sys
with open(sys.argv[1]) as f:
    r = json.load(f)
bad = 0
for expr in sys.argv[2:]:
    try:
        ok = eval(expr, {"math": math, "json": json, "r": r})
    except Exception as e:
        ok, expr = False, "%s (%s: %s)" % (expr, type(e).__name__, e)
    if not ok:
        print("FAIL: %s: not true: %s" % (sys.argv[1], expr), file=sys.stderr)
        bad = 1
sys.exit(bad)
EOF
}

# same_bits [--at PATH] [--file-same LABEL=FILE]... LABEL=REPORT...:
# contract 1, the same job gives the same bits: each JSON REPORT's result
# fields and digest are the first's, and each --file-same FILE (a --trace
# CSV) holds the first's bytes.  Prints one line (the labels, the digest,
# the workers seen); a difference fails the script with a line naming the
# label, the field and both values.  (same_bits.py; a script with a Python
# pass of its own imports it and calls same_bits.compare.)
same_bits() {
    python3 "$E2E_HERE/same_bits.py" "$@" 2>"$E2E_DIR/same_bits.err" ||
        fail "$(cat "$E2E_DIR/same_bits.err")"
}

# scaled N: N (an integer or an exponent form, 4e9) divided by SLOW, as an
# integer: the size of a job meant to run for seconds in this build.
scaled() {
    awk -v n="$1" -v s="$SLOW" 'BEGIN { printf "%.0f\n", n / s }'
}

# need_mpi: fails unless MPIRUN named the MPI launcher (mpi_* scripts).
need_mpi() {
    [ ${#MPI[@]} -gt 0 ] || fail "MPIRUN must name mpirun and its options"
}

# The ids of the OpenCL devices `hetero devices` finds, one per line (the
# JSON in $E2E_DIR/devices.out).
opencl_ids() {
    run_ok devices "$HETERO" devices --format json
    python3 -c 'import json,sys; [print(d["id"]) for d in json.load(open(sys.argv[1]))["opencl"]]' \
        "$E2E_DIR/devices.out" || fail "hetero devices --format json is not the expected JSON"
}
