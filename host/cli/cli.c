/* cli.c - parsing the command line hetero_main gives a program (see cli.h). */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "load.h"

/* The program's own options; the library's common ones (--seed,
 * --devices, ...) come from hetero_common_options(). */
static const hetero_option het__prog[] = {
    {.type = HETERO_OPT_CUSTOM, .name = "--format", .metavar = "FMT", .help = "text (default), json or csv"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--progress",
     .metavar = "[=lines]",
     .help =
         "show progress on stderr even when it is not a terminal; =lines: a line every few seconds, for logs"},
    {.type = HETERO_OPT_FLAG, .name = "--no-progress", .help = "never show a progress line"},
    {.type = HETERO_OPT_FLAG, .name = "--help", .help = "this help"},
    {.type = HETERO_OPT_FLAG, .name = "--version", .help = "print the version"},
    {.type = HETERO_OPT_END},
};

/* The short options, primesieve's, for the long ones they stand for:
 * each alone in its word ("-t 4"), no bundling. */
static const struct {
    const char *s, *l;
} het__shorts[] = {{"-h", "--help"}, {"-q", "--quiet"}, {"-V", "--version"}, {"-t", "--threads"}};

static const char *het__long_of(const char *arg)
{
    for (size_t i = 0; i < sizeof het__shorts / sizeof het__shorts[0]; i++)
        if (strcmp(arg, het__shorts[i].s) == 0)
            return het__shorts[i].l;
    return NULL;
}

static const char *het__short_of(const char *name)
{
    for (size_t i = 0; i < sizeof het__shorts / sizeof het__shorts[0]; i++)
        if (strcmp(name, het__shorts[i].l) == 0)
            return het__shorts[i].s;
    return NULL;
}

int het_parse_format(const char *s, int csv_ok, int *out)
{
    if (s && strcmp(s, "text") == 0)
        *out = HETERO_FORMAT_TEXT;
    else if (s && strcmp(s, "json") == 0)
        *out = HETERO_FORMAT_JSON;
    else if (s && csv_ok && strcmp(s, "csv") == 0)
        *out = HETERO_FORMAT_CSV;
    else
        return hetero_fail(HETERO_E_BADARG, "--format: expected %s, got '%s'",
                           csv_ok ? "text, json or csv" : "text or json", s ? s : "");
    return HETERO_OK;
}

