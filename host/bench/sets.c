/* sets.c - hetero-bench's device sets: from the OpenCL devices found and
 * what --devices allows, each OpenCL device alone, the OpenMP team at one
 * thread and at all threads, and all of them together, each with its id
 * and the name a person knows it by ("PoCL CPU", "OpenMP, 2 threads"); a
 * list every rank must build alike.
 */
#include "bench.h"

#include <stdint.h>
#include <string.h>

#include <xxhash.h>

#include "par.h"

static int bench_add_set(bench *b, int kind, const char *name, const char *label, const char *devices,
                         int threads)
{
    if (b->n_sets == BENCH_MAX_SETS)
        return hetero_fail(HETERO_E_BADARG, "--devices: too many devices for one bench");
    bench_set *s = &b->sets[b->n_sets++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->label, sizeof s->label, "%s", label);
    snprintf(s->devices, sizeof s->devices, "%s", devices);
    s->threads = threads;
    return HETERO_OK;
}

static int bench_starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* An OpenCL device as a person knows it: "PoCL CPU", "NVIDIA H200",
 * "Intel UHD Graphics 630", "AMD gfx90a".  The driver's name with the
 * trademark signs, runs of blanks and AMD's feature suffix taken out, the
 * vendor put in front when the name lacks it. */
static void bench_cl_label(const hcl_info *d, char *buf, size_t size)
{
    const char *kind = d->type & HCL_CPU     ? "CPU"
                       : d->type & HCL_GPU   ? "GPU"
                       : d->type & HCL_ACCEL ? "accelerator"
                                             : "device";
    if (strstr(d->platform_name, "Portable Computing Language") || bench_starts(d->platform_name, "PoCL") ||
        strstr(d->version, "PoCL")) {
        if (d->type & HCL_CPU)
            snprintf(buf, size, "PoCL CPU");
        else
            snprintf(buf, size, "PoCL %s (%.64s)", kind, d->name);
        return;
    }
    if (strstr(d->platform_name, "Oclgrind")) {
        snprintf(buf, size, "Oclgrind (simulator)");
        return;
    }
    char name[256];
    size_t k = 0;
    for (const char *p = d->name; *p && k + 1 < sizeof name; p++) {
        if (*p == '(' && (bench_starts(p, "(R)") || bench_starts(p, "(r)") || bench_starts(p, "(TM)") ||
                          bench_starts(p, "(tm)"))) {
            p = strchr(p, ')');
            continue;
        }
        if (*p == ':' && k > 0) /* gfx90a:sramecc+:xnack- */
            break;
        if ((*p == ' ' || *p == '\t') && (k == 0 || name[k - 1] == ' '))
            continue;
        name[k++] = *p == '\t' ? ' ' : *p;
    }
    while (k > 0 && name[k - 1] == ' ')
        k--;
    name[k] = 0;
    const char *vendor = strstr(d->vendor, "NVIDIA")                                               ? "NVIDIA"
                         : strstr(d->vendor, "Advanced Micro Devices") || strstr(d->vendor, "AMD") ? "AMD"
                         : strstr(d->vendor, "Intel")                                              ? "Intel"
                                                                                                   : NULL;
    if (!name[0])
        snprintf(buf, size, "%s %s", vendor ? vendor : "OpenCL", kind);
    else if (vendor && !strstr(name, vendor))
        snprintf(buf, size, "%s %.64s", vendor, name);
    else
        snprintf(buf, size, "%.80s", name);
}

/* "OpenMP, 2 threads", with " per rank" under MPI. */
static void bench_omp_label(int threads, int ranks, char *buf, size_t size)
{
    snprintf(buf, size, "OpenMP, %d thread%s%s", threads, threads == 1 ? "" : "s",
             ranks > 1 ? " per rank" : "");
}

/* Two devices a person would call the same get their ids too. */
static void bench_label_twins(bench *b)
{
    for (size_t i = 0; i < b->n_sets; i++) {
        int twin = 0;
        for (size_t j = 0; j < b->n_sets; j++)
            twin |= j != i && strcmp(b->sets[i].label, b->sets[j].label) == 0;
        if (twin) {
            size_t len = strlen(b->sets[i].label);
            /* a copy: GCC at -O0 cannot tell the two fields apart (-Wrestrict) */
            char id[sizeof b->sets[i].name];
            memcpy(id, b->sets[i].name, sizeof id);
            snprintf(b->sets[i].label + len, sizeof b->sets[i].label - len, " (%s)", id);
        }
    }
}

