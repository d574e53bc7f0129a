/* cli.c - parsing hetero's command line (see cli.h). */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"

static const het_option het__common[] = {
    {"--seed", "S", "64-bit seed (default 0); the key of every random stream"},
    {"--devices", "LIST", "all (default), omp, gpu, cl, cl:P:D, comma-separated"},
    {"--threads", "T", "OpenMP threads per rank (default OMP_NUM_THREADS, else every core)"},
    {"--format", "FMT", "text (default), json or csv"},
    {"--progress", "[=lines]", "show progress on stderr even when it is not a terminal; =lines: a line every few seconds, for logs"},
    {"--no-progress", NULL, "never show a progress line"},
    {"--quiet", NULL, "no notices on stderr"},
    {"--checkpoint", "FILE", "journal of finished grains: the same command run again resumes from it"},
    {"--checkpoint-every", "S", "seconds between syncs of the journal to disk (default 30)"},
    {"--checkpoint-remove", NULL, "delete the journal once the run is complete"},
    {"--time-limit", "DURATION", "stop in time to write the journal before DURATION (90s, 45m, 2h); exit 3"},
    {"--help", NULL, "this help"},
    {"--version", NULL, "print the version"},
    {NULL, NULL, NULL},
};

int het_parse_format(const char *s, int csv_ok, int *out)
{
    if (s && strcmp(s, "text") == 0)
        *out = HET_FMT_TEXT;
    else if (s && strcmp(s, "json") == 0)
        *out = HET_FMT_JSON;
    else if (s && csv_ok && strcmp(s, "csv") == 0)
        *out = HET_FMT_CSV;
    else
        return het_fail(HET_E_BADARG, "--format: expected %s, got '%s'",
                        csv_ok ? "text, json or csv" : "text or json", s ? s : "");
    return HET_OK;
}

static const het_option *het__find(const het_option *opts, const char *name, size_t len)
{
    for (size_t i = 0; opts && opts[i].name; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

static void het__print_options(FILE *out, const het_option *o)
{
    for (; o->name; o++) {
        char left[64];
        /* an optional value ("[=lines]") sticks to the name */
        snprintf(left, sizeof left, "%s%s%s", o->name, o->metavar && o->metavar[0] != '[' ? " " : "",
                 o->metavar ? o->metavar : "");
        fprintf(out, "  %-22s %s\n", left, o->help);
    }
}

void het_cli_usage(FILE *out, const het_workload *wl)
{
    if (wl) {
        fprintf(out, "usage: hetero %s %s [options]\n\n%s.\n\n%s options:\n", wl->name, wl->usage,
                wl->summary, wl->name);
        het__print_options(out, wl->options);
        fputs("\ncommon options:\n", out);
        het__print_options(out, het__common);
        return;
    }
    fputs("usage: hetero COMMAND [options]\n\n"
          "Spreads one embarrassingly parallel job over OpenCL devices, OpenMP threads\n"
          "and MPI ranks; the answer is the same bits whatever the mix.\n\ncommands:\n"
          "  devices                list OpenCL devices and the OpenMP CPU (--format text|json)\n",
          out);
    for (size_t i = 0; het_workloads[i]; i++)
        fprintf(out, "  %-22s %s\n", het_workloads[i]->name, het_workloads[i]->summary);
    fputs("\ncommon options:\n", out);
    het__print_options(out, het__common);
    fputs("\n`hetero COMMAND --help` lists a command's own options.\n", out);
}

/* A duration: a number and a unit, s, m, h or d ("90s", "45m", "2h",
 * "1.5h"); a plain number is seconds. */
static int het__parse_duration(const char *s, double *out)
{
    char *end = NULL;
    double v = s && *s ? strtod(s, &end) : -1;
    double unit = 1;
    if (end && *end) {
        if (end[1] != 0)
            v = -1;
        else if (*end == 's')
            unit = 1;
        else if (*end == 'm')
            unit = 60;
        else if (*end == 'h')
            unit = 3600;
        else if (*end == 'd')
            unit = 86400;
        else
            v = -1;
    }
    if (!end || end == s || !(v > 0) || v * unit > 1e9)
        return het_fail(HET_E_BADARG, "--time-limit: expected a duration such as 90s, 45m or 2h, got '%s'",
                        s ? s : "");
    *out = v * unit;
    return HET_OK;
}

static int het__common_option(het_cli *cli, const char *name, const char *value)
{
    if (strcmp(name, "--seed") == 0)
        return het_parse_u64("--seed", value, &cli->job.seed);
    if (strcmp(name, "--devices") == 0) {
        het_selection sel;
        cli->run.devices = value;
        return het_devices_parse(value, &sel);
    }
    if (strcmp(name, "--threads") == 0)
        return het_parse_threads("--threads", value, &cli->run.threads);
    if (strcmp(name, "--format") == 0)
        return het_parse_format(value, 1, &cli->format);
    if (strcmp(name, "--progress") == 0) {
        if (value && strcmp(value, "lines") != 0)
            return het_fail(HET_E_BADARG, "--progress: expected no value or =lines, got '%s'", value);
        cli->run.progress = value ? HET_PROGRESS_LINES : 1;
    } else if (strcmp(name, "--checkpoint") == 0) {
        if (!*value)
            return het_fail(HET_E_BADARG, "--checkpoint: expected a file name, got ''");
        cli->run.checkpoint = value;
    } else if (strcmp(name, "--checkpoint-every") == 0) {
        return het_parse_double("--checkpoint-every", value, 0.001, 1e7, &cli->run.checkpoint_every);
    } else if (strcmp(name, "--checkpoint-remove") == 0) {
        cli->run.checkpoint_remove = 1;
    } else if (strcmp(name, "--time-limit") == 0) {
        return het__parse_duration(value, &cli->run.time_limit);
    } else if (strcmp(name, "--no-progress") == 0)
        cli->run.progress = 0;
    else if (strcmp(name, "--quiet") == 0)
        cli->run.quiet = 1;
    return HET_OK;
}

int het_cli_option(int argc, char **argv, int *i, const het_option *a, const het_option *b,
                   const char *hint, const het_option **opt, const char **value)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0)
        return het_fail(HET_E_BADARG, "unexpected argument '%s': options start with -- %s", arg, hint);
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const het_option *o = het__find(a, arg, len);
    if (!o)
        o = het__find(b, arg, len);
    if (!o)
        return het_fail(HET_E_BADARG, "%.*s: unknown option %s", (int)len, arg, hint);
    *value = NULL;
    if (o->metavar && o->metavar[0] == '[') {
        /* an optional value, given only as --name=value */
        if (eq)
            *value = eq + 1;
    } else if (o->metavar) {
        if (eq)
            *value = eq + 1;
        else if (*i + 1 < argc)
            *value = argv[++*i];
        else
            return het_fail(HET_E_BADARG, "%s: expected a value (%s), got nothing", o->name, o->metavar);
    } else if (eq) {
        return het_fail(HET_E_BADARG, "%s: takes no value, got '%s'", o->name, eq + 1);
    }
    *opt = o;
    return HET_OK;
}

