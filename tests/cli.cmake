# End-to-end tests of the command line (scripts in tests/e2e/).
het_e2e(bad_input bad_input.sh
  CONTRACT "bad input: exit 2, one line naming the option or command, nothing on stdout, no result")
het_e2e(completion completion.sh
  CONTRACT "bash completion offers the commands, each command's own options, device ids, workloads")
