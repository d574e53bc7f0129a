/* philox_kat.cl - runs Philox4x32-10 on given counters and keys, so the
 * device's Random123 can be checked against the published known answers
 * (tests/test_philox_kat_device.c).  The build flattens the #include below, as it
 * does for every kernel, so this is the same Philox the workloads use.
 *
 * Buffers:
 *   in  : n * 6 uint, per vector ctr[0..3] then key[0..1]
 *   out : n * 4 uint, per vector the 4 output words
 */
#include <Random123/philox.h>
#include "het_philox.h"

__kernel void philox_kat(__global const uint *in, __global uint *out, uint n)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    philox4x32_ctr_t ctr = {{in[6 * i], in[6 * i + 1], in[6 * i + 2], in[6 * i + 3]}};
    philox4x32_key_t key = {{in[6 * i + 4], in[6 * i + 5]}};
    philox4x32_ctr_t r = philox4x32_R(HET_PHILOX_ROUNDS, ctr, key);
    for (int j = 0; j < 4; j++)
        out[4 * i + j] = r.v[j];
}
