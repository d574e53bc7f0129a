# End-to-end tests of the command line (scripts in tests/e2e/).
het_e2e(bad_input bad_input.sh)
# Bash completion offers the commands, each command's own options (none
# refused), device ids and workload names.
het_e2e(completion completion.sh)
