# Cluster runs on one machine: mpirun -np 2 and -np 3 against one process.
het_e2e(mpi_pi_same_bits mpi_same_bits.sh pi --samples 30000001 --seed 0x123456789abcdef0
  CONTRACT "pi under mpirun -np 2 and -np 3: a one-process run's result and digest, every rank listed")
het_e2e(mpi_failures mpi_failures.sh
  CONTRACT "under mpirun: bad input said once, a rank that cannot run named, different jobs refused")
# Across hosts: three simulated ones (network, UTS and mount namespaces on
# a bridge, tests/e2e/cluster.sh), mpirun -np 5 over TCP.  Needs root: where
# namespaces cannot be made it says why and is skipped (exit 77).  About
# 90 s; every mpirun in it has a deadline well inside the TIMEOUT, so a
# hang still fails the script in time for it to remove the namespaces.
het_e2e(mpi_cluster mpi_cluster.sh
  CONTRACT "5 ranks on three simulated hosts: one process's bits, fair shares, a host lost and resumed")
if(TEST e2e.mpi_cluster)
  set_tests_properties(e2e.mpi_cluster PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
