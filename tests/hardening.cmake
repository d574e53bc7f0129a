# Hardening (issue 11): random command lines; every output checked (a full
# disk, a closed stdout, a broken pipe); file names that only ever reach
# open(); outputs checked before the work; written whole or not at all
# (interrupted included); a program cache that trusts only its owner;
# OMP_NUM_THREADS; signals; a platform that gives no device.
het_e2e(argv_fuzz argv_fuzz.sh
  CONTRACT "random hostile command lines: exit 0, 1 or 2 only; bad input one line, nothing on stdout")
het_e2e(output_errors output_errors.sh
  CONTRACT "every output checked to its close: a failed write is exit 1 naming it, old files kept")
het_e2e(output_paths output_paths.sh
  CONTRACT "output paths and --compare's input checked before any work: bad input, exit 2, at once")
het_e2e(no_injection no_injection.sh
  CONTRACT "file names only ever reach open(): names like '<cmd' and '|cmd' written, nothing run")
het_e2e(interrupt interrupt.sh
  CONTRACT "SIGINT, SIGTERM: one 'interrupted' line, exit 130 or 143, nothing on stdout, files kept")
het_e2e(cache_trust cache_trust.sh
  CONTRACT "the program cache trusts only its owner: a foreign or writable entry ignored, rebuilt")
het_e2e(cache_home cache_home.sh
  CONTRACT "the cache makes its own folder only: a missing home turns it off; PoCL's cache follows")
het_e2e(icd_fifo icd_fifo.sh
  CONTRACT "a FIFO where the OpenCL loader would open a file is refused before it: exit 2")
het_e2e(threads_env threads_env.sh
  CONTRACT "OMP_NUM_THREADS read as libgomp reads it, with --threads' cap; an invalid one is bad input")
het_e2e(opencl_platform_note opencl_platform_note.sh
  CONTRACT "an OpenCL platform that gives no device is named, with what it returned")
