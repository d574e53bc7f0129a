/* hetero-bench.c - the `hetero-bench` program: every registered workload
 * (the built-ins) on every device set, timed and self-checked, through the
 * library's hetero_bench_main (include/hetero.h, part 3; host/bench/). */
#include <hetero.h>

int main(int argc, char **argv) { return hetero_bench_main(argc, argv, NULL, 0); }
