# bash completion for hetero and hetero-bench.  Installed as
# share/bash-completion/completions/hetero (and hetero-bench); source it
# by hand with `. scripts/completion/hetero.bash`.
#
# The option lists come from the programs' own --help, so they stay true
# as options change.

_hetero_options() {
    # every "--name" at the start of a help line
    "$1" "${@:2}" --help 2>/dev/null | sed -n 's/^ *\(--[a-z0-9-]*\).*/\1/p'
}

_hetero() {
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
    }
    local prog=${COMP_WORDS[0]}
    case $prev in
    --format) mapfile -t COMPREPLY < <(compgen -W "text json csv" -- "$cur"); return ;;
    --devices) mapfile -t COMPREPLY < <(compgen -W "all omp gpu cl" -- "$cur"); return ;;
    --print | --trace | --plot | --checkpoint | --compare | --results)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    esac
    if [ "${prog##*/}" = hetero ] && [ "$COMP_CWORD" -eq 1 ]; then
        local cmds
        cmds=$("$prog" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9_-]*\) .*/\1/p')
        mapfile -t COMPREPLY < <(compgen -W "$cmds --help --version" -- "$cur")
        return
    fi
    if [[ $cur == -* ]]; then
        local opts
        if [ "${prog##*/}" = hetero ]; then
            opts=$(_hetero_options "$prog" "${COMP_WORDS[1]}")
        else
            opts=$(_hetero_options "$prog")
        fi
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    fi
}
complete -F _hetero hetero hetero-bench
