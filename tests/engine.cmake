# The engine with a slow or failing device beside OpenMP: the same bits,
# an end that does not wait for the slow device, a failing worker retired.
het_e2e(slow_device slow_device.sh
  CONTRACT "a slow or failing device beside OpenMP: OpenMP's bits, no wait for it, the failure retired")
het_e2e(install_example install_example.sh
  CONTRACT "installed into a prefix, examples/option-pricing builds against it and gives the same bits")
het_e2e(json_schemas json_schemas.sh
  CONTRACT "every JSON document hetero and hetero-bench write follows its schema in docs/schema/")
# An OpenCL device whose second read of a batch fails to enqueue (the
# shim tests/cl_fail_read.c, preloaded) while its first read may still be
# filling the host memory: retired beside OpenMP with OpenMP's bits, the
# run's one error alone, and nothing freed under the first read.
add_library(cl_fail_read MODULE cl_fail_read.c)
target_link_libraries(cl_fail_read PRIVATE OpenCL::OpenCL ${CMAKE_DL_LIBS})
het_target_warnings(cl_fail_read)
het_e2e(read_failure read_failure.sh $<TARGET_FILE:cl_fail_read>
  CONTRACT "a failing OpenCL read retires the device: OpenMP's bits, or alone one error; no use after free")
het_e2e(rates rates.sh
  CONTRACT "throughput models kept between runs: owner-only, reused by the same job shape, same bits")
