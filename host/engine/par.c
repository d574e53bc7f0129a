/* par.c - the MPI back end (see par.h): MPI's start and end (a launcher's
 * process initialises it, a library user's MPI is attached to), this
 * rank's place and host, the host names of the others, the primitives
 * every MPI call of the back end goes through (one call at a time under
 * one lock, waits that test without blocking), and the lost peer.  The
 * service thread is par_service.c, the counter and the collectives
 * par_collect.c, the build without MPI par_single.c (internal/par_int.h).
 */
#include "par.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "par_int.h"

par_process par_proc = {0, 0, 1, 0, 1, 0, 0, ""};

#if HETERO_HAVE_MPI
#define MPI_CHECK(call)                                                                                      \
    do {                                                                                                     \
        int het__rc = (call);                                                                                \
        if (het__rc != MPI_SUCCESS)                                                                          \
            return par_mpi_fail(#call, het__rc);                                                             \
    } while (0)

/* Launchers we know put these in every rank's environment. */
static int het__launched(void)
{
    /* Open MPI's mpirun; srun through PMIx or PMI-2; MPICH's hydra.  Not
     * SLURM_* alone: a batch script sets those without any launcher. */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                                       "MPI_LOCALNRANKS",      NULL};
    for (int i = 0; vars[i]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

#endif /* HETERO_HAVE_MPI */

/* srun started this process as one of several tasks of a step, but MPI
 * sees it alone (srun without PMI, or an MPI library srun cannot talk to):
 * every task would compute the whole job and print it.  A plain run inside
 * an allocation (no srun step of several tasks) is fine. */
static int het__srun_alone(void)
{
    const char *v = getenv("SLURM_STEP_NUM_TASKS");
    long tasks = v ? strtol(v, NULL, 10) : 0;
    if (tasks > 1 && par_proc.size == 1)
        return hetero_fail(HETERO_E_BADARG,
                           "srun started %ld tasks, but this one is alone in MPI: run hetero with "
                           "srun --mpi=pmix (or under mpirun) so the tasks form one job",
                           tasks);
    return HETERO_OK;
}

int het_par_init(int *argc, char ***argv)
{
    (void)het_par_host();
#if !HETERO_HAVE_MPI
    /* Built without MPI: every process is a one-rank run.  A launcher
     * that started several copies would make each compute the whole job
     * and print it; refuse instead of multiplying the work silently. */
    (void)argc;
    (void)argv;
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n)
        n = getenv("PMI_SIZE");
    if (n && atoi(n) > 1)
        return hetero_fail(HETERO_E_MPI,
                           "this hetero was built without MPI (HETERO_MPI=OFF) but was "
                           "started as one of %d ranks; rebuild with MPI or run one process",
                           atoi(n));
    return het__srun_alone();
#else
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (initialised)
        return het_par_attach();
    if (!het__launched())
        return het__srun_alone();
    int provided = 0;
    MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided));
    par_proc.active = 1;
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &par_proc.rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &par_proc.size));
    if (provided < MPI_THREAD_SERIALIZED)
        return hetero_fail(HETERO_E_MPI,
                           "MPI_Init_thread on rank %d (%s): the MPI library offers no "
                           "MPI_THREAD_SERIALIZED support",
                           par_proc.rank, par_proc.host);
    MPI_Comm node;
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, par_proc.rank, MPI_INFO_NULL, &node));
    MPI_CHECK(MPI_Comm_rank(node, &par_proc.local_rank));
    MPI_CHECK(MPI_Comm_size(node, &par_proc.local_size));
    MPI_CHECK(MPI_Comm_free(&node));
    int rc = het__srun_alone();
    return rc ? rc : par_service_start();
#endif
}

void het_par_set_broken(void) { par_proc.broken = 1; }

int het_par_attach(void)
{
#if HETERO_HAVE_MPI
    int initialised = 0, finalised = 0;
    if (par_proc.active || MPI_Initialized(&initialised) != MPI_SUCCESS || !initialised ||
        MPI_Finalized(&finalised) != MPI_SUCCESS || finalised)
        return HETERO_OK;
    int provided = 0;
    MPI_CHECK(MPI_Query_thread(&provided));
    if (provided < MPI_THREAD_SERIALIZED)
        return hetero_fail(HETERO_E_MPI, "MPI was initialised without MPI_THREAD_SERIALIZED support; hetero "
                                         "needs MPI_Init_thread with MPI_THREAD_MULTIPLE");
    par_proc.active = 1;
    par_proc.external = 1;
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &par_proc.rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &par_proc.size));
    MPI_Comm node;
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, par_proc.rank, MPI_INFO_NULL, &node));
    MPI_CHECK(MPI_Comm_rank(node, &par_proc.local_rank));
    MPI_CHECK(MPI_Comm_size(node, &par_proc.local_size));
    MPI_CHECK(MPI_Comm_free(&node));
    return par_service_start();
