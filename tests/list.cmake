# The unit tests, each a cmocka program tests/NAME.c and the ctest entry
# unit.NAME, with its contract: what it holds the code to, in one line
# (het_unit: tests/CMakeLists.txt).  Every tests/test_*.c is declared here;
# configuring fails on one that is not.  The end-to-end tests are declared
# by topic in the other tests/*.cmake; the whole list, with theirs, is
# tests/test-list.txt in the build folder (scripts/test-list.sh).
het_unit(test_api
  CONTRACT "the public API as a program embedding it uses it: jobs, options, runs, reports, refusals")
het_unit(test_cl
  CONTRACT "the OpenCL layer: error names, discovery, build and run, build errors, the program cache")
het_unit(test_cli
  CONTRACT "hetero's command line: every option in both forms; each refusal names the option")
het_unit(test_conform
  CONTRACT "hetero_job_conform names the grain and byte of a kernel wrong for one grain; pi agrees")
het_unit(test_devices
  CONTRACT "--devices lists: syntax, resolved on a made-up device list, ranks sharing a node's devices")
het_unit(test_engine SOURCES sim_device.c
  CONTRACT "the engine on simulated devices: every grain merged once, in order; failing workers retired")
het_unit(test_hmath
  CONTRACT "our log, sincos and exp (kernels/hmath.h) within an ulp of the C library's long double")
het_unit(test_hmath_device
  CONTRACT "the shared double math gives the host's bits on every OpenCL device with doubles")
het_unit(test_journal
  CONTRACT "the checkpoint journal on torn, flipped, forged and foreign files and on failing reads")
het_unit(test_kernels_device
  CONTRACT "pi and primes kernels under overridden device limits: every grain the CPU path's bits")
het_unit(test_output
  CONTRACT "output paths checked before the work, files written whole or not at all, inputs bounded")
het_unit(test_parse
  CONTRACT "the number parsers and --format: what each accepts; each refusal names the option")
het_unit(test_philox_kat_device
  CONTRACT "Philox4x32-10 gives Random123's published answers on the host and every OpenCL device")
het_unit(test_pi
  CONTRACT "pi against the documented stream layout: CPU path, grain plan, whole runs, the report")
het_unit(test_primes
  CONTRACT "primes' CPU path against pi(x), Nth-prime tables, trial division and Miller-Rabin")
het_unit(test_reservoir
  CONTRACT "reservoir without the engine: options, normals, the model by hand, same bits on the CPU")
het_unit(test_schedule_sim
  CONTRACT "the scheduler in virtual time ends every simulated job within 5% of its ideal time")
