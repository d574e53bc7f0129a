#!/usr/bin/env bash
# Every output path, and hetero-bench --compare's input, is checked before
# any work starts: a missing directory, a directory in place of a file, a
# file that cannot be created, an input that is not a regular readable file
# or is too large are bad input (exit 2, one line naming the option), and
# come back at once, not after the run.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
B=${HETERO_BENCH:-}
D=$E2E_DIR
mkdir -p "$D/dir" "$D/dir.svg" "$D/dir.png"
echo "a file" >"$D/file"
mkfifo "$D/fifo"
truncate -s 64M "$D/big.json"    # sparse, past --compare's limit

# quick: bad input before a job that would take minutes
quick() {
    local t0 t1
    t0=$(date +%s)
    expect_bad_input "$@"
    t1=$(date +%s)
    [ $((t1 - t0)) -le 5 ] || fail "'$*' took $((t1 - t0)) s: the path was not checked before the work"
}

quick --print "$H" primes --range 0:1e12 --print /nonexistent/p.txt --devices omp
quick --print "$H" primes --range 0:1e12 --print "$D/dir" --devices omp
quick --print "$H" primes --range 0:1e12 --print "$D/dir/" --devices omp
quick --print "$H" primes --range 0:1e12 --print "$D/missing/p.txt" --devices omp
quick --print "$H" primes --range 0:1e12 --print "$D/file/p.txt" --devices omp
quick --print "$H" primes --range 0:1e12 --print /proc/hetero-cannot-create.txt --devices omp
quick --print "$H" primes --range 0:1e12 --print "" --devices omp
quick --trace "$H" reservoir --paths 1e9 --steps 1e3 --trace "$D/dir" --devices omp
quick --trace "$H" reservoir --paths 1e9 --steps 1e3 --trace "$D/missing/t.csv" --devices omp
if [ "${HETERO_CHARTS:-0}" = 1 ]; then
    quick --plot "$H" reservoir --paths 1e9 --steps 1e3 --plot "$D/dir.svg" --devices omp
    quick --plot "$H" reservoir --paths 1e9 --steps 1e3 --plot "$D/missing/f.png" --devices omp
    quick --plot "$H" reservoir --paths 1e9 --steps 1e3 --plot /proc/hetero-cannot-create.svg --devices omp
    quick --plot "$H" reservoir --paths 1e9 --steps 1e3 --plot "$D/same.svg" --trace "$D/same.svg" --devices omp
    # one file however it is spelled: another path to it, or a link to it
    quick --plot "$H" reservoir --paths 1e9 --steps 1e3 --plot "$D/same.svg" --trace "$D/dir/../same.svg" --devices omp
    echo "old" >"$D/there.svg"
    ln -s there.svg "$D/link.svg"
    quick --plot "$H" reservoir --paths 1e9 --steps 1e3 --plot "$D/there.svg" --trace "$D/link.svg" --devices omp
fi
# an output over the journal
quick --print "$H" primes --range 0:1e12 --print "$D/j.ck" --checkpoint "$D/dir/../j.ck" --devices omp
quick --trace "$H" reservoir --paths 1e9 --steps 1e3 --trace "$D/j2.ck" --checkpoint "$D/j2.ck" --devices omp
# nothing was created by the checks themselves
left=$(find "$D" -name '.*.??????' | head -3)
[ -z "$left" ] || fail "temporary files left by the checks: $left"

if [ -n "$B" ]; then
    quick --plot "$B" --plot "$D/dir.png"
    quick --plot "$B" --plot "$D/dir.svg"
    quick --plot "$B" --plot "$D/missing/bars.svg"
    quick --plot "$B" --plot /proc/hetero-cannot-create.svg
    quick --compare "$B" --compare /dev/zero
    quick --compare "$B" --compare "$D/dir"
    quick --compare "$B" --compare "$D/big.json"
    # a FIFO nobody writes to: refused, not waited on
    rc=0
    timeout 20 "$B" --compare "$D/fifo" >"$D/out" 2>"$D/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "--compare FIFO: exit $rc, expected 2 (124: it blocked)"
    grep -q -- --compare "$D/err" || fail "--compare FIFO: $(cat "$D/err")"
    echo "ok  exit 2, one line: $(cat "$D/err")"
fi

# what can be written still is: a device, and a file through a symbolic link
run_ok null "$H" primes --range 0:1000 --print /dev/null --devices omp
ln -s "$D/real.txt" "$D/link.txt"
echo old >"$D/real.txt"
run_ok link "$H" primes --range 0:100 --print "$D/link.txt" --devices omp
[ -L "$D/link.txt" ] || fail "--print through a symbolic link replaced the link"
[ "$(lines "$D/real.txt")" -eq 25 ] || fail "--print through a symbolic link did not write the file it names"
echo "output paths: all checked before the work"

# stdout is where the report goes: an output or the journal on that very
# file is bad input (the rename would put the primes, the chart or the
# journal where the report went, or the report over them)
same_as_stdout() {
    local what=$1 file=$2 rc=0
    shift 2
    "$@" >"$file" 2>"$D/stdout.err" || rc=$?
    [ "$rc" -eq 2 ] || fail "$what on stdout's file: exit $rc, expected 2: $(cat "$D/stdout.err")"
    grep -q "^[a-z-]*: $what: expected another file than standard output's" "$D/stdout.err" ||
        fail "$what on stdout's file: the line does not say so: $(cat "$D/stdout.err")"
    [ "$(wc -l <"$D/stdout.err")" -eq 1 ] || fail "$what on stdout's file: more than one line"
    [ ! -s "$file" ] || fail "$what on stdout's file: something was written to it"
}
same_as_stdout --print "$D/o.txt" "$H" primes --range 0:1000 --print "$D/o.txt"
same_as_stdout --print "$D/o2.txt" "$H" primes --range 0:1000 --print "$D/../$(basename "$D")/o2.txt"
same_as_stdout --trace "$D/t.csv" "$H" reservoir --paths 10 --steps 10 --trace "$D/t.csv"
same_as_stdout --checkpoint "$D/j" "$H" pi --samples 1e6 --checkpoint "$D/j"
if [ -n "$B" ]; then
    same_as_stdout --plot "$D/x.svg" "$B" --quick --plot "$D/x.svg"
fi
# not the same file: stdout elsewhere, or to /dev/null
"$H" primes --range 0:1000 --print "$D/p.txt" >"$D/report.txt" || fail "--print beside stdout's file failed"
"$H" primes --range 0:1000 --print /dev/null >/dev/null || fail "--print /dev/null with stdout on /dev/null failed"
echo "ok  an output or the journal on stdout's file: bad input"
