#!/usr/bin/env bash
# Every output is checked, up to the last flush and close: a report,
# device list, usage or version that cannot be written (a full disk:
# /dev/full; a closed stdout; a broken pipe with SIGPIPE ignored), and
# every file (--print, --trace, --plot, hetero-bench --plot) is exit 1 with
# a line that names what could not be written and why, never exit 0.  A
# file that fails half way leaves an existing file as it was and no
# temporary file behind.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
B=${HETERO_BENCH:-}
QUICK=(--quick --seconds 0.02 --repeats 1 --check-items 2e5 --no-progress --workloads pi --devices omp)
FULL="No space left on device"

# ---- stdout on a full disk ------------------------------------------------
export STDOUT_TO=/dev/full
for fmt in text json csv; do
    expect_failure "$FULL" "$H" pi --samples 1e5 --devices omp --format "$fmt"
    expect_failure "report to stdout" "$H" primes --range 0:1e5 --devices omp --format "$fmt"
    expect_failure "report to stdout" "$H" reservoir --paths 100 --steps 10 --devices omp --format "$fmt"
done
expect_failure "device list to stdout" "$H" devices
expect_failure "device list to stdout" "$H" devices --format json
expect_failure "usage text to stdout" "$H" --help
expect_failure "usage text to stdout" "$H" pi --help
expect_failure "version to stdout" "$H" --version
expect_failure "--print: writing stdout" "$H" primes --range 0:1e6 --print - --devices omp
if [ -n "$B" ]; then
    expect_failure "usage text to stdout" "$B" --help
    expect_failure "version to stdout" "$B" --version
    expect_failure "report to stdout" "$B" "${QUICK[@]}"
    expect_failure "report to stdout" "$B" "${QUICK[@]}" --format json
fi
unset STDOUT_TO

# ---- a closed stdout ---------------------------------------------------------
closed() {
    local rc=0
    "$@" >&- 2>"$E2E_DIR/closed.err" || rc=$?
    [ "$rc" -eq 1 ] || { show "$E2E_DIR/closed.err"; fail "'$*' with stdout closed: exit $rc, expected 1"; }
    grep -q "standard output is closed" "$E2E_DIR/closed.err" ||
        { show "$E2E_DIR/closed.err"; fail "'$*' with stdout closed: no message saying so"; }
    echo "ok  stdout closed: exit 1: $(cat "$E2E_DIR/closed.err")"
}
closed "$H" --version
closed "$H" pi --samples 1e5 --devices omp
closed "$H" devices
[ -n "$B" ] && closed "$B" --version

# ---- a broken pipe, SIGPIPE ignored: the write fails with EPIPE ----------------
python3 - "$H" "${B:-}" <<'EOF' || fail "broken pipe"
import os, signal, subprocess, sys
H, B = sys.argv[1], sys.argv[2]
lines = [[H, "pi", "--samples", "1e5", "--devices", "omp", "--format", "json"],
         [H, "--help"], [H, "devices"], [H, "primes", "--range", "0:1e6", "--print", "-", "--devices", "omp"]]
if B:
    lines.append([B, "--version"])
signal.signal(signal.SIGPIPE, signal.SIG_IGN)     # inherited by the child
for argv in lines:
    r, w = os.pipe()
    os.close(r)                                   # nobody will ever read
    p = subprocess.run(argv, stdout=w, stderr=subprocess.PIPE, restore_signals=False)
    os.close(w)
    err = p.stderr.decode()
    if p.returncode != 1 or "Broken pipe" not in err or "error:" not in err:
        sys.exit("FAIL: %s into a closed pipe: exit %d, stderr %r" % (" ".join(argv), p.returncode, err))
    print("ok  broken pipe: exit 1:", err.strip().splitlines()[-1])
EOF

# ---- files ----------------------------------------------------------------------
expect_failure "--print: writing '/dev/full'" "$H" primes --range 0:1e6 --print /dev/full --devices omp
expect_failure "--trace: writing '/dev/full'" "$H" reservoir --paths 100 --steps 10 --trace /dev/full --devices omp
ln -s /dev/full "$E2E_DIR/full.svg"
ln -s /dev/full "$E2E_DIR/full.png"
if [ "${HETERO_CHARTS:-0}" = 1 ]; then
    expect_failure "--plot: writing" "$H" reservoir --paths 100 --steps 10 --plot "$E2E_DIR/full.png" --devices omp
fi
if [ -n "$B" ] && [ "${HETERO_CHARTS:-0}" = 1 ]; then
    # the plot is drawn before the report: no report claims a success
    expect_failure "--plot: writing" "$B" "${QUICK[@]}" --plot "$E2E_DIR/full.svg"
    expect_failure "--plot: writing" "$B" "${QUICK[@]}" --plot "$E2E_DIR/ok.png" --plot "$E2E_DIR/full.png"
fi

# A file that cannot be finished (here: larger than the file size limit,
# with SIGXFSZ ignored so that write() fails with EFBIG, as on a full disk)
# leaves the old file as it was and no temporary file.
keep() {
    local file=$1 limit=$2 why=$3
    shift 3
    echo "old content" >"$file"
    local rc=0
    (trap '' XFSZ; ulimit -f "$limit"; exec "$@" >/dev/null 2>"$E2E_DIR/keep.err") || rc=$?
    [ "$rc" -eq 1 ] || { show "$E2E_DIR/keep.err"; fail "'$*' past the size limit: exit $rc, expected 1"; }
    grep -q "$why" "$E2E_DIR/keep.err" || { show "$E2E_DIR/keep.err"; fail "'$*': no '$why'"; }
    [ "$(cat "$file")" = "old content" ] || fail "'$*': the old $file was not kept"
    local left
    left=$(find "$(dirname "$file")" -name ".$(basename "$file").*")
    [ -z "$left" ] || fail "'$*': temporary file left behind: $left"
    echo "ok  kept $(basename "$file") and left no temporary file: $(tail -n 1 "$E2E_DIR/keep.err")"
}
keep "$E2E_DIR/primes.txt" 64 "File too large" "$H" primes --range 0:1e7 --print "$E2E_DIR/primes.txt" --devices omp
keep "$E2E_DIR/trace.csv" 4 "File too large" "$H" reservoir --paths 100 --steps 1000 --trace "$E2E_DIR/trace.csv" --devices omp
if [ "${HETERO_CHARTS:-0}" = 1 ]; then
    # the chart is drawn in memory; a file cut short is a failure, not a plot
    keep "$E2E_DIR/fan.png" 8 "File too large" "$H" reservoir --paths 100 --steps 100 --plot "$E2E_DIR/fan.png" --devices omp
    keep "$E2E_DIR/fan.svg" 8 "File too large" "$H" reservoir --paths 100 --steps 100 --plot "$E2E_DIR/fan.svg" --devices omp
fi
if [ -n "$B" ] && [ "${HETERO_CHARTS:-0}" = 1 ]; then
    keep "$E2E_DIR/bars.svg" 1 "File too large" "$B" "${QUICK[@]}" --workloads pi,reservoir --plot "$E2E_DIR/bars.svg"
fi

# and a file that can be written replaces the old one whole
echo "old content" >"$E2E_DIR/new.txt"
run_ok new "$H" primes --range 0:100 --print "$E2E_DIR/new.txt" --devices omp
{ [ "$(head -n 1 "$E2E_DIR/new.txt")" = 2 ] && [ "$(lines "$E2E_DIR/new.txt")" -eq 25 ]; } ||
    fail "--print did not replace the old file with the 25 primes below 100"
echo "output errors: every one exit 1, named; old files kept"
