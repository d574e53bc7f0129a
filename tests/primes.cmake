# The primes workload end to end.  Expected counts: published pi(x) values
# and primesieve 11 (`primesieve A B-1 -c`).  OpenCL runs use PoCL here, so
# the ranges stay below ~1e9 numbers.
het_e2e(primes_pi_1e8_devices primes_devices.sh 5761455 --range 0:1e8
  CONTRACT "pi(1e8) = 5761455, with the same digest on every device mix")
het_e2e(primes_range_devices primes_devices.sh 4814936 --range 1e9:1.1e9
  CONTRACT "4814936 primes from 1e9 to 1.1e9, with the same digest on every device mix")
het_e2e(primes_unaligned_devices primes_devices.sh 2276 --range 123456789:123500000
  CONTRACT "an unaligned range, 123456789:123500000: 2276 primes on every device mix")
het_e2e(primes_straddle_2_32_devices primes_devices.sh 901087 --range 4284967296:4304967296
  CONTRACT "a range across 2^32: 901087 primes on every device mix")
het_e2e(primes_top_of_64_bits_devices primes_devices.sh 2139 --range 18446744073709451615:18446744073709551615
  CONTRACT "the last 1e5 numbers below 2^64: 2139 primes on every device mix")
het_e2e(primes_nth_20000_devices primes_devices.sh 224737 --nth 20000
  CONTRACT "--nth 20000 is 224737 on every device mix")
het_e2e(primes_nth_1e6_devices primes_devices.sh 15485863 --nth 1e6
  CONTRACT "--nth 1e6 is 15485863 on every device mix")
het_e2e(primes_bad_input primes_bad_input.sh
  CONTRACT "hetero primes' bad input: exit 2, one line naming the option, nothing on stdout")
het_e2e(primes_print_file primes_print.sh 999000 1000000
  CONTRACT "--print FILE from 999000 to 1e6: exactly the primes, ascending, the report's count")
het_e2e(primes_print_file_from_0 primes_print.sh 0 30000
  CONTRACT "--print FILE from 0 to 30000: exactly the primes, ascending, the report's count")
het_e2e(primes_print_stdout primes_print_stdout.sh
  CONTRACT "--print - streams the primes alone to stdout, the report to stderr")
# several ranks, with enough grains (20 and 37) for every rank to take many
het_e2e(mpi_primes_range_many_grains mpi_same_bits.sh primes --range 1e9:1.3e9
  CONTRACT "primes 1e9:1.3e9 under mpirun, many grains a rank: a one-process run's result and digest")
het_e2e(mpi_primes_nth_many_grains mpi_same_bits.sh primes --nth 3e7
  CONTRACT "primes --nth 3e7 under mpirun, many grains a rank: a one-process run's result and digest")
het_e2e(primes_vs_primesieve_quick primes_vs_primesieve.sh
  CONTRACT "bench/primes_vs_primesieve.sh, tiny: primesieve's counts at five heights, or skipped")
