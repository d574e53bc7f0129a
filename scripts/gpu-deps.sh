#!/usr/bin/env bash
# gpu-deps.sh - fetch, on a Debian machine with network, the packages hetero
# needs to build on a GPU node that has none (no network, no apt), and unpack
# them into a folder that scripts/gpu-check.sh uses there.
#
#   scripts/gpu-deps.sh [DIR]          (default: gpu-deps/ in the repository)
#
# Downloads with `apt-get download` (no root, nothing installed) into
# DIR/debs and unpacks each package with `dpkg -x` into a prefix:
#   DIR/root    Random123, cJSON, xxHash and cmocka (headers and libraries);
#   DIR/opencl  the OpenCL headers and the ocl-icd loader, used only where
#               the node has no OpenCL of its own (a CUDA toolkit's is
#               preferred: the loader needs glibc 2.34 or newer).
# Their pkg-config files are made relocatable (prefix=${pcfiledir}/...), so
# DIR may be copied anywhere.  Copy the repository with DIR to the node and
# run scripts/gpu-check.sh there; it finds DIR itself (or --deps DIR).  The
# libraries come from this machine's release (Debian 12: glibc 2.14 or newer
# for cJSON and xxHash); the architecture is this machine's.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/gpu-deps}
case "$dir" in -*) echo "usage: scripts/gpu-deps.sh [DIR]" >&2; exit 2 ;; esac
for p in apt-get dpkg; do
    command -v "$p" >/dev/null || { echo "gpu-deps: needs $p (a Debian or Ubuntu machine)" >&2; exit 2; }
done

# as scripts/install-deps.sh names them; the -dev packages' libraries too
libs=(librandom123-dev libcjson-dev libcjson1 libxxhash-dev libxxhash0 libcmocka-dev libcmocka0)
opencl=(opencl-c-headers ocl-icd-opencl-dev ocl-icd-libopencl1)

mkdir -p "$dir/debs"
dir=$(cd "$dir" && pwd)
echo "gpu-deps: downloading ${libs[*]} ${opencl[*]} into $dir/debs"
(cd "$dir/debs" && apt-get download "${libs[@]}" "${opencl[@]}")

# unpack NAMES into PREFIX, afresh
unpack() {
    local prefix=$1 p f
    shift
    rm -rf "$prefix"
    mkdir -p "$prefix"
    for p in "$@"; do
        f=$(find "$dir/debs" -maxdepth 1 -name "${p}_*.deb" -print | sort | tail -n 1)
        [ -n "$f" ] || { echo "gpu-deps: $p was not downloaded" >&2; exit 1; }
        dpkg -x "$f" "$prefix"
    done
    # pkg-config files name /usr: make them name where they lie
    find "$prefix" -name '*.pc' -path '*/pkgconfig/*' -print0 |
        while IFS= read -r -d '' pc; do
            local up
            up=$(realpath --relative-to="$(dirname "$pc")" "$prefix/usr")
            # shellcheck disable=SC2016 # ${prefix} is pkg-config's, not ours
            sed -i -E -e '/^prefix=/d' \
                -e 's#(^[a-z_]+=|-I|-L)/usr(/|$|[[:space:]])#\1${prefix}\2#g' "$pc"
            sed -i "1i prefix=\${pcfiledir}/$up" "$pc"
        done
}
unpack "$dir/root" "${libs[@]}"
unpack "$dir/opencl" "${opencl[@]}"
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
echo "$arch" >"$dir/multiarch"
echo "gpu-deps: unpacked into $dir/root and $dir/opencl ($arch); scripts/gpu-check.sh uses them"
