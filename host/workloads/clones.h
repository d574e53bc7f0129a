/* clones.h - one guard for function multi-versioning.
 *
 * HET_CLONES("arch=x86-64-v4", "avx2", "default") before a function
 * compiles it once per target and picks the best at load time (an ifunc
 * resolver).  It is on where it works: GCC or Clang on x86-64, and not in
 * a ThreadSanitizer build (its runtime is not yet set up when the
 * resolvers run at load time, and the process crashes before main).  The
 * build sets HETERO_TARGET_CLONES to 0 for that; elsewhere the function is
 * compiled once, for the baseline target, with the same results (the
 * clones differ only in speed).
 */
#ifndef HET_CLONES_H
#define HET_CLONES_H

#ifndef HETERO_TARGET_CLONES
#define HETERO_TARGET_CLONES 1
#endif

#if HETERO_TARGET_CLONES && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HET_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#else
#define HET_CLONES(...)
#endif

#endif
