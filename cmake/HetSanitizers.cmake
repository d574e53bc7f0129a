# HetSanitizers.cmake - HETERO_SANITIZE: the sanitizers every target of
# the build is compiled and linked with.
#
#   -DHETERO_SANITIZE=address;undefined   AddressSanitizer (LeakSanitizer
#                                         included) and UBSan (with
#                                         float-cast-overflow), each usable
#                                         alone
#   -DHETERO_SANITIZE=thread              ThreadSanitizer
#   -DHETERO_SANITIZE=ON                  the same as address;undefined
#   empty or OFF (default)                none
#
# Commas work as well as semicolons ("address,undefined").  thread cannot be
# combined with address.  A ThreadSanitizer build turns HETERO_TARGET_CLONES
# off (host/workloads/clones.h: the ifunc resolvers run before TSan's runtime is set
# up).  Sets HET_SAN_ADDRESS, HET_SAN_UNDEFINED, HET_SAN_THREAD (0 or 1) and
# HET_SANITIZERS (the list) for tests/CMakeLists.txt and the summary.
include_guard(GLOBAL)

set(HETERO_SANITIZE "" CACHE STRING
  "Sanitizers: a list of address, undefined, thread (ON means address;undefined)")

set(HET_SANITIZERS "${HETERO_SANITIZE}")
string(REPLACE "," ";" HET_SANITIZERS "${HET_SANITIZERS}")
string(TOLOWER "${HET_SANITIZERS}" HET_SANITIZERS)
if(HET_SANITIZERS MATCHES "^(on|yes|true|1)$")
  set(HET_SANITIZERS address undefined)
elseif(HET_SANITIZERS MATCHES "^(off|no|false|0|none)?$")
  set(HET_SANITIZERS "")
endif()
list(REMOVE_DUPLICATES HET_SANITIZERS)
foreach(s address undefined thread)
  string(TOUPPER "${s}" S)
  if("${s}" IN_LIST HET_SANITIZERS)
    set(HET_SAN_${S} 1)
  else()
    set(HET_SAN_${S} 0)
  endif()
endforeach()
foreach(s ${HET_SANITIZERS})
  if(NOT s MATCHES "^(address|undefined|thread)$")
    message(FATAL_ERROR "HETERO_SANITIZE: unknown sanitizer '${s}' (expected address, undefined, thread)")
  endif()
endforeach()
if(HET_SAN_THREAD AND HET_SAN_ADDRESS)
  message(FATAL_ERROR "HETERO_SANITIZE: thread and address cannot be combined; use two builds")
endif()

if(HET_SANITIZERS)
  string(REPLACE ";" "," het_san "${HET_SANITIZERS}")
  if(HET_SAN_UNDEFINED)
    # a double cast to an integer it does not fit (1e300 threads) is
    # undefined, but not in GCC's "undefined" group: named on its own
    string(APPEND het_san ",float-cast-overflow")
  endif()
  add_compile_options(-fsanitize=${het_san} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${het_san})
  if(HET_SAN_UNDEFINED)
    # undefined behaviour stops the program (a test fails), not one line
    add_compile_options(-fno-sanitize-recover=undefined,float-cast-overflow)
  endif()
endif()
if(HET_SAN_THREAD AND HETERO_TARGET_CLONES)
  message(STATUS "HETERO_SANITIZE=thread: HETERO_TARGET_CLONES off (ifunc resolvers run before TSan is set up)")
  set(HETERO_TARGET_CLONES OFF)
endif()
