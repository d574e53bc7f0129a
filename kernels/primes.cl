/* primes.cl - prime counting: one work-group sieves one grain.
 *
 * out[w] = number of primes in grain g0 + w (the same grains and the same
 * count as the CPU sieve, host/primes_sieve.c).  The grain is sieved in
 * sub-segments of seg_words 32-bit words of __local memory (4 wheel bytes
 * per word, byte t at bits 8t..8t+7; see primes_common.h):
 *   1. fill: each word is the AND of the three pre-sieve tables (primes
 *      7..43), read from global memory at the sub-segment's offset in each
 *      period; the first two bytes of the number line are fixed here;
 *   2. cross out: sieving primes p >= 47 with p^2 < the sub-segment's end.
 *      The smallest primes have many multiples per sub-segment, so the
 *      whole group shares each one (multiple h goes to work-item h mod L);
 *      larger primes are dealt out one per work-item, by bytes of the
 *      sieving-prime bitmap (statistically even, since the bytes are
 *      interleaved).  Work-items clear bits with atomic_and, so any
 *      interleaving gives the same words;
 *   3. count: popcount of each word, trimmed to the grain's [lo, hi).
 * The group's total is an integer sum, independent of the local size.
 *
 * Manifest of the arguments:
 *   out        n ulongs, written: out[w] for grain g0 + w
 *   chk        n ulongs, written: chk[w] = HET_GRAIN_CHECK(g0 + w) after out[w]
 *   start      first number of grain 0 (lo rounded down to 30)
 *   lo, hi     the job's range [lo, hi)
 *   nbytes     wheel bytes from start to hi
 *   grain_bytes wheel bytes per grain
 *   spbits     sp_nbytes bytes: wheel bitmap of the sieving primes
 *   pre        HET_PRIMES_PRE_BYTES bytes: the pre-sieve tables
 *   seg        seg_words uints of __local memory (>= 2 per work-item)
 *   coop       2 ints of __local memory per work-item: the shared primes'
 *              first multiple (turn byte, wheel index) in the sub-segment
 */
#include "primes_common.h"
#include "het_check.h"

inline void het_cross(__local uint *seg, ulong pos, uint bit)
{
    atomic_and(&seg[pos >> 2], ~(1u << ((((uint)pos & 3u) << 3) + bit)));
}

/* First multiple p*m >= max(p^2, S) with m coprime to 30 (S a multiple of
 * 30, S30 = S / 30): returns the byte of p*30*(m/30) relative to S30
 * (may be negative) and the wheel index j of m. */
inline long het_first(ulong p, ulong S, ulong S30, uint *j)
{
    ulong m0 = S / p;
    if (m0 * p < S)
        m0++;
    if (m0 < p)
        m0 = p;
    *j = HET_PRIMES_WHEEL_NEXT[m0 % 30];
    return (long)(p * (m0 / 30) - S30);
}

