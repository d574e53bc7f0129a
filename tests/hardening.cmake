# Hardening (issue 11): random command lines; every output checked (a full
# disk, a closed stdout, a broken pipe); file names that only ever reach
# open(); outputs checked before the work; written whole or not at all
# (interrupted included); a program cache that trusts only its owner;
# OMP_NUM_THREADS; signals; a platform that gives no device.
het_e2e(argv_fuzz argv_fuzz.sh)
het_e2e(output_errors output_errors.sh)
het_e2e(output_paths output_paths.sh)
het_e2e(no_injection no_injection.sh)
het_e2e(interrupt interrupt.sh)
het_e2e(cache_trust cache_trust.sh)
het_e2e(cache_home cache_home.sh)
het_e2e(icd_fifo icd_fifo.sh)
het_e2e(threads_env threads_env.sh)
het_e2e(opencl_platform_note opencl_platform_note.sh)
