# bash completion for hetero and hetero-bench.  Installed as
# share/bash-completion/completions/hetero (and hetero-bench); source it
# by hand with `. scripts/completion/hetero.bash`.
#
# Everything offered comes from the programs themselves, so it stays true
# as they change: options from each command's own --help, workload names
# from `hetero --help`, device ids from `hetero devices`.

_hetero_options() {
    # every "--name" (and "-x, --name") at the start of a help line
    "$1" "${@:2}" --help 2>/dev/null | sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z0-9-]*\).*/\2/p'
}

# the hetero program beside this one (hetero-bench's sibling)
_hetero_prog() {
    local h=${1%-bench}
    if [ "$h" = "$1" ] || [ -x "$h" ]; then
        echo "$h"
    else
        echo hetero
    fi
}

_hetero_workloads() {
    "$1" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9_-]*\) .*/\1/p' | grep -vx devices
}

_hetero_devices() {
    # the selectors and every id `hetero devices` lists (first column)
    printf '%s\n' all omp gpu cl
    "$1" devices 2>/dev/null | awk 'NR > 1 && $1 ~ /^cl:/ {print $1}'
}

# completes the last item of a comma-separated list in $cur from words
_hetero_list() {
    local head="" last=$cur
    if [[ $cur == *,* ]]; then
        head=${cur%,*},
        last=${cur##*,}
    fi
    local w
    COMPREPLY=()
    for w in $1; do
        [[ $w == "$last"* ]] && COMPREPLY+=("$head$w")
    done
    compopt -o nospace 2>/dev/null || true
}

_hetero() {
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
    }
    local prog=${COMP_WORDS[0]}
    local het
    het=$(_hetero_prog "$prog")
    case $prev in
    --format) mapfile -t COMPREPLY < <(compgen -W "text json csv" -- "$cur"); return ;;
    --devices) _hetero_list "$(_hetero_devices "$het")"; return ;;
    --workloads) _hetero_list "$(_hetero_workloads "$het")"; return ;;
    --print | --trace | --plot | --checkpoint | --compare | --results | --out | --load)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    esac
    # hetero's command follows its --load PATH.so pairs, whose workloads
    # the command list and the options then include
    local first=1
    while [ "${COMP_WORDS[first]:-}" = --load ] && [ $((first + 2)) -le "$COMP_CWORD" ]; do
        first=$((first + 2))
    done
    local loads=("${COMP_WORDS[@]:1:first-1}")
    if [ "${prog##*/}" != hetero-bench ] && [ "$COMP_CWORD" -eq "$first" ]; then
        local cmds
        cmds=$("$prog" "${loads[@]}" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9_-]*\) .*/\1/p')
        mapfile -t COMPREPLY < <(compgen -W "$cmds --load --help --version" -- "$cur")
        return
    fi
    if [[ $cur == -* ]]; then
        local opts
        if [ "${prog##*/}" != hetero-bench ]; then
            opts=$(_hetero_options "$prog" "${loads[@]}" "${COMP_WORDS[first]}")
        else
            opts=$(_hetero_options "$prog")
        fi
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    fi
}
complete -F _hetero hetero hetero-bench
