#!/usr/bin/env bash
# The program cache makes its own folder and nothing above it: a home that
# does not exist (HOME=/nonexistent, the home of service accounts, set so
# that nothing is written there) turns the cache off and is not created;
# an existing home of this user's gets ~/.cache and ~/.cache/hetero, 0700.
# PoCL's own cache follows ours: inside it (<ours>/pocl), or off with it
# and its scratch files in $TMPDIR/hetero-pocl-<uid>, never in the home; a
# POCL_CACHE_DIR the user set is left as it is.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

H=$HETERO
uid=$(id -u)
mkdir -m 700 "$E2E_DIR/tmp"
export TMPDIR="$E2E_DIR/tmp"
unset XDG_CACHE_HOME HETERO_CACHE_DIR POCL_CACHE_DIR POCL_KERNEL_CACHE
export HETERO_DEBUG=1
mode() { stat -c %a "$1"; }
# absent PATH WHAT: PATH must not exist
absent() { [ ! -e "$1" ] || fail "$2: '$1' was created: $(find "$1" | head -n 5 | tr '\n' ' ')"; }

# no OpenCL device at all: `hetero devices` starts the platforms all the same
HOME="$E2E_DIR/nonexistent" run_ok devices-nohome "$H" devices --format json
absent "$E2E_DIR/nonexistent" "hetero devices with a missing home"
ids=$(opencl_ids)
dev=${ids%%$'\n'*}
[ -n "$dev" ] || { echo "notice: no OpenCL device; the program cache is not used"; exit 0; }

run_ok ref "$H" pi --samples 1e6 --devices omp --format json
hits=$(json_get "$E2E_DIR/ref.out" result.hits)
# run TAG WANT_CACHED: a run on the OpenCL devices, with the OpenMP
# team's answer, its build_cached WANT_CACHED
run() {
    local tag=$1 want=$2
    run_ok "$tag" "$H" pi --samples 1e6 --devices cl --format json
    local h got
    h=$(json_get "$E2E_DIR/$tag.out" result.hits)
    got=$(json_get "$E2E_DIR/$tag.out" phases.build_cached)
    [ "$h" = "$hits" ] || fail "$tag: hits $h, the OpenMP team says $hits"
    [ "$got" = "$want" ] || { show "$E2E_DIR/$tag.err"; fail "$tag: build_cached $got, expected $want"; }
    echo "ok  $tag: hits $h, build_cached $got"
}

# a home that does not exist: no cache, nothing made, the same answer
export HOME="$E2E_DIR/nonexistent"
run nohome false
run nohome-again false
absent "$HOME" "a missing home"
grep -q "program cache: off, cannot create directory '$HOME/.cache/hetero': the home folder" \
    "$E2E_DIR/nohome.err" || { show "$E2E_DIR/nohome.err"; fail "no debug line saying why the cache is off"; }
[ -d "$TMPDIR/hetero-pocl-$uid" ] || fail "PoCL's scratch files are not in \$TMPDIR/hetero-pocl-$uid"
[ "$(mode "$TMPDIR/hetero-pocl-$uid")" = 700 ] || fail "PoCL's scratch folder is not 0700"

# a home without .cache: ~/.cache is made (0700), and the cache is used;
# PoCL's cache is inside ours
export HOME="$E2E_DIR/home"
mkdir -m 700 "$HOME"
run home false
run home-again true
[ "$(mode "$HOME/.cache")" = 700 ] || fail "home .cache mode $(mode "$HOME/.cache"), expected 700"
[ "$(mode "$HOME/.cache/hetero")" = 700 ] || fail "home .cache/hetero mode $(mode "$HOME/.cache/hetero"), expected 700"
[ "$(mode "$HOME/.cache/hetero/pocl")" = 700 ] || fail "PoCL's cache is not in ~/.cache/hetero/pocl, 0700"
absent "$HOME/.cache/pocl" "PoCL's cache, which belongs in ours"

# HETERO_CACHE_DIR=off: no cache of ours, none of PoCL's, nothing in the home
export HOME="$E2E_DIR/home-off"
mkdir -m 700 "$HOME"
HETERO_CACHE_DIR=off run off false
[ -z "$(find "$HOME" -mindepth 1)" ] || fail "HETERO_CACHE_DIR=off wrote in the home: $(find "$HOME" -mindepth 1)"

# a configured folder, or $XDG_CACHE_HOME, whose parent is missing: not made
HETERO_CACHE_DIR="$E2E_DIR/missing/hetero" run configured false
absent "$E2E_DIR/missing" "HETERO_CACHE_DIR under a missing folder"
XDG_CACHE_HOME="$E2E_DIR/xdg-missing" run xdg false
absent "$E2E_DIR/xdg-missing" "a missing XDG_CACHE_HOME"
[ -z "$(find "$HOME" -mindepth 1)" ] || fail "the home was written to: $(find "$HOME" -mindepth 1)"

# the user's own POCL_CACHE_DIR is left as it is
mkdir -m 700 "$E2E_DIR/mypocl"
HOME="$E2E_DIR/home" POCL_CACHE_DIR="$E2E_DIR/mypocl" run mine true
[ -n "$(find "$E2E_DIR/mypocl" -mindepth 1)" ] || fail "PoCL did not use the POCL_CACHE_DIR the user set"
echo "program cache: its own folder only, and PoCL's follows it"
