# The engine with a slow or failing device beside OpenMP: the same bits,
# an end that does not wait for the slow device, a failing worker retired.
het_e2e(slow_device slow_device.sh)
# The library installed into a temporary prefix, and a program of its own
# (examples/option-pricing) built against it and run.
het_e2e(install_example install_example.sh)
# Every JSON document against its schema (docs/schema/).
het_e2e(json_schemas json_schemas.sh)
# An OpenCL device whose second read of a batch fails to enqueue (the
# shim tests/cl_fail_read.c, preloaded) while its first read may still be
# filling the host memory: retired beside OpenMP with OpenMP's bits, the
# run's one error alone, and nothing freed under the first read.
add_library(cl_fail_read MODULE cl_fail_read.c)
target_link_libraries(cl_fail_read PRIVATE OpenCL::OpenCL ${CMAKE_DL_LIBS})
het_target_warnings(cl_fail_read)
het_e2e(read_failure read_failure.sh $<TARGET_FILE:cl_fail_read>)
# Throughput models kept between runs: owner-only files in the cache,
# loaded by the next run of the job shape, ignored when not trusted.
het_e2e(rates rates.sh)
