# Cluster runs on one machine: mpirun -np 2 and -np 3 against one process.
het_e2e(mpi_pi_same_bits mpi_same_bits.sh pi --samples 30000001 --seed 0x123456789abcdef0)
het_e2e(mpi_failures mpi_failures.sh)
het_e2e(mpi_primes_same_bits mpi_same_bits.sh primes --range 1000000:30000000)
het_e2e(mpi_primes_nth_same_bits mpi_same_bits.sh primes --nth 1000000)
