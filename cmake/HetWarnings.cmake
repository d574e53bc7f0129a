# HetWarnings.cmake - the project's warnings, set per target.
#
#   het_target_warnings(target...)
#
# gives each target the warning flags below (those the compiler accepts),
# PRIVATE, so nothing leaks to a target that links it.  Every target built
# from our sources calls it: the engine library, both programs, the bench's
# peer and every unit test.  HETERO_WERROR=ON (CI sets it) adds -Werror.
include_guard(GLOBAL)
include(CheckCCompilerFlag)

option(HETERO_WERROR "Treat warnings as errors (on in CI)" OFF)

set(HET_WARNING_FLAGS)
# -Wmissing-prototypes: a function that is not static has its prototype in
# a header; -Wstrict-prototypes: f(void), never f(); -Wshadow: no local
# hides another.  -Wno-unknown-pragmas: a pragma meant for one compiler
# (`#pragma GCC unroll`) is no warning in another.
foreach(flag -Wall -Wextra -Wundef -Wshadow -Wstrict-prototypes -Wmissing-prototypes
             -Wno-unknown-pragmas)
  # GCC accepts any -Wno-X; test the positive form.
  string(REGEX REPLACE "^-Wno-" "-W" probe "${flag}")
  string(MAKE_C_IDENTIFIER "HET_HAVE_FLAG${probe}" var)
  check_c_compiler_flag("${probe}" ${var})
  if(${var})
    list(APPEND HET_WARNING_FLAGS "${flag}")
  endif()
endforeach()
if(HETERO_WERROR)
  list(APPEND HET_WARNING_FLAGS -Werror)
endif()

function(het_target_warnings)
  foreach(target ${ARGN})
    target_compile_options(${target} PRIVATE ${HET_WARNING_FLAGS})
  endforeach()
endfunction()
