# reservoir: the same bits on every device set and thread count (with and
# without a trace), under mpirun, the sigma = 0 case worked by hand through
# the CLI, the trace and plot files, and bad input.
het_e2e(reservoir_same_bits reservoir_same_bits.sh
  CONTRACT "reservoir: the same result, digest and trace on every device set and thread count")
het_e2e(reservoir_cli reservoir_cli.sh
  CONTRACT "reservoir's CLI: sigma = 0 worked by hand, the tutorial's defaults, the trace, the chart")
het_e2e(reservoir_bad_input reservoir_bad_input.sh
  CONTRACT "hetero reservoir's bad input: exit 2, one line naming the option, nothing on stdout")
het_e2e(mpi_reservoir_same_bits mpi_same_bits.sh reservoir --paths 3001 --steps 57 --seed 0xfeedbeef
  CONTRACT "reservoir under mpirun -np 2 and -np 3: a one-process run's result and digest")
