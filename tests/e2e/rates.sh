#!/usr/bin/env bash
# rates.sh - throughput models kept between runs (host/engine/rates.c):
#   - a complete run keeps each worker's rate in the cache's rates/ folder,
#     one file per model, owner-only (0600 in a 0700 folder);
#   - the same job shape runs again with the rate known before its first
#     batch (a HETERO_DEBUG line), another seed too, and gives the bits of
#     a run without models;
#   - a model another user could have written, or one that is not a rate,
#     is ignored (and never a FIFO's open);
#   - HETERO_MODELS=off and HETERO_CACHE_DIR=off keep none.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
unset HETERO_MODELS
export HETERO_CACHE_DIR="$E2E_DIR/cache"
dir="$HETERO_CACHE_DIR/rates"
job=(pi --samples 3e7 --devices omp --threads "$THREADS" --format json)

HETERO_MODELS=off run_ok ref "$H" "${job[@]}" --seed 5
[ ! -e "$dir" ] || fail "HETERO_MODELS=off: a rates folder was made"
HETERO_CACHE_DIR=off run_ok off "$H" "${job[@]}" --seed 5
[ ! -e "$dir" ] || fail "HETERO_CACHE_DIR=off: a rates folder was made"
echo "ok  HETERO_MODELS=off and HETERO_CACHE_DIR=off keep no model"

run_ok first "$H" "${job[@]}" --seed 5
n=$(find "$dir" -type f | wc -l)
[ "$n" -eq 1 ] || fail "one model expected after a run on one worker, found $n"
model=$(find "$dir" -type f)
[ "$(stat -c %a "$model")" = 600 ] || fail "the model's mode is $(stat -c %a "$model"), not 600"
[ "$(stat -c %a "$dir")" = 700 ] || fail "the rates folder's mode is $(stat -c %a "$dir"), not 700"
[ "$(head -1 "$model")" = "hetero-rate 1" ] || fail "the model's first line"
echo "ok  a complete run keeps its worker's rate, owner-only"

# the next run knows the rate before its first batch, with any seed, and
# gives the bits of a run without models
HETERO_DEBUG=1 run_ok second "$H" "${job[@]}" --seed 5
grep -q "^hetero: debug: rates: $(basename "$model"): .* grains/s$" "$E2E_DIR/second.err" ||
    { show "$E2E_DIR/second.err"; fail "the second run did not load the model"; }
json_check "$E2E_DIR/second.out" "r['digest'] == json.load(open('$E2E_DIR/ref.out'))['digest']"
HETERO_DEBUG=1 run_ok seed "$H" "${job[@]}" --seed 6
grep -q "^hetero: debug: rates: $(basename "$model"): " "$E2E_DIR/seed.err" ||
    fail "another seed is another model: the seed changes no grain's cost"
echo "ok  the same job shape starts from the kept rate, with the same bits"

# not trusted: writable by others, or not a rate
chmod 666 "$model"
HETERO_DEBUG=1 run_ok loose "$H" "${job[@]}" --seed 5
grep -q "is not used" "$E2E_DIR/loose.err" || { show "$E2E_DIR/loose.err"; fail "a model others may write was used"; }
rm -f "$model"
printf 'hetero-rate 1\nnan\n' >"$model"
chmod 600 "$model"
HETERO_DEBUG=1 run_ok nan "$H" "${job[@]}" --seed 5
grep -q "is not a rate" "$E2E_DIR/nan.err" || { show "$E2E_DIR/nan.err"; fail "a model that is not a rate was used"; }
rm -f "$model"
mkfifo -m 600 "$model"
HETERO_DEBUG=1 run_ok fifo timeout 60 "$H" "${job[@]}" --seed 5
grep -q "is not used" "$E2E_DIR/fifo.err" || { show "$E2E_DIR/fifo.err"; fail "a FIFO as a model"; }
rm -f "$model"
echo "ok  a model others could write, one that is not a rate, and a FIFO are ignored"
