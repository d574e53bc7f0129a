/* grain_check.h - the check word that proves a kernel finished a grain
 * (contract 8, "no silent kernel"), written once for C and OpenCL C.
 *
 * Every workload kernel gets a second output, chk (one 64-bit word per
 * grain of the batch).  The work-item that writes a grain's partial last
 * writes chk[w] = HETERO_GRAIN_CHECK(g) after it, so a group that stopped
 * early, a launch that never ran or a read of a stale buffer leaves a word
 * that does not match.  The engine fills chk with zeros before each launch
 * (the check word is never zero: its low bit is set) and compares every
 * word on the host before a batch's partials are used.
 *
 * The word depends on the grain index only, so it says nothing about the
 * partial's value; the digest and the comparison of recomputed grains
 * (contract 6) guard that.
 */
#ifndef HETERO_GRAIN_CHECK_H
#define HETERO_GRAIN_CHECK_H

/* The one name, as hetero.h has it for the host (the same definition, so
 * a file may include both). */
#define HETERO_GRAIN_CHECK(g) ((((g) ^ 0x6865746572636b21ul) * 0x9E3779B97F4A7C15ul) | 1ul)

#endif
