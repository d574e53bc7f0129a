/* wl_reservoir.h - the reservoir workload's face: its description (which
 * the library's table of built-ins lists, and tests/test_reservoir.c
 * drives directly). */
#ifndef HET_WL_RESERVOIR_H
#define HET_WL_RESERVOIR_H

#include "hetero.h"

extern const hetero_workload het_wl_reservoir;

#endif
