/* primes.cl - prime counting: one work-group sieves one grain.
 *
 * out[w] = number of primes in grain g0 + w (the same grains and the same
 * count as the CPU sieve, primes_sieve.h).  The grain is sieved in
 * sub-segments of seg_words 32-bit words of __local memory (4 wheel bytes
 * per word, byte t at bits 8t..8t+7; see primes_common.h).
 *
 * Wheel positions.  A sieving prime p crosses out p*m for m coprime to 30.
 * Write m = 30b + RES[j]: p*m lies in wheel byte p*b + off_j, bit bit_j,
 * where off_j = floor(p * RES[j] / 30) < p (increasing in j) and bit_j is
 * the bit of (p * RES[j]) mod 30.  So the 8 multiples of "turn" b sit at
 * the turn's start p*b plus off_0 .. off_7, and the next turn starts p
 * bytes further on.  off_j and bit_j are computed (a multiply and two
 * divisions by the constant 30), never read from a table: a table indexed
 * by a per-work-item j is a divergent __constant read on a GPU.
 *
 * Sieving primes come in three sizes (bounds chosen per device by the host,
 * primes_cl.c, from the sub-segment and work-group sizes):
 *   - group primes (47 <= p < p_small, mp[0 .. n_grp)): many multiples per
 *     sub-segment; the whole group works on one prime at a time, work-item
 *     l on the multiples of wheel index j = l % 8 in turns l / 8, l / 8 +
 *     L / 8, ... (stride L/8 * p bytes);
 *   - lane primes (p_small <= p < p_large, mp[n_grp .. n_med)): a team of 8
 *     work-items per prime, work-item j of the team on wheel index j, one
 *     turn after the other (stride p); or, with solo = 1 (CPU devices),
 *     one work-item per prime stepping through all 8 indices of a turn;
 *   - large primes (p >= p_large, read from the sieving-prime bitmap): a
 *     few multiples per grain at most; one work-item per prime marks them,
 *     for a whole chunk of the grain at once, in a bitmap in global memory
 *     (the scratch), which each sub-segment's count then removes.
 * Each group or lane prime's first multiple (p^2, or the first past the
 * grain's start) is found once per grain with a 64-bit division; then its
 * state, the start of the first turn that still has a multiple in or past
 * the current sub-segment (in bytes, relative to that sub-segment), moves
 * from one sub-segment to the next in the scratch (two arrays, read one,
 * write the other).  The multiples a turn holds below p^2 are p*m with
 * 30 < m < p: composite, so crossing them out again changes nothing.
 * Large primes find their first multiple once per chunk (a chunk is the
 * whole grain unless the grain is wider than the scratch allows).
 *
 * Per sub-segment:
 *   1. fill: each word is the AND of the three pre-sieve tables (primes
 *      7..43), read at the sub-segment's offset in each period; the first
 *      two bytes of the number line are fixed here;
 *   2. cross out the group and lane primes' multiples with atomic_and
 *      (any interleaving gives the same words), and move their states on;
 *   3. count: popcount of each word less the large primes' marks, trimmed
 *      to the grain's [lo, hi).
 * The group's total is an integer sum, independent of the local size.
 *
 * Manifest of the arguments:
 *   out        n ulongs, written: out[w] for grain g0 + w
 *   chk        n ulongs, written: chk[w] = HETERO_GRAIN_CHECK(g0 + w) after out[w]
 *   lo, hi     the job's range [lo, hi); grain 0 starts at lo rounded
 *              down to a multiple of 30
 *   nbytes     wheel bytes from grain 0's start to hi
 *   grain_bytes wheel bytes per grain
 *   spbits     sp_nbytes bytes, read: wheel bitmap of the sieving primes
 *   pre        HET_PRIMES_PRE_BYTES bytes, read: the pre-sieve tables
 *   seg        seg_words uints of __local memory (>= 2 per work-item)
 *   mp         n_med uints, read: the group and lane primes, ascending
 *   p_large    the smallest large prime bound (primes >= it are large)
 *   scratch    per work-group, read and written: 2 * n_med longs (the
 *              states), then chunk_bytes bytes (the large primes' marks,
 *              a uint per 4 wheel bytes); chunk_bytes = 0: no large primes,
 *              else a multiple of the sub-segment (4 * seg_words)
 *   solo       1: lane primes one per work-item, 0: by teams of 8
 */
