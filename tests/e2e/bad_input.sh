#!/usr/bin/env bash
# bad_input.sh - bad input gets exit status 2, nothing on stdout and one
# line on stderr that names the option (or command) at fault; never a
# result.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO

# counts: zero, negative, fractional, non-numeric, overflowing, empty
for n in 0 -5 1.5 2.5e0 abc 1k 1e19 9.223372036854775809e18 99999999999999999999 0x10 ''; do
    expect_bad_input --samples "$H" pi --samples "$n" --devices omp
    expect_bad_input --samples "$H" pi "--samples=$n" --devices omp
done
expect_bad_input --samples "$H" pi --devices omp                 # required
expect_bad_input --samples "$H" pi --devices omp --samples        # value missing

# seeds
for s in -1 0x 0x10000000000000000 18446744073709551616 seven; do
    expect_bad_input --seed "$H" pi --samples 1000 --seed "$s"
done

# devices: syntax, then an id that does not exist (found out after discovery)
for d in foo cl:x '' cl:0 cl:0:0:0 'cl: 0:0' 'omp,' ',omp' 'omp,,cl'; do
    expect_bad_input --devices "$H" pi --samples 1000 --devices "$d"
done
expect_bad_input --devices "$H" pi --samples 1000 --devices cl:7:7
expect_bad_input cl:7:7 "$H" pi --samples 1000 --devices omp,cl:7:7

# threads
for t in 0 -1 4097 two; do
    expect_bad_input --threads "$H" pi --samples 1000 --devices omp --threads "$t"
done

# options and formats
expect_bad_input --bogus "$H" pi --samples 1000 --bogus
expect_bad_input --bogus "$H" pi --samples 1000 --bogus=1
expect_bad_input --format "$H" pi --samples 1000 --devices omp --format xml
expect_bad_input --format "$H" pi --samples 1000 --devices omp --format
expect_bad_input --progress "$H" pi --samples 1000 --progress=yes
expect_bad_input stray "$H" pi --samples 1000 stray

# control characters in an echoed value are escaped: the message stays one
# line, and no escape sequence reaches the terminal
expect_bad_input '--samples' "$H" pi --samples $'1\n2' --devices omp
grep -qF "got '1\n2'" "$E2E_DIR/bad.err" || fail "the newline is not shown as \\n: $(cat "$E2E_DIR/bad.err")"
expect_bad_input $'--bog\\nus' "$H" pi --samples 1000 $'--bog\nus'
expect_bad_input 'cl:\x1b[2J' "$H" pi --samples 1000 --devices $'cl:\e[2J'
grep -q $'\e' "$E2E_DIR/bad.err" && fail "an escape character reached stderr"
expect_bad_input 'unknown command' "$H" $'pi\r\tx'
expect_bad_input --seed "$H" pi --samples 1000 --seed $'\n'

# commands
expect_bad_input --format "$H" devices --format csv
expect_bad_input --bogus "$H" devices --bogus
expect_bad_input command "$H"
expect_bad_input frobnicate "$H" frobnicate --samples 1000

# and good input next to it still works: help and version on stdout
run_ok help "$H" --help
grep -q '^usage: hetero' "$E2E_DIR/help.out" || fail "hetero --help prints no usage line"
[ -s "$E2E_DIR/help.err" ] && fail "hetero --help wrote to stderr"
run_ok pihelp "$H" pi --help
grep -q -- '--samples N' "$E2E_DIR/pihelp.out" || fail "hetero pi --help does not show --samples N"
run_ok version "$H" --version
grep -qE '^hetero [0-9]+\.[0-9]+\.[0-9]+$' "$E2E_DIR/version.out" || fail "hetero --version: $(cat "$E2E_DIR/version.out")"
echo "bad input: all refused as specified"
