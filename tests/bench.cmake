# hetero-bench end to end, kept small: --quick, tiny jobs, the OpenMP team
# and (where there is one) an OpenCL device; the charts (PNG and SVG from
# one drawing, no gnuplot), the set names against hetero's --devices, and
# --compare / --fail-on / --results (on large reports, over the caps, with
# bytes that are not UTF-8 too).
if(TARGET hetero-bench)
  het_e2e(bench_quick bench_quick.sh
    CONTRACT "hetero-bench --quick: JSON, SVG and CSV rows agree; the check digest is hetero's")
  het_e2e(bench_opencl bench_opencl.sh
    CONTRACT "OpenCL beside OpenMP: the combined set named by its members, shared CPU cores flagged")
  het_e2e(bench_compare bench_compare.sh
    CONTRACT "--compare, --fail-on, --results: rows matched by identity, differences listed, exit 3")
  het_e2e(bench_compare_big bench_compare_big.sh
    CONTRACT "--compare and --results on tens of thousands of rows; a report over the caps is bad input")
  het_e2e(bench_compare_utf8 bench_compare_utf8.sh
    CONTRACT "reports with bytes that are not UTF-8: JSON stays strict UTF-8, text and CSV no controls")
  het_e2e(bench_self_check bench_self_check.sh
    CONTRACT "a device set giving another answer fails the bench: exit 1, both sets named, no report")
  # a device whose kernel is wrong for one grain (tests/plugin/squares.c)
  het_e2e(bench_conform bench_conform.sh ${CMAKE_C_COMPILER} ${PROJECT_SOURCE_DIR}
    CONTRACT "a kernel wrong for one grain fails the self-check, naming device, grain and byte")
  het_e2e(bench_bad_input bench_bad_input.sh
    CONTRACT "hetero-bench's bad input: exit 2, one line naming the option, nothing on stdout")
  het_e2e(bench_charts bench_charts.sh
    CONTRACT "the chart drawn once, PNG and SVG holding the same bars at the same places, no gnuplot")
  het_e2e(bench_sets bench_sets.sh
    CONTRACT "each --devices set benchmarks exactly the workers hetero runs for it, named by members")
  het_e2e(mpi_bench bench_mpi.sh
    CONTRACT "under mpirun every row runs on all ranks, with a one-process run's check digest")
endif()
