#!/usr/bin/env bash
# File names are never interpreted: gnuplot read a name that starts with
# '<' as a command and '|' as a pipe, and hetero once handed it --trace's
# and --plot's names.  Charts are drawn by hetero itself now (host/base/draw.c)
# and a name only ever reaches open(): these lines write files with exactly
# these names and run nothing (an `id` or a `gnuplot` first in PATH would
# leave a mark if anything ran it).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ "${HETERO_CHARTS:-0}" = 1 ] || { echo "notice: this build cannot draw (no cairo); --plot is off, nothing to inject into"; exit 0; }

H=$HETERO
B=${HETERO_BENCH:-}
mkdir -p "$E2E_DIR/bin" "$E2E_DIR/work"
cat >"$E2E_DIR/bin/id" <<EOF
#!/bin/sh
echo ran >"$E2E_DIR/id-ran"
EOF
chmod +x "$E2E_DIR/bin/id"
cp "$E2E_DIR/bin/id" "$E2E_DIR/bin/gnuplot"
export PATH="$E2E_DIR/bin:$PATH"
cd "$E2E_DIR/work" || fail "cd"

run_ok t1 "$H" reservoir --paths 100 --steps 10 --trace '<id>pwned #' --plot ok.svg --devices omp
run_ok t2 "$H" reservoir --paths 100 --steps 10 --plot '|id>pwned2;cat>x.svg' --devices omp
run_ok t3 "$H" reservoir --paths 100 --steps 10 --plot "q'uote.png" --trace "set output 'y.csv'" --devices omp
[ -n "$B" ] && run_ok t4 "$B" --quick --seconds 0.02 --repeats 1 --check-items 2e5 --no-progress \
    --workloads pi --devices omp --plot '|id>pwned3;cat>y.png'

[ -e "$E2E_DIR/id-ran" ] && fail "a file name ran a command"
for f in pwned pwned2 pwned3 x.svg y.png y.csv; do
    [ -e "$f" ] && fail "'$f' appeared: a file name was interpreted"
done
grep -q '^step,mean' '<id>pwned #' || fail "the trace was not written under its own name"
grep -q '<svg' ok.svg || fail "ok.svg is not an SVG"
grep -q '<svg' '|id>pwned2;cat>x.svg' || fail "the plot was not written under its own name"
head -c 8 "q'uote.png" | od -An -c | grep -q 'P   N   G' || fail "a name with a quote got no PNG"
grep -q '^step,mean' "set output 'y.csv'" || fail "a trace named like a gnuplot command was not written"
if [ -n "$B" ]; then
    head -c 8 '|id>pwned3;cat>y.png' | od -An -c | grep -q 'P   N   G' || fail "the bench PNG was not written under its own name"
fi
echo "no injection: $(find . -mindepth 1 -maxdepth 1 | wc -l) files with their literal names, nothing run"
