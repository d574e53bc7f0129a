#!/usr/bin/env bash
# check-format.sh - lists the C and OpenCL C files (*.c, *.h, *.cl) that
# clang-format, with the repository's .clang-format, would change.  Exit 0
# when there is none, 1 when there are (each named, with the number of
# lines it would change), 2 when clang-format is missing.
#
#   scripts/check-format.sh [--diff] [FILE...]
#
# --diff shows what would change.  Without FILEs it checks every tracked
# file.  To format a file: clang-format -i FILE.  The rules were written to
# describe the code as it was (.clang-format); the tree has been formatted
# with them, and CI runs this check.
# CLANG_FORMAT names another clang-format; the rules are read by
# clang-format 14 (Debian 12), and other versions may break lines a little
# differently.
set -euo pipefail
cd "$(dirname "$0")/.."
cf=${CLANG_FORMAT:-clang-format}
command -v "$cf" >/dev/null ||
    { echo "check-format: $cf is not installed (scripts/install-deps.sh installs clang-format)" >&2; exit 2; }

diff=0
if [ "${1:-}" = --diff ]; then
    diff=1
    shift
fi
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        mapfile -t files < <(git ls-files '*.c' '*.h' '*.cl')
    else
        mapfile -t files < <(find . -type f \( -name '*.c' -o -name '*.h' -o -name '*.cl' \) \
            ! -path './build*' | sed 's|^\./||' | sort)
    fi
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
bad=0 lines=0
for f in "${files[@]}"; do
    "$cf" --style=file --assume-filename="$f" <"$f" >"$tmp" ||
        { echo "check-format: $cf failed on $f" >&2; exit 2; }
    cmp -s "$f" "$tmp" && continue
    n=$(diff "$f" "$tmp" | grep -c '^<' || true)
    echo "$f: $n lines to format"
    if [ "$diff" = 1 ]; then
        diff -u --label "$f" --label "$f (formatted)" "$f" "$tmp" || true
    fi
    bad=$((bad + 1)) lines=$((lines + n))
done
if [ "$bad" -gt 0 ]; then
    echo "check-format: $bad of ${#files[@]} files need formatting ($lines lines); clang-format -i FILE formats one" >&2
    exit 1
fi
echo "check-format: ${#files[@]} files, all formatted"
