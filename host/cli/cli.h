/* cli.h - the command line that hetero_main gives a program
 * (docs/commands.md; include/hetero.h, part 3).  For `hetero` itself:
 *
 *   hetero devices   [--format text|json]
 *   hetero WORKLOAD  [workload options] [common options]
 *   hetero --help | --version
 *
 * A program of one workload has no command word: `PROG [options]`,
 * `PROG devices`, `PROG --help`.
 */
#ifndef HET_CLI_H
#define HET_CLI_H

#include <stdio.h>

#include "engine.h"

enum het_command { HET_CMD_RUN, HET_CMD_DEVICES, HET_CMD_HELP, HET_CMD_VERSION };

/* The program whose command line it is. */
typedef struct het_cli_prog {
    const char *name; /* "hetero": usage, hints, messages */
    /* The workloads it offers (registered).  NULL: every registered one;
     * n 1: the program is that workload and takes no command word. */
    const hetero_workload *const *wls;
    size_t n;
} het_cli_prog;

/* `hetero` itself: every registered workload. */
extern const het_cli_prog het_cli_hetero;

typedef struct het_cli {
    const het_cli_prog *prog;
    int command;               /* enum het_command */
    const hetero_workload *wl; /* RUN (and help for one workload) */
    hetero_job job;            /* RUN: options applied, not yet planned */
    int format;                /* enum hetero_format */
    int progress;              /* -1 auto (stderr is a terminal), 0 off, 1 a
                                  redrawn line, HET_PROGRESS_LINES lines */
    int quiet;                 /* no notices */
    int devices_help;          /* HELP: `hetero devices --help` */
} het_cli;

/* Parses argv into cli for the program prog (het_cli_parse: for `hetero`).
 * Bad input:
 * HETERO_E_BADARG with a one-line message naming the option and what was
 * expected.  On success with HET_CMD_RUN, cli->job owns memory: release
 * with het_cli_free (safe after failure). */
int het_cli_parse_prog(const het_cli_prog *prog, int argc, char **argv, het_cli *cli);
int het_cli_parse(int argc, char **argv, het_cli *cli);
void het_cli_free(het_cli *cli);

/* Reads the option at argv[*i], "--name value" or "--name=value", against
 * `a` and then `b` (either may be NULL; tables end with {NULL}).  Sets *opt
 * and *value (NULL for a flag) and moves *i past a separate value.  `hint`
 * ends the unknown-option message, e.g. "for pi (see hetero pi --help)".
 * Bad input: not an option, unknown, a missing value, a value given to a
 * flag; HETERO_E_BADARG with a message naming the option. */
int het_cli_option(int argc, char **argv, int *i, const hetero_option *a, const hetero_option *b,
                   const char *hint, const hetero_option **opt, const char **value);

/* Usage text: the whole program (wl NULL) or one workload. */
void het_cli_usage(FILE *out, const het_cli_prog *prog, const hetero_workload *wl);
/* `hetero devices --help`. */
void het_cli_devices_usage(FILE *out, const het_cli_prog *prog);

/* --format value: "text", "json" or "csv" (csv_ok 0 refuses csv). */
int het_parse_format(const char *s, int csv_ok, int *out);

/* A program's own workloads join the registry (hetero_main,
 * hetero_bench_main): one already there (a built-in, or registered before)
 * is skipped; a description the registry refuses is the program's
 * mistake, not its user's: HETERO_E_INTERNAL, the message naming caller. */
int het_cli_register(const char *caller, const hetero_workload *const *wls, size_t n);

/* The end of hetero_main and hetero_bench_main, every output flushed and
 * closed: when a device thread is still inside its driver
 * (het_engine_threads_left), the process leaves at once with status
 * (_exit: no library's exit handlers run under that thread; in a coverage
 * build gcov's counters are written first); otherwise it returns. */
void het_cli_leave(int status);

#endif
