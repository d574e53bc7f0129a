#!/usr/bin/env bash
# Bad input to `hetero primes` is refused with exit status 2, one line on
# stderr that names the option, and nothing on stdout.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# refuse WHAT ARGS...: hetero primes ARGS is bad input naming WHAT
refuse() {
        local what=$1
        shift
        expect_bad_input "$what" "$HETERO" primes "$@" --devices omp
}

refuse --range --range 10:5                        # A > B
refuse --range --range 0:18446744073709551616      # B past 2^64 - 1
refuse --range --range 0:1e20
refuse --range --range 100
refuse --range --range 1:2:3
refuse --range --range -5:10
refuse --range --range abc:def
refuse --nth --nth 0
refuse --nth --nth 425656284035217744              # no such 64-bit prime
refuse --nth --nth 2.5
refuse --nth --nth 1e3x
refuse --nth --range 0:10 --nth 5                  # both
refuse --range                                     # neither
refuse --print --nth 5 --print -                   # --print lists a range
