#!/usr/bin/env bash
# check-shell.sh - shellcheck over every shell script in the repository:
# the files named *.sh and every other tracked file whose first line is a
# sh or bash #! line (.ci/run, examples/slurm/hetero.sbatch).  Settings in
# .shellcheckrc (a sourced file is found beside its script).  Exit 0 when
# all are clean, 1 with the findings otherwise, 2 when the shellcheck
# program is missing (scripts/install-deps.sh installs it).
#
#   scripts/check-shell.sh [FILE...]      (default: every shell script)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null ||
    { echo "check-shell: shellcheck is not installed (scripts/install-deps.sh installs it)" >&2; exit 2; }

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        mapfile -t all < <(git ls-files)
    else
        mapfile -t all < <(find . -type f ! -path './.git/*' ! -path './build*' | sed 's|^\./||')
    fi
    for f in "${all[@]}"; do
        [ -f "$f" ] || continue
        if [[ "$f" == *.sh ]] || head -n 1 "$f" | grep -qE '^#!.*[/ ](ba)?sh( |$)'; then
            files+=("$f")
        fi
    done
fi
if shellcheck "${files[@]}"; then
    echo "check-shell: ${#files[@]} scripts, shellcheck clean"
else
    echo "check-shell: shellcheck found problems (above)" >&2
    exit 1
fi
