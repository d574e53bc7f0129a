# hetero-bench end to end, kept small: --quick, tiny jobs, the OpenMP team
# and (where there is one) an OpenCL device; the charts (PNG and SVG from
# one drawing, no gnuplot), the set names against hetero's --devices, and
# --compare / --fail-on / --results (on large reports, over the caps, with
# bytes that are not UTF-8 too).
if(TARGET hetero-bench)
  het_e2e(bench_quick bench_quick.sh)
  het_e2e(bench_opencl bench_opencl.sh)
  het_e2e(bench_compare bench_compare.sh)
  het_e2e(bench_compare_big bench_compare_big.sh)
  het_e2e(bench_compare_utf8 bench_compare_utf8.sh)
  het_e2e(bench_self_check bench_self_check.sh)
  # a device whose kernel is wrong for one grain (tests/plugin/squares.c)
  het_e2e(bench_conform bench_conform.sh ${CMAKE_C_COMPILER} ${PROJECT_SOURCE_DIR})
  het_e2e(bench_bad_input bench_bad_input.sh)
  het_e2e(bench_charts bench_charts.sh)
  het_e2e(bench_sets bench_sets.sh)
  het_e2e(mpi_bench bench_mpi.sh)
endif()
