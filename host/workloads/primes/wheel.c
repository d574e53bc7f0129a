/* wheel.c - the mod-210 wheel of the bucket sieve (erat_big.c): for every
 * class of prime and every multiplier coprime to 210, the bit to clear,
 * the distance to the next multiple and the state that follows
 * (primesieve's wheel210 table), with the tables that find a prime's first
 * multiple on it and walk a bitmap of primes byte by byte.  Built once, on
 * first use; read-only after. */
#include "sieve_internal.h"

#include <pthread.h>

#define R HET_PRIMES_RES
#define W210 HET_SIEVE_W210

het_sieve_wheel het_wheel;
static pthread_once_t het__wheel_once = PTHREAD_ONCE_INIT;

static void het__wheel_build(void)
{
    int nu = 0;
    for (unsigned m = 1; m < 210; m++)
        if (m % 2 && m % 3 && m % 5 && m % 7)
            het_wheel.u[nu++] = (uint8_t)m;
    for (unsigned v = 0; v < 256; v++)
        for (unsigned b = 0, k = 0; b < 8; b++)
            if (v >> b & 1) {
                het_wheel.bits_of[v][k++] = b;
                het_wheel.nbits[v] = (uint8_t)k;
            }
    het_wheel.u[W210] = 211;
    for (unsigned t = 0, k = 0; t < 210; t++) {
        while (k < W210 && het_wheel.u[k] < t)
            k++;
        het_wheel.next210[t] = (uint8_t)k;
        for (unsigned i = 0; i < 8; i++)
            het_wheel.first210[i][t] = het_wheel.u[k] | (uint32_t)(R[i] * het_wheel.u[k] / 30) << 8 |
                                       (uint32_t)(i * W210 + k % W210) << 16;
    }
    for (unsigned i = 0; i < 8; i++)
        for (unsigned k = 0; k < W210; k++) {
            const unsigned m = het_wheel.u[k];
            const unsigned d = k + 1 < W210 ? het_wheel.u[k + 1] - m : 210 + het_wheel.u[0] - m;
            het_wheel.step[i * W210 + k] = (het_sieve_wstep){
                .mask = (uint8_t) ~(1u << het_primes_bit_of(R[i] * m % 30)),
                .factor = (uint8_t)d,
                .correct = (uint8_t)(R[i] * (m + d) / 30 - R[i] * m / 30),
                .next = (uint16_t)(i * W210 + (k + 1) % W210),
            };
        }
}

void het_wheel_init(void) { pthread_once(&het__wheel_once, het__wheel_build); }

int het_wheel_check(void)
{
    het_wheel_init();
    /* U, first210, and every step for primes of every class, small and as
     * large as 2^32 */
    for (unsigned k = 0; k < W210; k++) {
        const unsigned u = het_wheel.u[k];
        if (u % 2 == 0 || u % 3 == 0 || u % 5 == 0 || u % 7 == 0 || (k && u <= het_wheel.u[k - 1]))
            return hetero_fail(HETERO_E_INTERNAL, "primes: the mod-210 residues are wrong at %u", k);
    }
    static const uint64_t as[] = {0, 1, 3, 7, 1000, 8738, 143165576};
    for (unsigned i = 0; i < 8; i++) {
        for (unsigned r = 0; r < 210; r++) {
            const uint32_t e = het_wheel.first210[i][r];
            unsigned u = r;
            while (u % 2 == 0 || u % 3 == 0 || u % 5 == 0 || u % 7 == 0)
                u++;
            const unsigned k = u < 210 ? het_wheel.next210[r] : 0;
            if ((e & 0xFF) != u || ((e >> 8) & 0xFF) != R[i] * u / 30 || (e >> 16) != i * W210 + k ||
                het_wheel.u[k] != u % 210)
                return hetero_fail(HETERO_E_INTERNAL, "primes: first210[%u][%u] is wrong", i, r);
        }
        for (unsigned k = 0; k < W210; k++) {
            const het_sieve_wstep st = het_wheel.step[i * W210 + k];
            const unsigned k1 = (k + 1) % W210;
            for (size_t x = 0; x < sizeof as / sizeof *as; x++) {
                const uint64_t a = as[x], p = 30 * a + R[i];
                for (uint64_t m = het_wheel.u[k]; m < 2000; m += 210) {
                    /* p < 2^32 and m < 2^11: the products fit in 64 bits */
                    const uint64_t m1 = m + st.factor, pm = p * m, pm1 = p * m1;
                    if ((uint8_t)~st.mask != 1u << het_primes_bit_of((unsigned)(pm % 30)) ||
                        pm1 / 30 - pm / 30 != a * st.factor + st.correct || m1 % 210 != het_wheel.u[k1] ||
                        st.next != i * W210 + k1)
                        return hetero_fail(HETERO_E_INTERNAL, "primes: wheel step [%u][%u] is wrong", i, k);
                }
            }
        }
    }
    return HETERO_OK;
}
