#!/usr/bin/env bash
# test-list.sh - the tests of a configured build folder, one a line: the
# ctest name and its contract, the line that says what the test holds the
# code to.  The contracts are declared with the tests (tests/list.cmake,
# tests/*.cmake); configuring writes the list to BUILD/tests/test-list.txt,
# so it is the build's own: tests its configuration leaves out are not in
# it.  REGEX keeps the tests whose name it matches, as ctest -R does.
#
#   scripts/test-list.sh [BUILD [REGEX]]     (BUILD default: build)
set -euo pipefail
build=${1:-build}
list=$build/tests/test-list.txt
[ -f "$list" ] ||
    { echo "test-list: $list not found: configure $build with tests first (docs/tests.md)" >&2; exit 2; }
if [ $# -ge 2 ]; then
    # the regex travels through the environment: awk -v would read its backslashes as escapes
    TEST_RE=$2 awk '/^#/ || $1 ~ ENVIRON["TEST_RE"]' "$list"
else
    cat "$list"
fi