__kernel void primes(__global ulong *out, ulong g0, uint n, __global ulong *chk,
                     ulong start, ulong lo, ulong hi, ulong nbytes, ulong grain_bytes,
                     __global const uchar *spbits, ulong sp_nbytes,
                     __global const uchar *pre,
                     __local uint *seg, uint seg_words, __local int *coop)
{
    const uint w = get_group_id(0);
    const uint l = get_local_id(0);
    const uint L = get_local_size(0);
    if (w >= n)
        return;
    const ulong g = g0 + w;
    const ulong gb0 = g * grain_bytes;                 /* grain's first byte, from start */
    if (gb0 >= nbytes) {                               /* the empty range's grain */
        if (l == 0) {
            out[w] = 0;
            chk[w] = HET_GRAIN_CHECK(g);
        }
        return;
    }
    const ulong gb1 = (nbytes - gb0 > grain_bytes) ? gb0 + grain_bytes : nbytes;
    const ulong first = start + 30 * gb0;
    const ulong glo = first > lo ? first : lo;
    const ulong ghi = (gb1 < nbytes) ? start + 30 * gb1 : hi;
    const ulong seg_bytes = (ulong)seg_words * 4;
    /* Shared primes: those of bitmap bytes 1 .. coop_bytes - 1, one
     * candidate (byte, bit) per work-item, so at most L / 8 bytes; and
     * only primes below 8 * seg_bytes / L, which give every work-item at
     * least one multiple per sub-segment. */
    const ulong coop_bytes = 1 + min((ulong)(L / 8), (8 * seg_bytes / L) / 30);
    const uint coop_slots = 8 * (uint)(coop_bytes - 1);

    ulong count = 0;
    if (l == 0)
        for (ulong t = 2; t <= 5; t++)
            if (t != 4 && glo <= t && t < ghi)
                count++;

    for (ulong sb = gb0; sb < gb1; sb += seg_bytes) {
        const ulong nb = min(seg_bytes, gb1 - sb);     /* bytes in this sub-segment */
        const uint nw = (uint)((nb + 3) / 4);
        const ulong S = start + 30 * sb;                /* its first number */
        const ulong S30 = S / 30;
        /* its last number + 1, without overflow: hi for the job's last bytes */
        const ulong send = (sb + nb >= nbytes) ? hi : S + 30 * nb;

        barrier(CLK_LOCAL_MEM_FENCE);                   /* last count is done */
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
        /* each shared prime's first multiple in this sub-segment, found
         * once (by work-item = its slot) instead of by every work-item */
        if (l < coop_slots) {
            const ulong k = 1 + l / 8;
            const uint t = l % 8;
            int qv = 0, jv = -1;
            if (k < sp_nbytes && ((spbits[k] >> t) & 1)) {
                const ulong p = 30 * k + HET_PRIMES_RES[t];
                if (p >= HET_PRIMES_FIRST_SIEVED && p * p < send) {
                    uint j0;
                    const long q = het_first(p, S, S30, &j0);
                    qv = q > (long)nb ? (int)nb : (int)q;   /* past the end: no multiple here */
                    jv = (int)j0;
                }
            }
            coop[2 * l] = qv;
            coop[2 * l + 1] = jv;
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        /* shared primes: multiple h of the prime goes to work-item h mod L */
        for (uint c = 0; c < coop_slots; c++) {
            const int jv = coop[2 * c + 1];
            if (jv < 0)
                continue;
            const long q = coop[2 * c];
            const uint t = c % 8;
            const ulong p = 30 * (1 + c / 8) + HET_PRIMES_RES[t];
            const ulong a = p / 30;
            for (ulong h = (ulong)jv + l;; h += L) {
                const uint j = (uint)(h & 7);
                const long pos = q + (long)((h >> 3) * p + a * HET_PRIMES_RES[j] + HET_PRIMES_F[t][j]);
                if (pos >= (long)nb)
                    break;
                het_cross(seg, (ulong)pos, HET_PRIMES_B[t][j]);
            }
        }
        /* dealt-out primes: bitmap byte k goes to work-item k mod L */
        for (ulong k = coop_bytes + l; k < sp_nbytes; k += L) {
            uint v = spbits[k];
            if (30 * k * 30 * k >= send)               /* every prime of the byte has p^2 >= send */
                break;
            while (v) {
                const uint t = 31 - clz(v & (0u - v));
                v &= v - 1;
                const ulong p = 30 * k + HET_PRIMES_RES[t];
                if (p * p >= send)
                    break;
                uint j;
                long q = het_first(p, S, S30, &j);
                const ulong a = p / 30;
                for (;;) {
                    const long pos = q + (long)(a * HET_PRIMES_RES[j] + HET_PRIMES_F[t][j]);
                    if (pos >= (long)nb)
                        break;
                    het_cross(seg, (ulong)pos, HET_PRIMES_B[t][j]);
                    if (++j == 8) {
                        j = 0;
                        q += (long)p;
                    }
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        /* count, trimming the grain's first and last byte */
        for (uint k = l; k < nw; k += L) {
            uint word = seg[k];
            for (uint t = 0; t < 4; t++) {
                const ulong i = sb + 4 * k + t;        /* byte from start */
                uint m = 0xFFu;
                if (i >= gb1)
                    m = 0;
                else {
                    if (i == gb0)
                        m &= het_primes_byte_mask(glo - first, 30);
                    if (i == gb1 - 1)
                        m &= het_primes_byte_mask(0, ghi - (start + 30 * i));
                }
                word &= ~((0xFFu & ~m) << (8 * t));
            }
            count += popcount(word);
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
        chk[w] = HET_GRAIN_CHECK(g);
    }
}
