# HeteroKernel.cmake - an OpenCL kernel baked into the program that runs it.
#
#   hetero_add_kernel(<target> <kernel.cl> [SYMBOL <name>]
#                     [INCLUDE_DIRS <dir>...] [DEPENDS <file>...])
#
# runs the C preprocessor over <kernel.cl> as OpenCL C (-undef drops the
# host compiler's own macros; __OPENCL_VERSION__ makes Random123 take its
# OpenCL branch; HETERO_OPENCL is set for headers shared with the CPU path),
# with Random123, hetero's installed headers (hetero/hmath.h,
# hetero/grain_check.h), the kernel's own folder and INCLUDE_DIRS on the
# include path, and adds to <target> a generated C file that defines
#
#   const char <name>[];   /* default: <kernel file name>_kernel */
#
# the flattened source, NUL-terminated, to hand to hetero as the workload's
# kernel.  The program then runs from any folder and needs no include path
# at run time.  DEPENDS lists headers the kernel includes, so that editing
# one rebuilds it.
#
# hetero_embed_kernel(<out_var> <kernel.cl> SYMBOL <name> ...) does the
# same and returns the generated file's path instead of adding it.

set(_HETERO_KERNEL_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(hetero_embed_kernel out_var cl)
  cmake_parse_arguments(PARSE_ARGV 2 K "" "SYMBOL" "INCLUDE_DIRS;DEPENDS")
  get_filename_component(cl "${cl}" ABSOLUTE)
  get_filename_component(name "${cl}" NAME_WE)
  get_filename_component(dir "${cl}" DIRECTORY)
  if(NOT K_SYMBOL)
    set(K_SYMBOL "${name}_kernel")
  endif()
  if(NOT RANDOM123_INCLUDE_DIR)
    find_path(RANDOM123_INCLUDE_DIR Random123/philox.h)
    if(NOT RANDOM123_INCLUDE_DIR)
      message(FATAL_ERROR "hetero_embed_kernel: Random123/philox.h not found (install librandom123-dev)")
    endif()
  endif()
  set(incs -I${RANDOM123_INCLUDE_DIR})
  if(hetero_INCLUDE_DIR)
    list(APPEND incs -I${hetero_INCLUDE_DIR})
  endif()
  foreach(d ${K_INCLUDE_DIRS})
    get_filename_component(d "${d}" ABSOLUTE)
    list(APPEND incs -I${d})
  endforeach()
  list(APPEND incs -I${dir})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/hetero_kernels")
  add_custom_command(
    OUTPUT ${out}/${name}_cl.c
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
    COMMAND ${CMAKE_C_COMPILER} -E -P -undef -x c -D__OPENCL_VERSION__=120 -DHETERO_OPENCL=1
            ${incs} ${cl} -o ${out}/${name}.i
    COMMAND ${CMAKE_COMMAND} -DIN=${out}/${name}.i -DOUT=${out}/${name}_cl.c -DSYMBOL=${K_SYMBOL}
            -DNAME=${name}.cl -P ${_HETERO_KERNEL_DIR}/EmbedKernel.cmake
    DEPENDS ${cl} ${K_DEPENDS} ${_HETERO_KERNEL_DIR}/EmbedKernel.cmake
    COMMENT "Embedding kernel ${name}.cl"
    VERBATIM)
  set(${out_var} ${out}/${name}_cl.c PARENT_SCOPE)
endfunction()

function(hetero_add_kernel target cl)
  hetero_embed_kernel(gen ${cl} ${ARGN})
  target_sources(${target} PRIVATE ${gen})
endfunction()
