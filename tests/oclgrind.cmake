# The kernels on Oclgrind, the simulated OpenCL GPU (Debian package
# oclgrind; scripts/install-deps.sh installs it), with its API, data-race and
# uniform-write checks on: no diagnostic, and OpenMP's result and digest
# (tests/e2e/oclgrind.sh).  Registered only where Oclgrind's ICD library is
# found.  Oclgrind interprets every work-item, so the jobs are tiny: each
# test takes seconds.  Its device has 32 KiB of local memory, the size the
# primes kernel once failed on.
find_file(HET_OCLGRIND_ICD_LIB liboclgrind-rt-icd.so
  PATHS /usr/lib/oclgrind /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/oclgrind /usr/local/lib/oclgrind
        /usr/lib /usr/local/lib
  NO_DEFAULT_PATH)
if(HET_OCLGRIND_ICD_LIB)
  set(HET_OCLGRIND_ICD_DIR ${CMAKE_CURRENT_BINARY_DIR}/oclgrind-icd)
  file(MAKE_DIRECTORY ${HET_OCLGRIND_ICD_DIR})
  file(WRITE ${HET_OCLGRIND_ICD_DIR}/oclgrind.icd "${HET_OCLGRIND_ICD_LIB}\n")
  message(STATUS "Oclgrind kernel tests: on (${HET_OCLGRIND_ICD_LIB})")
  het_e2e(oclgrind_primes_from_0 oclgrind.sh ${HET_OCLGRIND_ICD_DIR} primes --range 0:1000000
    CONTRACT "primes from 0 (group primes from p^2 on) on Oclgrind: a clean log, OpenMP's bits")
  het_e2e(oclgrind_primes_at_1e12 oclgrind.sh ${HET_OCLGRIND_ICD_DIR} primes --range 1e12:1000000200000
    CONTRACT "primes at 1e12 (large primes up to 1e6 too) on Oclgrind: a clean log, OpenMP's bits")
  het_e2e(oclgrind_reservoir_trace oclgrind.sh ${HET_OCLGRIND_ICD_DIR}
          reservoir --paths 300 --steps 20 --seed 9 --trace trace.csv
    CONTRACT "reservoir with --trace on Oclgrind: a clean log, OpenMP's result, digest and trace")
  # pi on the kernel's 32-bit path (Oclgrind is a GPU); the 64-bit-lane
  # path for CPUs meets an Oclgrind bug (-(v < w) on 8-lane 64-bit vectors
  # gives 255, not 1) and is tested on PoCL instead
  het_e2e(oclgrind_pi oclgrind.sh ${HET_OCLGRIND_ICD_DIR} pi --samples 200001 --seed 0x5eed
    CONTRACT "pi's 32-bit kernel path on Oclgrind: a clean log, OpenMP's result and digest")
  # tests/test_conform.c again, with Oclgrind as the only platform
  het_test(unit.test_conform_oclgrind COMMAND test_conform
    CONTRACT "hetero_job_conform on Oclgrind alone: a kernel wrong for one grain is named, pi agrees")
  set_tests_properties(unit.test_conform_oclgrind PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${HET_OCLGRIND_ICD_DIR};OMP_NUM_THREADS=${HET_TEST_THREADS};${HET_TEST_ENV}")
else()
  message(STATUS "Oclgrind kernel tests: off (liboclgrind-rt-icd.so not found; scripts/install-deps.sh installs oclgrind)")
endif()
