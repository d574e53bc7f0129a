#!/usr/bin/env bash
# Bad input to `hetero reservoir` gets exit status 2 and one line on stderr
# naming the option, and nothing on stdout.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# check WHAT ARGS...: hetero reservoir ARGS is bad input naming WHAT
check() {
        local what=$1
        shift
        expect_bad_input "$what" "$HETERO" reservoir "$@" --devices omp
}

check --paths --paths 0 --steps 10
check --steps --paths 10 --steps 0
check --paths --steps 10
check --steps --paths 10
check --paths --paths -3 --steps 10
check --capacity --paths 10 --steps 10 --capacity -1
check --capacity --paths 10 --steps 10 --capacity 0
check --inflow-mean --paths 10 --steps 10 --inflow-mean -5
check --inflow-sd --paths 10 --steps 10 --inflow-sd -1
check --inflow-sd --paths 10 --steps 10 --inflow-sd nan
check --inflow-mean --paths 10 --steps 10 --inflow-mean inf
check --release --paths 10 --steps 10 --release -0.1
check --initial --paths 10 --steps 10 --initial 100.5
check --initial --paths 10 --steps 10 --capacity 50 --initial 60
check --initial --paths 10 --steps 10 --initial -1
check --trace --paths 10 --steps 10 --trace /nonexistent-dir/t.csv
check --plot --paths 10 --steps 10 --plot fan.gif
# a build without cairo cannot draw: --plot is bad input naming it
if [ "${HETERO_CHARTS:-0}" != 1 ]; then
        check --plot --paths 10 --steps 10 --plot fan.svg
        grep -q cairo "$E2E_DIR/bad.err" || fail "--plot without cairo does not say why: $(cat "$E2E_DIR/bad.err")"
fi
