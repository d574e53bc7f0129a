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