#include "primes_common.h"
#include "grain_check.h"

/* HET_PRIMES_RES[0..7] packed into bytes, for a lookup without memory. */
#define HET_PRIMES_RES_PACKED 0x1D1713110D0B0701ul

inline uint het_res_of(uint j) { return (uint)(HET_PRIMES_RES_PACKED >> (8u * j)) & 0xFFu; }

/* The bit of residue r in a wheel byte (r coprime to 30): 1 7 11 13 17 19
 * 23 29 -> 0..7, which is floor(4r / 15). */
inline uint het_bit_of(uint r) { return (4u * r) / 15u; }

inline void het_cross(__local uint *seg, uint pos, uint bit)
{
    atomic_and(&seg[pos >> 2], ~(1u << (((pos & 3u) << 3) + bit)));
}

/* Bit t set for each residue t coprime to 30. */
#define HET_PRIMES_COPRIME_MASK 0x208A2882u

/* First multiple p*m >= max(p^2, S) with m coprime to 30 (S a multiple of
 * 30, S30 = S / 30): returns the start of its turn, the byte p*(m/30),
 * relative to S30 (greater than -p), and in *j its wheel index (the first
 * j with RES[j] >= m0 mod 30: the residues below it, counted). */
inline long het_first_turn(ulong p, ulong S, ulong S30, uint *j)
{
    ulong m0 = S / p;
    if (m0 * p < S)
        m0++;
    if (m0 < p)
        m0 = p;
    const ulong b = m0 / 30;
    *j = popcount(HET_PRIMES_COPRIME_MASK & ((1u << (uint)(m0 - 30 * b)) - 1u));
    return (long)(p * b - S30);
}