static const hetero_option *het__find(const hetero_option *opts, const char *name, size_t len)
{
    for (size_t i = 0; opts && opts[i].type != HETERO_OPT_END; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

static void het__print_options(FILE *out, const hetero_option *o)
{
    for (; o->type != HETERO_OPT_END; o++) {
        char left[64];
        const char *sh = het__short_of(o->name);
        /* an optional value ("[=lines]") sticks to the name */
        snprintf(left, sizeof left, "%s%s%s%s%s", sh ? sh : "", sh ? ", " : "", o->name,
                 o->metavar && o->metavar[0] != '[' ? " " : "", o->metavar ? o->metavar : "");
        fprintf(out, "  %-22s %s%s\n", left, o->help, o->required ? " (required)" : "");
    }
}

void het_cli_devices_usage(FILE *out, const het_cli_prog *prog)
{
    fprintf(out,
            "usage: %s devices [options]\n\n"
            "Lists the OpenCL devices this process can see and the OpenMP CPU, with the\n"
            "ids --devices takes.\n\noptions:\n"
            "  --format FMT           text (default) or json\n"
            "  -q, --quiet            no notices on stderr\n"
            "  -h, --help             this help\n",
            prog->name);
}

/* The i-th workload the program offers, NULL past the end. */
static const hetero_workload *het__offered(const het_cli_prog *prog, size_t i)
{
    if (prog->wls)
        return i < prog->n ? prog->wls[i] : NULL;
    return hetero_workload_at(i);
}

/* The program takes workloads from shared objects: `hetero`'s case. */
static int het__loads(const het_cli_prog *prog) { return !prog->wls; }

/* The program is one workload: no command word. */
static int het__single(const het_cli_prog *prog) { return prog->wls && prog->n == 1; }

void het_cli_usage(FILE *out, const het_cli_prog *prog, const hetero_workload *wl)
{
    if (!wl && het__single(prog))
        wl = prog->wls[0];
    if (wl) {
        char synopsis[512] = "";
        if (wl->usage) {
            snprintf(synopsis, sizeof synopsis, "%s", wl->usage);
        } else {
            /* the required options */
            for (const hetero_option *o = wl->options; o->type != HETERO_OPT_END; o++)
                if (o->required) {
                    size_t k = strlen(synopsis);
                    snprintf(synopsis + k, sizeof synopsis - k, "%s%s %s", k ? " " : "", o->name,
                             o->metavar ? o->metavar : "");
                }
        }
        if (het__single(prog))
            fprintf(out,
                    "usage: %s %s%s[options]\n       %s devices [--format text|json]\n\n%s.\n\n%s options:\n",
                    prog->name, synopsis, *synopsis ? " " : "", prog->name, wl->summary, wl->name);
        else
            fprintf(out, "usage: %s %s %s%s[options]\n\n%s.\n\n%s options:\n", prog->name, wl->name, synopsis,
                    *synopsis ? " " : "", wl->summary, wl->name);
        het__print_options(out, wl->options);
        fputs("\ncommon options:\n", out);
        het__print_options(out, hetero_common_options());
        het__print_options(out, het__prog);
        return;
    }
    if (het__loads(prog))
        fprintf(out, "usage: %s [--load PATH.so]... COMMAND [options]\n\n", prog->name);
    else
        fprintf(out, "usage: %s COMMAND [options]\n\n", prog->name);
    fputs("Spreads one embarrassingly parallel job over OpenCL devices, OpenMP threads\n"
          "and MPI ranks; the answer is the same bits whatever the mix.\n\ncommands:\n"
          "  devices                list OpenCL devices and the OpenMP CPU (--format text|json)\n",
          out);
    const hetero_workload *w;
    for (size_t i = 0; (w = het__offered(prog, i)); i++)
        fprintf(out, "  %-22s %s\n", w->name, w->summary);
    fputs("\ncommon options:\n", out);
    het__print_options(out, hetero_common_options());
    het__print_options(out, het__prog);
    if (het__loads(prog))
        fprintf(out,
                "\nworkloads of your own, from shared objects (before the command):\n"
                "  --load PATH.so         add the workloads the object defines (repeatable)\n"
                "  %s   folders (absolute, ':' between) where a command that\n"
                "                         is not registered is looked up as COMMAND.so\n",
                HET_WORKLOAD_PATH_ENV);
    fprintf(out, "\n`%s COMMAND --help` lists a command's own options.\n", prog->name);
}

/* The program's own options. */
static int het__prog_option(het_cli *cli, const char *name, const char *value)
{
    if (strcmp(name, "--format") == 0)
        return het_parse_format(value, 1, &cli->format);
    if (strcmp(name, "--progress") == 0) {
        if (value && strcmp(value, "lines") != 0)
            return hetero_fail(HETERO_E_BADARG, "--progress: expected no value or =lines, got '%s'", value);
        cli->progress = value ? HET_PROGRESS_LINES : 1;
    } else if (strcmp(name, "--no-progress") == 0) {
        cli->progress = 0;
    }
    return HETERO_OK;
}

int het_cli_option(int argc, char **argv, int *i, const hetero_option *a, const hetero_option *b,
                   const char *hint, const hetero_option **opt, const char **value)
{
    const char *arg = argv[*i], *typed = arg, *lng = het__long_of(arg);
    if (lng)
        arg = lng;
    if (strncmp(arg, "--", 2) != 0)
        return hetero_fail(HETERO_E_BADARG, "unexpected argument '%s': options start with -- %s", arg, hint);
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const hetero_option *o = het__find(a, arg, len);
    if (!o)
        o = het__find(b, arg, len);
    if (!o && lng)
        return hetero_fail(HETERO_E_BADARG, "%s: unknown option %s", typed, hint);
    if (!o)
        return hetero_fail(HETERO_E_BADARG, "%.*s: unknown option %s", (int)len, arg, hint);
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
            return hetero_fail(HETERO_E_BADARG, "%s: expected a value (%s), got nothing", o->name,
                               o->metavar);
    } else if (eq) {
        return hetero_fail(HETERO_E_BADARG, "%s: takes no value, got '%s'", o->name, eq + 1);
    }
    *opt = o;
    return HETERO_OK;
}

/* "devices, pi, primes, reservoir": the commands the program offers. */
static const char *het__commands(const het_cli_prog *prog)
{
    static _Thread_local char buf[512];
    size_t k = (size_t)snprintf(buf, sizeof buf, "devices");
    const hetero_workload *w;
    for (size_t i = 0; (w = het__offered(prog, i)) && k < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, ", %s", w->name);
    return buf;
}

/* `PROG devices [--format F] [--quiet] [--help]`, from argv[first]. */
static int het__parse_devices(int argc, char **argv, int first, het_cli *cli)
{
    cli->command = HET_CMD_DEVICES;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        if (strncmp(a, "--format", len) == 0 && len == 8) {
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                return hetero_fail(HETERO_E_BADARG, "--format: expected text or json, got nothing");
            int rc = het_parse_format(v, 0, &cli->format);
            if (rc)
                return rc;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli->command = HET_CMD_HELP;
            cli->devices_help = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            cli->quiet = 1;
        } else {
            return hetero_fail(
                HETERO_E_BADARG,
                "devices: unknown option '%s' (expected --format text|json, --quiet or --help)", a);
        }
    }
    int env_threads; /* the list shows the OpenMP team */
    return cli->command == HET_CMD_DEVICES ? het_threads_env(&env_threads) : HETERO_OK;
}

