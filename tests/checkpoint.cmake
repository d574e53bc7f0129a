# Long runs: checkpoint and resume, interruption, the time limit, torn and
# foreign journals, srun without PMI; under mpirun, a run stopped with 2
# ranks and resumed with 3, and a rank killed with SIGKILL.
het_e2e(checkpoint checkpoint.sh)
het_e2e(mpi_checkpoint mpi_checkpoint.sh)
# A signal swept over the end of a run: the whole answer or the interruption, never both.
het_e2e(late_signal late_signal.sh)
