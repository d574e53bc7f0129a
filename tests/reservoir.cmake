# reservoir: the same bits on every device set and thread count (with and
# without a trace), under mpirun, the sigma = 0 case worked by hand through
# the CLI, the trace and plot files, and bad input.
het_e2e(reservoir_same_bits reservoir_same_bits.sh)
het_e2e(reservoir_cli reservoir_cli.sh)
het_e2e(reservoir_bad_input reservoir_bad_input.sh)
het_e2e(mpi_reservoir_same_bits mpi_same_bits.sh reservoir --paths 3001 --steps 57 --seed 0xfeedbeef)