int het_cli_parse(int argc, char **argv, het_cli *cli)
{
    memset(cli, 0, sizeof *cli);
    cli->run.devices = "all";
    cli->run.progress = -1;
    cli->format = HET_FMT_TEXT;
    if (argc < 2)
        return het_fail(HET_E_BADARG, "expected a command: devices, pi, primes, reservoir (see hetero --help)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        cli->command = HET_CMD_HELP;
        return HET_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        cli->command = HET_CMD_VERSION;
        return HET_OK;
    }
    if (strcmp(cmd, "devices") == 0) {
        cli->command = HET_CMD_DEVICES;
        for (int i = 2; i < argc; i++) {
            const char *a = argv[i], *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            if (strncmp(a, "--format", len) == 0 && len == 8) {
                const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!v)
                    return het_fail(HET_E_BADARG, "--format: expected text or json, got nothing");
                int rc = het_parse_format(v, 0, &cli->format);
                if (rc)
                    return rc;
            } else if (strcmp(a, "--help") == 0) {
                cli->command = HET_CMD_HELP;
            } else if (strcmp(a, "--quiet") == 0) {
                cli->run.quiet = 1;
            } else {
                return het_fail(HET_E_BADARG, "devices: unknown option '%s' (expected --format text|json)", a);
            }
        }
        int env_threads;   /* the list shows the OpenMP team */
        return cli->command == HET_CMD_DEVICES ? het_threads_env(&env_threads) : HET_OK;
    }
    const het_workload *wl = het_workload_find(cmd);
    if (!wl)
        return het_fail(HET_E_BADARG, "unknown command '%s' (expected devices, pi, primes or reservoir)", cmd);
    cli->command = HET_CMD_RUN;
    cli->wl = wl;
    int rc = het_job_init(&cli->job, wl);
    if (rc)
        return rc;
    char hint[96];
    snprintf(hint, sizeof hint, "for %s (see hetero %s --help)", wl->name, wl->name);
    for (int i = 2; i < argc; i++) {
        const het_option *o;
        const char *value;
        if ((rc = het_cli_option(argc, argv, &i, het__common, wl->options, hint, &o, &value)))
            return rc;
        int common = het__find(het__common, o->name, strlen(o->name)) == o;
        if (strcmp(o->name, "--help") == 0) {
            cli->command = HET_CMD_HELP;
            return HET_OK;
        }
        if (strcmp(o->name, "--version") == 0) {
            cli->command = HET_CMD_VERSION;
            return HET_OK;
        }
        rc = common ? het__common_option(cli, o->name, value) : wl->set_option(cli->job.params, o->name, value);
        if (rc)
            return rc;
    }
    /* the team comes from OMP_NUM_THREADS unless --threads says */
    int env_threads;
    if ((rc = het_threads_env(&env_threads)))
        return rc;
    if ((cli->run.checkpoint_every > 0 || cli->run.checkpoint_remove) && !cli->run.checkpoint)
        return het_fail(HET_E_BADARG, "%s: needs --checkpoint FILE",
                        cli->run.checkpoint_remove ? "--checkpoint-remove" : "--checkpoint-every");
    return wl->validate(cli->job.params);
}

void het_cli_free(het_cli *cli)
{
    if (cli->wl && cli->job.params)
        het_job_free(&cli->job);
}