/* The workload's options and the common ones, from argv[first]. */
static int het__parse_run(int argc, char **argv, int first, const hetero_workload *wl, het_cli *cli)
{
    cli->command = HET_CMD_RUN;
    cli->wl = wl;
    int rc = het_job_init(&cli->job, wl);
    if (rc)
        return rc;
    char hint[160];
    if (het__single(cli->prog))
        snprintf(hint, sizeof hint, "(see %s --help)", cli->prog->name);
    else
        snprintf(hint, sizeof hint, "for %s (see %s %s --help)", wl->name, cli->prog->name, wl->name);
    for (int i = first; i < argc; i++) {
        const hetero_option *o;
        const char *value;
        if (het__loads(cli->prog) && strncmp(argv[i], "--load", 6) == 0 && (!argv[i][6] || argv[i][6] == '='))
            return hetero_fail(HETERO_E_BADARG, "--load: goes before the command (%s --load PATH.so %s ...)",
                               cli->prog->name, wl->name);
        if ((rc = het_cli_option(argc, argv, &i, het__prog, wl->options, hint, &o, &value)) ==
                HETERO_E_BADARG &&
            strstr(hetero_errmsg(), ": unknown option")) {
            /* the library's common options */
            rc = het_cli_option(argc, argv, &i, hetero_common_options(), NULL, hint, &o, &value);
        }
        if (rc)
            return rc;
        if (strcmp(o->name, "--help") == 0) {
            cli->command = HET_CMD_HELP;
            return HETERO_OK;
        }
        if (strcmp(o->name, "--version") == 0) {
            cli->command = HET_CMD_VERSION;
            return HETERO_OK;
        }
        if (het__find(het__prog, o->name, strlen(o->name)) == o)
            rc = het__prog_option(cli, o->name, value);
        else
            rc = hetero_job_set(&cli->job, o->name, value);
        if (rc)
            return rc;
    }
    cli->quiet = cli->job.run.quiet;
    /* the team comes from OMP_NUM_THREADS unless --threads says */
    int env_threads;
    if ((rc = het_threads_env(&env_threads)))
        return rc;
    /* every check that needs no work, now (main agrees on it across ranks) */
    return hetero_job_check(&cli->job);
}

const het_cli_prog het_cli_hetero = {.name = "hetero"};

int het_cli_parse(int argc, char **argv, het_cli *cli)
{
    return het_cli_parse_prog(&het_cli_hetero, argc, argv, cli);
}

int het_cli_parse_prog(const het_cli_prog *prog, int argc, char **argv, het_cli *cli)
{
    memset(cli, 0, sizeof *cli);
    cli->prog = prog;
    cli->progress = -1;
    cli->format = HETERO_FORMAT_TEXT;
    int first = 1, rc;
    /* `hetero --load PATH.so ... NAME`: the objects' workloads are
     * registered before the command is looked up */
    while (het__loads(prog) && first < argc &&
           (strcmp(argv[first], "--load") == 0 || strncmp(argv[first], "--load=", 7) == 0)) {
        const char *path = argv[first][6] == '=' ? argv[first] + 7 : first + 1 < argc ? argv[++first] : NULL;
        if (!path)
            return hetero_fail(HETERO_E_BADARG, "--load: expected a value (PATH.so), got nothing");
        if ((rc = hetero_workload_load(path)))
            return hetero_fail(rc, "--load: %s", hetero_errmsg());
        first++;
    }
    const char *cmd = first < argc ? argv[first] : NULL;
    if (cmd && (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)) {
        cli->command = HET_CMD_HELP;
        return HETERO_OK;
    }
    if (cmd && (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0)) {
        cli->command = HET_CMD_VERSION;
        return HETERO_OK;
    }
    if (cmd && strcmp(cmd, "devices") == 0)
        return het__parse_devices(argc, argv, first + 1, cli);
    /* a program of one workload: its options follow the program's name */
    if (het__single(prog))
        return het__parse_run(argc, argv, 1, prog->wls[0], cli);
    if (!cmd)
        return hetero_fail(HETERO_E_BADARG, "expected a command: %s (see %s --help)", het__commands(prog),
                           prog->name);
    const hetero_workload *wl = NULL;
    for (size_t i = 0; (wl = het__offered(prog, i)); i++)
        if (strcmp(wl->name, cmd) == 0)
            break;
    /* not registered: a NAME.so on HETERO_WORKLOAD_PATH */
    if (!wl && het__loads(prog) && (rc = het_load_named(cmd, &wl)))
        return rc;
    if (!wl && het__loads(prog) && getenv(HET_WORKLOAD_PATH_ENV) && *getenv(HET_WORKLOAD_PATH_ENV))
        return hetero_fail(HETERO_E_BADARG, "unknown command '%s' (expected %s, or a %s.so on %s)", cmd,
                           het__commands(prog), cmd, HET_WORKLOAD_PATH_ENV);
    if (!wl)
        return hetero_fail(HETERO_E_BADARG, "unknown command '%s' (expected %s)", cmd, het__commands(prog));
    return het__parse_run(argc, argv, first + 1, wl, cli);
}

void het_cli_free(het_cli *cli)
{
    if (cli->wl && cli->job.params)
        het_job_free(&cli->job);
}
