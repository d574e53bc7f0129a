# Workloads from shared objects (hetero --load, hetero-bench --load,
# HETERO_WORKLOAD_PATH): tests/plugin/quad.c, built by the script with this
# build's compiler against include/hetero.h alone; mpirun -np 2 too when
# the MPI back end is built.
het_e2e(load load.sh ${CMAKE_C_COMPILER} ${PROJECT_SOURCE_DIR} ${HETERO_HAVE_MPI}
  CONTRACT "a workload from a shared object runs like a built-in; one unsafe to load is refused")
