# End-to-end tests of the command line (scripts in tests/e2e/).
het_e2e(bad_input bad_input.sh)
