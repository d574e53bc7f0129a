# The primes workload end to end.  Expected counts: published pi(x) values
# and primesieve 11 (`primesieve A B-1 -c`).  OpenCL runs use PoCL here, so
# the ranges stay below ~1e9 numbers.
het_e2e(primes_pi_1e8_devices primes_devices.sh 5761455 --range 0:1e8)
het_e2e(primes_range_devices primes_devices.sh 4814936 --range 1e9:1.1e9)
het_e2e(primes_unaligned_devices primes_devices.sh 2276 --range 123456789:123500000)
het_e2e(primes_straddle_2_32_devices primes_devices.sh 901087 --range 4284967296:4304967296)
het_e2e(primes_top_of_64_bits_devices primes_devices.sh 2139 --range 18446744073709451615:18446744073709551615)
het_e2e(primes_nth_20000_devices primes_devices.sh 224737 --nth 20000)
het_e2e(primes_nth_1e6_devices primes_devices.sh 15485863 --nth 1e6)
het_e2e(primes_bad_input primes_bad_input.sh)
het_e2e(primes_print_file primes_print.sh 999000 1000000)
het_e2e(primes_print_file_from_0 primes_print.sh 0 30000)
het_e2e(primes_print_stdout primes_print_stdout.sh)
# several ranks, with enough grains (20 and 37) for every rank to take many:
# the same result and digest as one process
het_e2e(mpi_primes_range_many_grains mpi_same_bits.sh primes --range 1e9:1.3e9)
het_e2e(mpi_primes_nth_many_grains mpi_same_bits.sh primes --nth 3e7)
# bench/primes_vs_primesieve.sh, tiny: the counts agree with primesieve at
# every height (skipped without primesieve)
het_e2e(primes_vs_primesieve_quick primes_vs_primesieve.sh)
