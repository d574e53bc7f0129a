# lib.sh - helpers shared by the end-to-end scripts.  Source it:
#
#   . "$(dirname "$0")/lib.sh"
#
# The environment (set by het_e2e in tests/CMakeLists.txt): HETERO, the
# binary under test; E2E_TMP, a scratch folder; HETERO_CACHE_DIR, the
# OpenCL program cache.  Every helper fails the script (exit 1, with a
# line that says what and why) instead of returning an error.
set -u

: "${HETERO:?HETERO must name the hetero binary}"
mkdir -p "${E2E_TMP:-/tmp}"
E2E_DIR=$(mktemp -d "${E2E_TMP:-/tmp}/$(basename "$0" .sh).XXXXXX")
trap 'rm -rf "$E2E_DIR"' EXIT

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
# or command at fault).
expect_bad_input() {
    local what=$1
    shift
    local out="$E2E_DIR/bad.out" err="$E2E_DIR/bad.err" rc=0
    "$@" >"$out" 2>"$err" || rc=$?
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

# The ids of the OpenCL devices `hetero devices` finds, one per line.
opencl_ids() {
    run_ok devices "$HETERO" devices --format json
    python3 -c 'import json,sys; [print(d["id"]) for d in json.load(open(sys.argv[1]))["opencl"]]' \
        "$E2E_DIR/devices.out" || fail "hetero devices --format json is not the expected JSON"
}
