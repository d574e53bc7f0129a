#!/usr/bin/env bash
# install_example.sh - hetero installs like a library, and a program
# written only against the installed package builds and runs on it:
#   - `cmake --install` into a temporary prefix puts the programs, the
#     shared and static libraries (with a soname), hetero.h, hetero.pc,
#     the CMake package, the man pages, the completion and the docs there
#     (README, the pages of docs/ and their schemas, ARCHITECTURE.md and
#     the examples, laid out so that every relative link still leads
#     somewhere);
#   - examples/option-pricing builds through find_package(hetero) (its
#     kernel embedded by hetero_add_kernel; hetero::hetero and
#     hetero::hetero_static) and through pkg-config, has hetero's command
#     line (hetero_main: its usage, devices, bad input), and prices a
#     European call: the same bits on
#     every device set and thread count (and under mpirun), within a few
#     standard errors of Black-Scholes.
. "$(dirname "$0")/lib.sh"

build=$(dirname "$HETERO")
src=$(cd "$(dirname "$0")/../.." && pwd)
prefix="$E2E_DIR/prefix"
cmake --install "$build" --prefix "$prefix" >"$E2E_DIR/install.log" 2>&1 ||
    { show "$E2E_DIR/install.log"; fail "cmake --install"; }
for f in bin/hetero lib/libhetero.so lib/libhetero.a include/hetero.h include/hetero/hmath.h \
    lib/pkgconfig/hetero.pc lib/cmake/hetero/heteroConfig.cmake lib/cmake/hetero/heteroConfigVersion.cmake \
    lib/cmake/hetero/heteroTargets.cmake lib/cmake/hetero/HeteroKernel.cmake lib/cmake/hetero/EmbedKernel.cmake \
    share/man/man1/hetero.1 share/man/man1/hetero-bench.1 share/man/man3/hetero.3 share/bash-completion/completions/hetero \
    share/doc/hetero/README.md share/doc/hetero/LICENSE share/doc/hetero/ARCHITECTURE.md \
    share/doc/hetero/docs/commands.md share/doc/hetero/docs/design.md \
    share/doc/hetero/docs/schema/hetero.report.schema.json \
    share/doc/hetero/examples/option-pricing/option_pricing.c share/doc/hetero/examples/slurm/hetero.sbatch; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
