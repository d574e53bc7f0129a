#!/usr/bin/env bash
# completion.sh - bash completion (scripts/completion/hetero.bash) offers
# what the programs take, and only that:
#   - `hetero <TAB>`: the commands of `hetero --help`, every workload;
#   - `hetero CMD --<TAB>` and `hetero-bench --<TAB>`: options the command
#     knows (none of them refused as unknown), short forms left out;
#   - `--devices <TAB>`: the selectors and every id `hetero devices` lists,
#     completing the last item of a comma-separated list;
#   - `--workloads <TAB>` (hetero-bench): the workload names.
. "$(dirname "$0")/lib.sh"

# shellcheck source=scripts/completion/hetero.bash
. "$(dirname "$0")/../../scripts/completion/hetero.bash"
# complete WORDS...: COMPREPLY for the last word, one per line in $E2E_DIR/c
complete_words() {
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _hetero
    printf '%s\n' "${COMPREPLY[@]}" >"$E2E_DIR/c"
}
# refused CMD... OPT: CMD refuses OPT as unknown.  A value (if OPT takes
# one) and an unknown last option follow it, so that nothing runs but help:
# the command line is refused before any work, naming OPT only if OPT is
# what it does not know.
refused() {
    local opt=${*: -1}
    if (cd "$E2E_DIR" && "$@" 1 --zz-not-an-option >/dev/null 2>"$E2E_DIR/err" </dev/null); then
        [ "$opt" = --help ] || [ "$opt" = --version ] || fail "'$*' ran"
    fi
    grep -qF -e "unknown option '$opt'" -e "$opt: unknown option" "$E2E_DIR/err"
}
offers() { grep -qxF -- "$1" "$E2E_DIR/c" || fail "completing '$2' does not offer '$1': $(tr '\n' ' ' <"$E2E_DIR/c")"; }

workloads=$("$HETERO" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9_-]*\) .*/\1/p' | grep -vx devices)
[ -n "$workloads" ] || fail "hetero --help lists no workload"
complete_words "$HETERO" ""
for w in devices $workloads; do offers "$w" "hetero "; done

for cmd in devices $workloads; do
    complete_words "$HETERO" "$cmd" "--"
    n=0
    while read -r opt; do
        [[ $opt == --* ]] || fail "hetero $cmd --: offers '$opt', not a long option"
        refused "$HETERO" "$cmd" "$opt" && fail "hetero $cmd: completion offers $opt, which it refuses"
        n=$((n + 1))
    done <"$E2E_DIR/c"
    [ "$n" -ge 2 ] || fail "hetero $cmd --: only $n options offered"
done
offers --format "hetero devices --"
echo "ok  hetero: commands and every command's options, none refused"

complete_words "$HETERO" pi --devices ""
for d in all omp gpu cl $(opencl_ids); do offers "$d" "--devices "; done
complete_words "$HETERO" pi --devices "omp,"
offers "omp,cl" "--devices omp,"
while read -r d; do [[ $d == omp,* ]] || fail "--devices omp,: offers '$d'"; done <"$E2E_DIR/c"
echo "ok  --devices: selectors and device ids, the last item of a list"

if [ -n "${HETERO_BENCH:-}" ]; then
    complete_words "$HETERO_BENCH" "--"
    while read -r opt; do
        refused "$HETERO_BENCH" "$opt" && fail "hetero-bench: completion offers $opt, which it refuses"
    done <"$E2E_DIR/c"
    offers --workloads "hetero-bench --"
    complete_words "$HETERO_BENCH" --workloads "pi,p"
    offers "pi,primes" "--workloads pi,p"
    echo "ok  hetero-bench: its options and workload names"
fi
