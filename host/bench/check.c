/* check.c - hetero-bench's self-check of a workload, before any of its
 * rows is timed: each OpenCL device's conformance to the CPU path, grain
 * by grain and byte for byte, then one fixed job on every device set,
 * whose result fields and digest must all agree bit for bit (which also
 * warms up every set and fills the kernel cache).
 */
#include "bench.h"
#include "format.h"

#include <stdlib.h>
#include <string.h>

#include "par.h"

/* Conformance (hetero_job_conform): a few grains of the check job on the
 * OpenCL device of set s, compared with the CPU path's bit for bit.  A
 * device that computes another partial fails the self-check naming the
 * grain and byte, before any row is timed; one that cannot run the
 * workload is no failure here (its rows say so). */
static int bench_conform(const bench *b, const hetero_workload *wl, const bench_set *s)
{
    hetero_job job;
    int rc = het_job_init(&job, wl);
    if (rc)
        return rc;
    job.seed = b->opt.seed;
    wl->bench_params(job.params, (double)b->opt.check_items);
    job.run.devices = s->devices;
    hetero_conformance *rows = NULL;
    size_t n = 0;
    rc = hetero_job_conform(&job, 0, &rows, &n);
    for (size_t i = 0; i < n && rc == HETERO_OK; i++) {
        const hetero_conformance *r = &rows[i];
        if (r->status == HETERO_CONFORM_DIFFERS)
            rc = hetero_fail(
                HETERO_E_RUNTIME,
                "self-check failed: %s on %s (%s): grain %llu differs from the CPU's at byte %zu "
                "of its partial (%02x on the device, %02x on the CPU)",
                wl->name, r->id, r->name, (unsigned long long)r->grain, r->byte, r->device_value,
                r->cpu_value);
    }
    hetero_free(rows);
    het_job_free(&job);
    return rc;
}

/* The self-check: first each OpenCL device's conformance, then the same
 * job on every set; every result field bit for bit and the digest must
 * agree with the first set's. */
int bench_check_workload(bench *b, const hetero_workload *wl, bench_check *c)
{
    c->wl = wl;
    int rc = HETERO_OK;
    for (size_t i = 0; i < b->n_sets && rc == HETERO_OK; i++) {
        const bench_set *s = &b->sets[i];
        if (s->kind != BENCH_SET_CL)
            continue;
        char label[128];
        bench_progress_label(s, label, sizeof label);
        bench_progress("%s on %s: conformance", wl->name, label);
        rc = bench_agree(bench_conform(b, wl, s));
    }
    for (size_t i = 0; i < b->n_sets && rc == HETERO_OK; i++) {
        const bench_set *s = &b->sets[i];
        char label[128];
        bench_progress_label(s, label, sizeof label);
        bench_progress("%s on %s: check job", wl->name, label);
        /* test seam (tests/e2e/bench_self_check.sh): the set named by
         * HETERO_BENCH_SKEW runs its check job with another seed, a real
         * wrong answer for the self-check to catch */
        const char *skew = getenv("HETERO_BENCH_SKEW");
        uint64_t seed = b->opt.seed + (skew && strcmp(skew, s->name) == 0);
        bench_result r;
        rc = bench_job(wl, (double)b->opt.check_items, seed, s, 1, &r);
        if (rc)
            return rc;
        if (het_par_rank() == 0 && i == 0) {
            c->items = r.items;
            c->digest = r.digest;
            c->result = r.result;
            c->params = r.params;
            c->n_sets = 1;
        } else if (het_par_rank() == 0) {
            size_t d = bench_fields_diff(&c->result, &r.result);
            if (d || r.digest != c->digest) {
                char va[96] = "", vb[96] = "";
                const char *field = "digest";
                if (d && d <= c->result.n && d <= r.result.n) {
                    field = c->result.f[d - 1].name;
                    het_format_field(&c->result.f[d - 1], 17, va, sizeof va);
                    het_format_field(&r.result.f[d - 1], 17, vb, sizeof vb);
                } else {
                    snprintf(va, sizeof va, "%016llx", (unsigned long long)c->digest);
                    snprintf(vb, sizeof vb, "%016llx", (unsigned long long)r.digest);
                }
                rc = hetero_fail(HETERO_E_RUNTIME,
                                 "self-check failed: %s: %s and %s give different results for the same job "
                                 "(%s %s vs %s; digest %016llx vs %016llx)",
                                 wl->name, b->sets[0].name, s->name, field, va, vb,
                                 (unsigned long long)c->digest, (unsigned long long)r.digest);
            } else {
                c->n_sets++;
            }
            bench_fields_free(&r.result);
            bench_fields_free(&r.params);
        }
        rc = bench_agree(rc);
    }
    return rc;
}
