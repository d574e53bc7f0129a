/* hetero.c - the `hetero` program: every registered workload (the
 * built-ins) behind the library's command line, hetero_main
 * (include/hetero.h, part 3; host/cli/). */
#include <hetero.h>

int main(int argc, char **argv) { return hetero_main(argc, argv, NULL, 0); }