/* The sets from what exists and what --devices allows: each OpenCL device
 * alone, omp at one thread, omp at all threads (unless that is one), and
 * everything together when that is more than one of them.  Collective:
 * every rank must build the same list. */
int bench_build_sets(bench *b)
{
    const char *list = b->opt.devices ? b->opt.devices : b->m.n_cl ? "omp,cl" : "omp";
    het_selection sel;
    int rc = het_devices_select(list, b->m.cl, b->m.n_cl, &sel);
    /* collective: every rank gets here, whatever the selection said, and
     * all decide alike whether omp/all is worth a row */
    int all_threads = het_default_threads(b->opt.threads, het_par_local_size());
    all_threads = (int)het_par_max((double)all_threads);
    char label[1200];
    for (size_t i = 0; rc == HETERO_OK && i < sel.n_cl; i++) {
        const hcl_info *d = &b->m.cl[sel.cl[i]];
        bench_cl_label(d, label, sizeof label);
        rc = bench_add_set(b, BENCH_SET_CL, d->id, label, d->id, 0);
        if (rc == HETERO_OK)
            b->sets[b->n_sets - 1].cl_type = d->type;
    }
    if (rc == HETERO_OK)
        bench_label_twins(b);
    size_t omp_member = SIZE_MAX;
    if (rc == HETERO_OK && sel.omp) {
        bench_omp_label(1, b->m.ranks, label, sizeof label);
        rc = bench_add_set(b, BENCH_SET_OMP1, "omp/1", label, "omp", 1);
        omp_member = b->n_sets - 1;
        if (rc == HETERO_OK && all_threads > 1) {
            bench_omp_label(all_threads, b->m.ranks, label, sizeof label);
            rc = bench_add_set(b, BENCH_SET_OMPALL, "omp/all", label, "omp", b->opt.threads);
            omp_member = b->n_sets - 1;
        }
    }
    /* the combined set, named by what it holds: "cl:0:0+omp/all" */
    size_t n_members = sel.n_cl + (sel.omp ? 1 : 0);
    if (rc == HETERO_OK && n_members > 1) {
        char devices[1024] = "", name[1200] = "";
        bench_set all = {.kind = BENCH_SET_COMBINED};
        label[0] = 0;
        for (size_t i = 0; i < b->n_sets; i++) {
            const bench_set *s = &b->sets[i];
            if (s->kind != BENCH_SET_CL && i != omp_member)
                continue;
            size_t len = strlen(devices);
            snprintf(devices + len, sizeof devices - len, "%s%s", len ? "," : "", s->devices);
            len = strlen(name);
            snprintf(name + len, sizeof name - len, "%s%s", len ? "+" : "", s->name);
            len = strlen(label);
            snprintf(label + len, sizeof label - len, "%s%s", len ? " + " : "", s->label);
            all.members[all.n_members++] = i;
            if (s->kind == BENCH_SET_CL && (s->cl_type & HCL_CPU) && sel.omp)
                all.shares_cores = 1;
        }
        rc = bench_add_set(b, BENCH_SET_COMBINED, name, label, devices,
                           omp_member != SIZE_MAX ? b->sets[omp_member].threads : 0);
        if (rc == HETERO_OK) {
            bench_set *s = &b->sets[b->n_sets - 1];
            memcpy(s->members, all.members, sizeof all.members);
            s->n_members = all.n_members;
            s->shares_cores = all.shares_cores;
        }
    }
    /* ranks on different machines may see different devices; the rows are
     * collective, so the lists must match: compare a hash of them */
    XXH64_hash_t h = 0;
    for (size_t i = 0; rc == HETERO_OK && i < b->n_sets; i++)
        h = XXH64(b->sets[i].devices, strlen(b->sets[i].devices), h ^ b->sets[i].kind);
    double mine = (double)(h >> 12);
    double hi = het_par_max(mine), lo = -het_par_max(-mine);
    if (rc == HETERO_OK && (hi != mine || lo != mine))
        rc = hetero_fail(HETERO_E_RUNTIME,
                         "ranks see different devices for --devices '%s'; "
                         "run the bench with the same devices on every rank",
                         list);
    char msg[HETERO_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", hetero_errmsg());
    rc = het_par_agree(rc, msg, sizeof msg);
    return rc ? hetero_fail(rc, "%s", msg) : HETERO_OK;
}
