/* kat_vectors.h - Random123's published known answers for Philox4x32-10
 * (the philox4x32 lines with 10 rounds in Random123's tests/kat_vectors),
 * one table shared by the host and the device checks. */
#ifndef HET_KAT_VECTORS_H
#define HET_KAT_VECTORS_H

#include <stdint.h>

typedef struct het_kat {
    uint32_t ctr[4];
    uint32_t key[2];
    uint32_t expect[4];
} het_kat;

static const het_kat het_philox4x32_10_kat[] = {
    {{0x00000000, 0x00000000, 0x00000000, 0x00000000},
     {0x00000000, 0x00000000},
     {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

#define HET_PHILOX_KAT_COUNT (sizeof het_philox4x32_10_kat / sizeof het_philox4x32_10_kat[0])

#endif
