#!/usr/bin/env bash
# argv_fuzz.sh - a few thousand random command lines, built from the real
# option names and hostile values, against hetero and hetero-bench (see
# argv_fuzz.py): no crash, no hang, exit status 0, 1 or 2 only, bad input
# one line on stderr and nothing on stdout.  Half a minute at most
# (FUZZ_SECONDS); FUZZ_SEED and FUZZ_N reproduce or widen a run.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

python3 "$(dirname "$0")/argv_fuzz.py" "$E2E_DIR" || fail "argv fuzzing: see the lines above"
