# The build's two rules for OpenCL C and for the built-in workloads.
#
# het_embed_kernel(CL OUT_VAR): kernels are baked into the binary, by
# hetero_embed_kernel (HeteroKernel.cmake, the rule the installed package
# gives clients): CL is run through the C preprocessor as OpenCL C, so
# Random123 and the headers it includes (from kernels/ and its own folder)
# are inlined, then wrapped into a C array het_kernel_<name>.  OUT_VAR
# receives the generated C file.
#
# het_workload(NAME SOURCES file... [KERNELS file.cl...]): a built-in
# workload, called from its folder's CMakeLists.txt (host/workloads/NAME/).
# Its sources become the object library het_wl_NAME, compiled with the
# library's flags, seeing its own folder; its kernels are embedded into
# it.  This call is the workload's registration: the sources must define
# `const hetero_workload het_wl_NAME`, and the library (hetero_core,
# hetero_shared) takes the objects of every workload in the global
# property HET_WORKLOADS and lists their descriptions, in that order, in
# the registry's table of built-ins (CMakeLists.txt, host/api/builtins.h).

function(het_embed_kernel cl out_var)
  get_filename_component(name ${cl} NAME_WE)
  get_filename_component(dir ${cl} DIRECTORY)
  file(GLOB headers CONFIGURE_DEPENDS ${dir}/*.h ${PROJECT_SOURCE_DIR}/kernels/*.h)
  hetero_embed_kernel(gen ${cl} SYMBOL het_kernel_${name} INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/kernels
    DEPENDS ${headers})
  set_property(GLOBAL APPEND PROPERTY HET_KERNEL_NAMES ${name}.cl)
  set(${out_var} ${gen} PARENT_SCOPE)
endfunction()

function(het_workload name)
  cmake_parse_arguments(W "" "" "SOURCES;KERNELS" ${ARGN})
  if(NOT W_SOURCES OR W_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "het_workload(${name} SOURCES file... [KERNELS file.cl...])")
  endif()
  # NAME is part of a C name, het_wl_NAME (the registry's table)
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "het_workload(${name}): a name of lowercase letters, digits and _")
  endif()
  set(target het_wl_${name})
  add_library(${target} OBJECT ${W_SOURCES})
  foreach(cl ${W_KERNELS})
    het_embed_kernel(${CMAKE_CURRENT_SOURCE_DIR}/${cl} gen)
    target_sources(${target} PRIVATE ${gen})
  endforeach()
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  het_target_warnings(${target})
  # hetero.h, the kernels' shared headers and the base layer (het_base:
  # errors, charts; usage requirements only, its objects stay out),
  # OpenMP, what the workloads share (host/workloads/clones.h), and the
  # workload's own folder, public so that the unit tests reach its headers
  # (wl_NAME.h).
  target_link_libraries(${target} PRIVATE het_base OpenMP::OpenMP_C)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/host/workloads)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}>)
  set_property(GLOBAL APPEND PROPERTY HET_WORKLOADS ${name})
endfunction()