# the installed README and pages link to one another as in the source tree
doc="$prefix/share/doc/hetero"
python3 "$src/scripts/check-links.py" "$doc/README.md" "$doc"/docs/*.md >"$E2E_DIR/links.log" 2>&1 ||
    { show "$E2E_DIR/links.log"; fail "a relative link of the installed documentation leads nowhere"; }
soname=$(objdump -p "$prefix/lib/libhetero.so" | awk '/SONAME/ {print $2}')
[ "$soname" = libhetero.so.0 ] || fail "soname is '$soname', expected libhetero.so.0"
# the shared library exports its API only
others=$(nm -D --defined-only "$prefix/lib/libhetero.so" | awk '$3 !~ /^hetero_/ && $2 ~ /[TDB]/' | head -3)
[ -z "$others" ] || fail "libhetero.so exports more than hetero_*: $others"
echo "ok  installed: programs, libhetero.so ($soname) and .a, headers, pkg-config, CMake package, man, completion, docs"

export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# through find_package(hetero)
cmake -S "$src/examples/option-pricing" -B "$E2E_DIR/op" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="${E2E_CFLAGS:-}" \
    -DCMAKE_BUILD_TYPE=Release >"$E2E_DIR/op.log" 2>&1 || { show "$E2E_DIR/op.log"; fail "configure the example"; }
cmake --build "$E2E_DIR/op" >>"$E2E_DIR/op.log" 2>&1 || { show "$E2E_DIR/op.log"; fail "build the example"; }
OP="$E2E_DIR/op/option-pricing"
ldd "$OP" | grep -F "$prefix/lib/libhetero.so.0" >/dev/null || fail "the example does not use the installed libhetero.so"
# through find_package(hetero), statically (hetero::hetero_static)
cmake -S "$src/examples/option-pricing" -B "$E2E_DIR/op-s" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="${E2E_CFLAGS:-}" -DOPTION_PRICING_STATIC=ON \
    -DCMAKE_BUILD_TYPE=Release >"$E2E_DIR/op-s.log" 2>&1 || { show "$E2E_DIR/op-s.log"; fail "configure the static example"; }
cmake --build "$E2E_DIR/op-s" >>"$E2E_DIR/op-s.log" 2>&1 || { show "$E2E_DIR/op-s.log"; fail "build the static example"; }
ldd "$E2E_DIR/op-s/option-pricing" | grep -F libhetero >/dev/null && fail "hetero::hetero_static loads libhetero.so"

# through pkg-config (the kernel flattened and embedded by hand)
inc=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags hetero) || fail "pkg-config --cflags hetero"
libs=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs hetero) || fail "pkg-config --libs hetero"
r123=$(dirname "$(dirname "$(find /usr/include /usr/local/include -name philox.h -path '*Random123*' | head -1)")")
cc -E -P -undef -x c -D__OPENCL_VERSION__=120 -DHETERO_OPENCL=1 -I"$r123" -I"$prefix/include" \
    -I"$src/examples/option-pricing" "$src/examples/option-pricing/option_pricing.cl" -o "$E2E_DIR/k.i" ||
    fail "flatten the kernel"
cmake -DIN="$E2E_DIR/k.i" -DOUT="$E2E_DIR/k.c" -DSYMBOL=option_pricing_kernel \
    -P "$prefix/lib/cmake/hetero/EmbedKernel.cmake" || fail "embed the kernel"
# shellcheck disable=SC2086 # pkg-config's words
cc -O2 -ffp-contract=off -fopenmp ${E2E_CFLAGS:-} -I"$r123" $inc "$src/examples/option-pricing/option_pricing.c" "$E2E_DIR/k.c" \
    $libs -lm -o "$E2E_DIR/op-pc" >"$E2E_DIR/pc.log" 2>&1 || { show "$E2E_DIR/pc.log"; fail "build with pkg-config"; }
# statically: libhetero.a and what `pkg-config --static` says it needs
slibs=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --static --libs-only-other --libs-only-L hetero) ||
    fail "pkg-config --static --libs hetero"
sl=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --static --libs-only-l hetero | sed 's/-lhetero//')
# shellcheck disable=SC2086 # pkg-config's words
cc -O2 -ffp-contract=off -fopenmp ${E2E_CFLAGS:-} -I"$r123" $inc "$src/examples/option-pricing/option_pricing.c" "$E2E_DIR/k.c" \
    $slibs "$prefix/lib/libhetero.a" $sl -lm -o "$E2E_DIR/op-static" >"$E2E_DIR/static.log" 2>&1 ||
    { show "$E2E_DIR/static.log"; fail "a static link with pkg-config --static"; }
ldd "$E2E_DIR/op-static" | grep -F libhetero >/dev/null && fail "the static build loads libhetero.so"
echo "ok  the example builds through find_package (shared and static), through pkg-config, and statically"

# hetero(3)'s EXAMPLE, cut from the installed page, builds on the package and
# prints pi
awk '/^\.SH EXAMPLE/ {f = 1; next} /^\.fi/ {f = 0} f && !/^\.nf/' "$prefix/share/man/man3/hetero.3" |
    sed 's/\\-/-/g; s/\\en/\\n/g' >"$E2E_DIR/man3.c"
grep -q hetero_job_run "$E2E_DIR/man3.c" || fail "hetero(3) has no EXAMPLE to build"
# shellcheck disable=SC2086 # pkg-config's words
cc ${E2E_CFLAGS:-} $inc "$E2E_DIR/man3.c" $libs -o "$E2E_DIR/man3" >"$E2E_DIR/man3.log" 2>&1 ||
    { show "$E2E_DIR/man3.log"; fail "build hetero(3)'s EXAMPLE"; }
run_ok man3 "$E2E_DIR/man3"
grep -qx '3\.14[0-9]*' "$E2E_DIR/man3.out" || fail "hetero(3)'s EXAMPLE printed '$(cat "$E2E_DIR/man3.out")'"
echo "ok  hetero(3)'s EXAMPLE builds and prints pi"

# its main is hetero_main: hetero's command line, named after the program
run_ok ophelp "$OP" --help
grep -q '^usage: option-pricing --paths N \[options\]' "$E2E_DIR/ophelp.out" ||
    fail "option-pricing --help has no usage line of its own"
for o in --strike --seed --devices --threads --checkpoint --time-limit --format --progress; do
    grep -q -- "$o" "$E2E_DIR/ophelp.out" || fail "option-pricing --help lacks $o"
done
run_ok opdevices "$OP" devices --format json
json_check "$E2E_DIR/opdevices.out" "r['schema'] == 'hetero.devices'"
expect_bad_input "option-pricing: --vol" "$OP" --paths 1e6 --vol 0
expect_bad_input "option-pricing: --paths" "$OP" --strike 95
expect_bad_input "(see option-pricing --help)" "$OP" --paths 1e6 --nope
echo "ok  option-pricing has hetero's command line: its usage, devices, bad input named after it"

JOB=(--paths 2000000 --seed 42 --strike 95 --vol 0.3 --format json)
run_ok ref "$OP" "${JOB[@]}" --devices omp --threads 2
run_ok one "$OP" "${JOB[@]}" --devices omp --threads 1
run_ok pc "$E2E_DIR/op-pc" "${JOB[@]}" --devices omp --threads 2
run_ok static "$E2E_DIR/op-static" "${JOB[@]}" --devices omp --threads 2
run_ok cmake-static "$E2E_DIR/op-s/option-pricing" "${JOB[@]}" --devices omp --threads 2
sets=(one pc static cmake-static)
if opencl_ids | grep . >/dev/null; then
    run_ok cl "$OP" "${JOB[@]}" --devices cl,omp --threads 2
    sets+=(cl)
fi
if [ -n "${MPIRUN:-}" ]; then
    read -r -a MPI <<<"$MPIRUN"
    run_ok mpi "${MPI[@]}" -np 2 "$OP" "${JOB[@]}" --devices omp --threads 1
    sets+=(mpi)
fi
runs=()
for s in "${sets[@]}"; do
    runs+=("$s=$E2E_DIR/$s.out")
done
same_bits "ref=$E2E_DIR/ref.out" "${runs[@]}"
json_check "$E2E_DIR/ref.out" "r['workload'] == 'option-pricing'" "r['result']['stderr'] > 0" \
    "abs(r['result']['price'] - r['result']['black_scholes']) < 4 * r['result']['stderr']"
echo "ok  the same price and digest on: ${sets[*]}; within 4 standard errors of Black-Scholes"
