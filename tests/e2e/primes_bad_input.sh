#!/usr/bin/env bash
# Bad input to `hetero primes` is refused with exit status 2, one line on
# stderr that names the option, and nothing on stdout.
set -uo pipefail
: "${HETERO:?}"
tmp=${E2E_TMP:-/tmp}/primes_bad_input.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail=0

refuse() {   # refuse WORD-IN-MESSAGE args...
  local word=$1
  shift
  "$HETERO" primes "$@" --devices omp > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  local lines
  lines=$(wc -l < "$tmp/err")
  if [[ $rc -ne 2 || $lines -ne 1 || -s $tmp/out ]] || ! grep -q -- "$word" "$tmp/err"; then
    echo "FAIL: primes $*: exit $rc, $lines stderr line(s): $(cat "$tmp/err")" >&2
    fail=1
  else
    echo "ok: primes $* -> $(cat "$tmp/err")"
  fi
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
exit $fail