__kernel void primes(__global ulong *out, ulong g0, uint n, __global ulong *chk, ulong lo, ulong hi,
                     ulong nbytes, ulong grain_bytes, __global const uchar *spbits, ulong sp_nbytes,
                     __global const uchar *pre, __local uint *seg, uint seg_words, __global const uint *mp,
                     uint n_grp, uint n_med, uint p_large, __global long *scratch, ulong chunk_bytes,
                     uint solo)
{
    const uint w = get_group_id(0);
    const uint l = get_local_id(0);
    const uint L = get_local_size(0);
    if (w >= n)
        return;
    const ulong start = lo - lo % 30; /* first number of grain 0 */
    const ulong g = g0 + w;
    const ulong gb0 = g * grain_bytes; /* grain's first byte, from start */
    if (gb0 >= nbytes) {               /* the empty range's grain */
        if (l == 0) {
            out[w] = 0;
            chk[w] = HETERO_GRAIN_CHECK(g);
        }
        return;
    }
    const ulong gb1 = (nbytes - gb0 > grain_bytes) ? gb0 + grain_bytes : nbytes;
    const ulong first = start + 30 * gb0;
    const ulong glo = first > lo ? first : lo;
    const ulong ghi = (gb1 < nbytes) ? start + 30 * gb1 : hi;
    const uint seg_bytes = seg_words * 4;

    /* this group's scratch: the two state arrays, then the marks */
    __global long *st0 = scratch + (ulong)w * (2 * (ulong)n_med + chunk_bytes / 8);
    __global long *st1 = st0 + n_med;
    __global uint *big = (__global uint *)(st1 + n_med);

    /* the wheel index this work-item crosses out for group and lane primes */
    const uint j = l & 7u;
    const uint rj = het_res_of(j);
    const uint R = L >> 3; /* turns in flight per group prime */
    const uint r = l >> 3;

    ulong count = 0;
    if (l == 0)
        for (ulong t = 2; t <= 5; t++)
            if (t != 4 && glo <= t && t < ghi)
                count++;

    /* group and lane primes: their first turn in the grain, once */
    {
        const ulong first30 = first / 30;
        uint jf;
        for (uint m = l; m < n_med; m += L)
            st0[m] = het_first_turn(mp[m], first, first30, &jf);
    }
    uint flip = 0;

    /* One loop over the sub-segments; a chunk (a multiple of the
     * sub-segment) starts every chunk_bytes.  Every barrier is at the top
     * level of this loop, none under a condition or in an inner loop: some
     * compilers (PoCL 5) cannot form work-item loops otherwise. */
    const ulong chunk = chunk_bytes ? chunk_bytes : gb1 - gb0;
    for (ulong sb = gb0; sb < gb1; sb += seg_bytes) {
        const ulong c0 = sb - (sb - gb0) % chunk;
        const ulong c1 = (gb1 - c0 > chunk) ? c0 + chunk : gb1;
        /* at a chunk's start, the large primes mark their multiples in
         * [c0, c1) in big */
        const ulong clen = (chunk_bytes && sb == c0) ? c1 - c0 : 0;
        const ulong CS = start + 30 * c0, CS30 = CS / 30;
        const ulong cend = (c1 >= nbytes) ? hi : start + 30 * c1;
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE); /* the last count is done */
        for (ulong k = l; k < (clen + 3) / 4; k += L)
            big[k] = 0;
        barrier(CLK_GLOBAL_MEM_FENCE);
        for (ulong k = p_large / 30 + l; clen && k < sp_nbytes; k += L) {
            uint v = spbits[k];
            if (30 * k * 30 * k >= cend) /* every prime of the byte has p^2 >= cend */
                break;
            while (v) {
                const uint t = 31 - clz(v & (0u - v));
                v &= v - 1;
                const ulong p = 30 * k + het_res_of(t);
                if (p < p_large)
                    continue;
                if (p * p >= cend)
                    break;
                uint jf;
                long base = het_first_turn(p, CS, CS30, &jf);
                /* no multiple in this chunk: the common case near 2^64 */
                if (base + (long)(p * het_res_of(jf) / 30) >= (long)clen)
                    continue;
                ulong off[8];
                uint bit[8];
#pragma unroll
                for (uint i = 0; i < 8; i++) {
                    const ulong pr = p * het_res_of(i);
                    off[i] = pr / 30;
                    bit[i] = het_bit_of((uint)(pr - 30 * off[i]));
                }
                for (; base < (long)clen; base += (long)p) {
#pragma unroll
                    for (uint i = 0; i < 8; i++) {
                        const long pos = base + (long)off[i];
                        if (pos >= 0 && pos < (long)clen)
                            atomic_or(&big[pos >> 2], 1u << ((((uint)pos & 3u) << 3) + bit[i]));
                    }
                }
            }
        }

        {
            const uint nb = (uint)min((ulong)seg_bytes, c1 - sb); /* bytes in this sub-segment */
            const uint nw = (nb + 3) / 4;
            const ulong S30 = (start + 30 * sb) / 30; /* its first number / 30 */
            __global const long *sc = flip ? st1 : st0;
            __global long *sn = flip ? st0 : st1;
            flip ^= 1;

            {
                __global const uchar *t0 = pre + HET_PRIMES_PRE_OFF_0 + S30 % HET_PRIMES_PRE_PERIOD_0;
                __global const uchar *t1 = pre + HET_PRIMES_PRE_OFF_1 + S30 % HET_PRIMES_PRE_PERIOD_1;
                __global const uchar *t2 = pre + HET_PRIMES_PRE_OFF_2 + S30 % HET_PRIMES_PRE_PERIOD_2;
                for (uint k = l; k < nw; k += L) {
                    uint word = 0;
                    for (uint t = 0; t < 4; t++) {
                        const uint i = 4 * k + t;
                        uint v = (i < nb) ? (uint)(t0[i] & t1[i] & t2[i]) : 0u;
                        const ulong abs = S30 + i;
                        if (abs == 0)
                            v = HET_PRIMES_BYTE0;
                        else if (abs == 1)
                            v |= HET_PRIMES_BYTE1_PRE;
                        word |= v << (8 * t);
                    }
                    seg[k] = word;
                }
            }
            /* the fill is done, and so are the states written for this
             * sub-segment */
            barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);

            /* Group primes.  Work-item l takes turns r, r + R, ... at wheel
             * index j.  The next state is the start of the first turn whose
             * last multiple (index 7) lies at or past nb: exactly one
             * work-item of index 7 ends on that turn (the one whose turn
             * before it ends below nb) and writes it. */
            for (uint m = 0; m < n_grp; m++) {
                const uint p = mp[m];
                const long ts = sc[m];
                const uint off = (p * rj) / 30;
                if (ts >= (long)nb) { /* nothing here yet */
                    if (l == 7)
                        sn[m] = ts - (long)nb;
                    continue;
                }
                const uint bit = het_bit_of((p * rj) % 30);
                const int stride = (int)(R * p);
                int pos = (int)ts + (int)(r * p + off);
                if (pos < 0) /* only turn 0 can start before the sub-segment */
                    pos += stride;
                while (pos < (int)nb) {
                    het_cross(seg, (uint)pos, bit);
                    pos += stride;
                }
                if (j == 7 && pos - (int)p < (int)nb)
                    sn[m] = (long)(pos - (int)off) - (long)nb;
            }
            if (solo) {
                /* Lane primes one per work-item (CPU devices: the
                 * work-items of a group run one after the other anyway),
                 * stepping through the wheel a turn at a time. */
                for (uint m = n_grp + l; m < n_med; m += L) {
                    const uint p = mp[m];
                    const long ts = sc[m];
                    if (ts >= (long)nb) {
                        sn[m] = ts - (long)nb;
                        continue;
                    }
                    uint off[8], bit[8];
#pragma unroll
                    for (uint i = 0; i < 8; i++) {
                        const uint pr = p * het_res_of(i);
                        off[i] = pr / 30;
                        bit[i] = het_bit_of(pr % 30);
                    }
                    int base = (int)ts;
                    for (; base + (int)off[7] < (int)nb; base += (int)p) {
#pragma unroll
                        for (uint i = 0; i < 8; i++) {
                            const int pos = base + (int)off[i];
                            if (pos >= 0)
                                het_cross(seg, (uint)pos, bit[i]);
                        }
                    }
#pragma unroll
                    for (uint i = 0; i < 8; i++) {
                        const int pos = base + (int)off[i];
                        if (pos >= 0 && pos < (int)nb)
                            het_cross(seg, (uint)pos, bit[i]);
                    }
                    sn[m] = (long)base - (long)nb;
                }
            } else {
                /* Lane primes by teams of 8 (GPUs): team r takes primes
                 * n_grp + r, n_grp + r + R, ...; its work-item of index 7
                 * writes the next state. */
                for (uint m = n_grp + r; m < n_med; m += R) {
                    const uint p = mp[m];
                    const long ts = sc[m];
                    const uint off = (p * rj) / 30;
                    if (ts >= (long)nb) {
                        if (j == 7)
                            sn[m] = ts - (long)nb;
                        continue;
                    }
                    const uint bit = het_bit_of((p * rj) % 30);
                    int pos = (int)ts + (int)off;
                    if (pos < 0)
                        pos += (int)p;
                    while (pos < (int)nb) {
                        het_cross(seg, (uint)pos, bit);
                        pos += (int)p;
                    }
                    if (j == 7)
                        sn[m] = (long)(pos - (int)off) - (long)nb;
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);

            /* count, less the large primes' marks, trimming the grain's
             * first and last byte */
            for (uint k = l; k < nw; k += L) {
                uint word = seg[k];
                if (chunk_bytes)
                    word &= ~big[(sb - c0) / 4 + k];
                for (uint t = 0; t < 4; t++) {
                    const ulong i = sb + 4 * k + t; /* byte from start */
                    uint msk = 0xFFu;
                    if (i >= gb1)
                        msk = 0;
                    else {
                        if (i == gb0)
                            msk &= het_primes_byte_mask(glo - first, 30);
                        if (i == gb1 - 1)
                            msk &= het_primes_byte_mask(0, ghi - (start + 30 * i));
                    }
                    word &= ~((0xFFu & ~msk) << (8 * t));
                }
                count += popcount(word);
            }
        }
    }

    /* group sum: two words per work-item in the (now free) segment */
    barrier(CLK_LOCAL_MEM_FENCE);
    seg[2 * l] = (uint)count;
    seg[2 * l + 1] = (uint)(count >> 32);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l == 0) {
        ulong total = 0;
        for (uint i = 0; i < L; i++)
            total += (ulong)seg[2 * i] | ((ulong)seg[2 * i + 1] << 32);
        out[w] = total;
        chk[w] = HETERO_GRAIN_CHECK(g);
    }
}