#else
    return HETERO_OK;
#endif
}

void het_par_finalize(void)
{
#if HETERO_HAVE_MPI
    int lost = het_par_lost() >= 0;
    if (par_proc.active && !lost && !par_proc.broken)
        par_service_quiesce();
    par_service_stop();
    /* a peer is gone: no goodbye can complete; MPI_Abort ends every rank
     * (mpirun or srun then exit with its status, 1) */
    if (par_proc.active && lost)
        MPI_Abort(MPI_COMM_WORLD, 1);
    if (par_proc.active && !par_proc.broken && !par_proc.external) {
        MPI_Finalize();
        par_proc.active = 0;
    }
#endif
}

int het_par_rank(void) { return par_proc.rank; }
int het_par_size(void) { return par_proc.size; }
int het_par_local_rank(void) { return par_proc.local_rank; }
int het_par_local_size(void) { return par_proc.local_size; }
static void het__host_once(void)
{
    if (!par_proc.host[0] && gethostname(par_proc.host, sizeof par_proc.host) != 0)
        snprintf(par_proc.host, sizeof par_proc.host, "localhost");
    par_proc.host[sizeof par_proc.host - 1] = 0;
}

const char *het_par_host(void)
{
    /* a library user that never called hetero_init still has a host */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, het__host_once);
    return par_proc.host[0] ? par_proc.host : "localhost";
}

#if HETERO_HAVE_MPI
/* ---- one MPI call at a time -------------------------------------------
 *
 * Every MPI call of the back end is made under par_mpi_lock and none of them
 * blocks: a call that may wait (a receive, a collective, a large send) is
 * started non-blocking and tested under the lock until it completes
 * (par_wait), so the service thread's calls interleave with the main
 * thread's and the workers'.  That is all MPI_THREAD_SERIALIZED asks, and
 * it means no thread of ours ever sits inside MPI waiting on the network:
 * the service keeps answering and listening while a collective waits for a
 * rank that is still computing, and a wait ends when a peer is lost. */
pthread_mutex_t par_mpi_lock = PTHREAD_MUTEX_INITIALIZER;

void par_nap(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

int par_mpi_fail(const char *call, int rc)
{
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS)
        snprintf(s, sizeof s, "error %d", rc);
    return hetero_fail(HETERO_E_MPI, "%s on rank %d (%s): %s", call, par_proc.rank, par_proc.host, s);
}

const char *het_par_host_of(int rank)
{
    return par_svc.hosts && rank >= 0 && rank < par_proc.size ? par_svc.hosts[rank] : "?";
}

/* The lost peer's failure, for every call after it was noticed. */
int par_lost_fail(void)
{
    pthread_mutex_lock(&par_svc.mu);
    int r = par_svc.lost;
    double silent = par_svc.lost_silent;
    pthread_mutex_unlock(&par_svc.mu);
    /* het_par_finalize sees the loss itself and aborts */
    return hetero_fail(HETERO_E_PEER, "rank %d (%s) was lost: no word from it for %.0f s (--peer-timeout)", r,
                       het_par_host_of(r), silent);
}

int het_par_lost(void)
{
    if (!par_svc.running)
        return -1;
    pthread_mutex_lock(&par_svc.mu);
    int r = par_svc.lost;
    pthread_mutex_unlock(&par_svc.mu);
    return r;
}

int het_par_lost_fail(void) { return het_par_lost() >= 0 ? par_lost_fail() : HETERO_OK; }

/* Tests *req under the lock until it completes, napping between tests
 * (briefly at first: most waits are short); a lost peer ends the wait. */
int par_wait(MPI_Request *req, const char *call)
{
    long nap = 20;
    for (;;) {
        int flag = 0;
        pthread_mutex_lock(&par_mpi_lock);
        int rc = MPI_Test(req, &flag, MPI_STATUS_IGNORE);
        pthread_mutex_unlock(&par_mpi_lock);
        if (rc != MPI_SUCCESS)
            return par_mpi_fail(call, rc);
        if (flag)
            return HETERO_OK;
        if (het_par_lost() >= 0)
            return par_lost_fail(); /* the request is left: MPI_Abort follows */
        par_nap(nap);
        if (nap < 1000)
            nap += nap / 2;
    }
}

#endif /* HETERO_HAVE_MPI */
