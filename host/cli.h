/* cli.h - the command line of `hetero` (DESIGN.md, Command line).
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
    const het_workload *wl;    /* RUN (and help for one workload) */
    het_job job;               /* RUN: options applied, not yet planned */
    het_run_opts run;
    int format;                /* enum het_format */
} het_cli;

/* Parses argv into cli.  Bad input: HET_E_BADARG with a one-line message
 * naming the option and what was expected.  On success with HET_CMD_RUN,
 * cli->job owns memory: release with het_cli_free (safe after failure). */
int het_cli_parse(int argc, char **argv, het_cli *cli);
void het_cli_free(het_cli *cli);

/* Usage text: the whole program (wl NULL) or one workload. */
void het_cli_usage(FILE *out, const het_workload *wl);

/* --format value: "text", "json" or "csv" (csv_ok 0 refuses csv). */
int het_parse_format(const char *s, int csv_ok, int *out);

#endif
