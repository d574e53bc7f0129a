#!/usr/bin/env bash
# The program cache trusts only its owner: an entry, or a cache directory,
# that another user owns or that group or others may write is ignored (a
# HETERO_DEBUG line says why), the program is built from source and
# written to the user's own cache; the checksum covers the key, so an
# entry copied under another key's name is refused too.  A planted entry
# would otherwise run on the device as hetero's own kernel.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
ids=$(opencl_ids)
dev=${ids%%$'\n'*}
[ -n "$dev" ] || { echo "notice: no OpenCL device; the program cache is not used"; exit 0; }
root=$(id -u)

export HETERO_CACHE_DIR="$E2E_DIR/cache/hetero" XDG_CACHE_HOME="$E2E_DIR/xdg" HETERO_DEBUG=1
# the cache makes its own folder, never the one above it
mkdir -m 700 "$E2E_DIR/cache" "$XDG_CACHE_HOME"

# run TAG WANT_CACHED [workload args]: a run on $dev; its build_cached must
# be WANT_CACHED and its hits the OpenMP team's
run_omp_ref() { run_ok ref "$H" pi --samples 1e5 --devices omp --format json; json_get "$E2E_DIR/ref.out" result.hits; }
hits=$(run_omp_ref)
check() {
    local tag=$1 want=$2
    run_ok "$tag" "$H" pi --samples 1e5 --devices "$dev" --format json
    local got h
    got=$(json_get "$E2E_DIR/$tag.out" phases.build_cached)
    h=$(json_get "$E2E_DIR/$tag.out" result.hits)
    [ "$got" = "$want" ] || { show "$E2E_DIR/$tag.err"; fail "$tag: build_cached $got, expected $want"; }
    [ "$h" = "$hits" ] || fail "$tag: hits $h, the OpenMP team says $hits"
    echo "ok  $tag: build_cached $got, hits $h"
}
mode() { stat -c %a "$1"; }

check first false
check second true
entry=$(find "$HETERO_CACHE_DIR" -name '*.clbin')
[ "$(echo "$entry" | wc -l)" -eq 1 ] || fail "expected one cache entry, got: $entry"
[ "$(mode "$HETERO_CACHE_DIR")" = 700 ] || fail "cache directory mode $(mode "$HETERO_CACHE_DIR"), expected 700"
[ "$(mode "$entry")" = 600 ] || fail "cache entry mode $(mode "$entry"), expected 600"

# an entry others may write: ignored, rebuilt, rewritten as ours
chmod 666 "$entry"
check group-writable false
grep -q "ignoring entry.*writable by group or others" "$E2E_DIR/group-writable.err" ||
    { show "$E2E_DIR/group-writable.err"; fail "no debug line for a writable entry"; }
[ "$(mode "$entry")" = 600 ] || fail "the ignored entry was not rebuilt as 0600"
check rewritten true

# the same without HETERO_DEBUG: silent
chmod 620 "$entry"
HETERO_DEBUG='' run_ok quiet "$H" pi --samples 1e5 --devices "$dev" --format json
[ -s "$E2E_DIR/quiet.err" ] && fail "notices without HETERO_DEBUG: $(cat "$E2E_DIR/quiet.err")"
[ "$(json_get "$E2E_DIR/quiet.out" phases.build_cached)" = false ] || fail "a group-writable entry was used"

if [ "$root" -eq 0 ]; then
    # an entry another user owns
    chown nobody "$entry"
    check foreign-entry false
    grep -q "ignoring entry.*owned by uid" "$E2E_DIR/foreign-entry.err" ||
        { show "$E2E_DIR/foreign-entry.err"; fail "no debug line for a foreign entry"; }
    [ "$(stat -c %u "$entry")" = 0 ] || fail "the foreign entry was not replaced by ours"
    # a directory another user owns: the user's own cache instead
    chown nobody "$HETERO_CACHE_DIR"
    check foreign-dir false
    grep -q "not using directory.*owned by uid" "$E2E_DIR/foreign-dir.err" ||
        { show "$E2E_DIR/foreign-dir.err"; fail "no debug line for a foreign directory"; }
    ls "$XDG_CACHE_HOME"/hetero/*.clbin >/dev/null 2>&1 || fail "nothing rebuilt into \$XDG_CACHE_HOME/hetero"
    check own-cache true
    chown root "$HETERO_CACHE_DIR"
else
    echo "notice: not root; entries of another owner are not tried"
fi

# a directory anybody may write (a shared /tmp folder): not used
rm -rf "$XDG_CACHE_HOME/hetero"
chmod 777 "$HETERO_CACHE_DIR"
check open-dir false
grep -q "not using directory.*writable by group or others" "$E2E_DIR/open-dir.err" ||
    { show "$E2E_DIR/open-dir.err"; fail "no debug line for a world-writable directory"; }
[ "$(mode "$XDG_CACHE_HOME/hetero")" = 700 ] || fail "the user's own cache is not 0700"
check open-dir-again true
chmod 700 "$HETERO_CACHE_DIR"

# the checksum covers the key: another program's entry under this name is refused
run_ok primes "$H" primes --range 0:1e5 --devices "$dev" --format json
other=$(find "$HETERO_CACHE_DIR" -name '*.clbin' ! -name "$(basename "$entry")" | head -n 1)
[ -n "$other" ] || fail "no second entry after a primes run"
cp "$other" "$entry"
check swapped false
grep -q "ignoring entry.*damaged" "$E2E_DIR/swapped.err" ||
    { show "$E2E_DIR/swapped.err"; fail "no debug line for an entry under another key"; }
check swapped-rebuilt true

# HETERO_CACHE_DIR=off: nothing read, nothing written
rm -rf "$XDG_CACHE_HOME/hetero"
HETERO_CACHE_DIR=off run_ok off "$H" pi --samples 1e5 --devices "$dev" --format json
[ "$(json_get "$E2E_DIR/off.out" phases.build_cached)" = false ] || fail "HETERO_CACHE_DIR=off used a cache"
[ -e "$XDG_CACHE_HOME/hetero" ] && fail "HETERO_CACHE_DIR=off wrote a cache"
echo "cache trust: only the owner's entries are used"
