/* cli.h - the command line of `hetero` (docs/commands.md).
 *
 *   hetero devices   [--format text|json]
 *   hetero WORKLOAD  [workload options] [common options]
 *   hetero --help | --version
 */
#ifndef HET_CLI_H
#define HET_CLI_H

#include <stdio.h>

#include "engine.h"

enum het_command { HET_CMD_RUN, HET_CMD_DEVICES, HET_CMD_HELP, HET_CMD_VERSION };

typedef struct het_cli {
    int command;               /* enum het_command */
    const hetero_workload *wl; /* RUN (and help for one workload) */
    hetero_job job;            /* RUN: options applied, not yet planned */
    int format;                /* enum hetero_format */
    int progress;              /* -1 auto (stderr is a terminal), 0 off, 1 a
                                  redrawn line, HET_PROGRESS_LINES lines */
    int quiet;                 /* no notices */
    int devices_help;          /* HELP: `hetero devices --help` */
} het_cli;

/* Parses argv into cli.  Bad input: HETERO_E_BADARG with a one-line message
 * naming the option and what was expected.  On success with HET_CMD_RUN,
 * cli->job owns memory: release with het_cli_free (safe after failure). */
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
void het_cli_usage(FILE *out, const hetero_workload *wl);
/* `hetero devices --help`. */
void het_cli_devices_usage(FILE *out);

/* --format value: "text", "json" or "csv" (csv_ok 0 refuses csv). */
int het_parse_format(const char *s, int csv_ok, int *out);

#endif
