/* test_cli.c - hetero's command line (host/cli/cli.c): commands, every common
 * option in its `--opt value` and `--opt=value` forms, flags, and the
 * refusals: each is HETERO_E_BADARG with a one-line message naming the option
 * (or the command) that was wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 32

/* Parses "hetero" followed by the given words (NULL-terminated). */
static int parse(het_cli *cli, ...)
{
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    argv[argc++] = "hetero";
    va_list ap;
    va_start(ap, cli);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) {
        assert_true(argc < MAX_ARGS);
        argv[argc++] = a;
    }
    va_end(ap);
    argv[argc] = NULL;
    return het_cli_parse(argc, argv, cli);
}

/* The refusal contract: BADARG, one line, naming `what`. */
static void assert_refused(int rc, het_cli *cli, const char *what)
{
    if (rc != HETERO_E_BADARG)
        fail_msg("expected HETERO_E_BADARG naming '%s', got %d (%s)", what, rc, hetero_errmsg());
    const char *msg = hetero_errmsg();
    if (!strstr(msg, what))
        fail_msg("message '%s' does not name '%s'", msg, what);
    assert_null(strchr(msg, '\n'));
    het_cli_free(cli);
}

/* The pi workload's params as the report shows them (samples, seed). */
static uint64_t pi_param(const het_cli *cli, const char *name)
{
    hetero_field f[HETERO_MAX_FIELDS];
    size_t n = cli->wl->params_fields(&cli->job, f, HETERO_MAX_FIELDS);
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return f[i].v.u64;
    fail_msg("pi has no param '%s'", name);
    return 0;
}

/* ---- commands ---------------------------------------------------------- */

static void no_command_refused(void **state)
{
    (void)state;
    het_cli cli;
    assert_refused(parse(&cli, NULL), &cli, "command");
}

static void unknown_command_refused(void **state)
{
    (void)state;
    het_cli cli;
    assert_refused(parse(&cli, "frobnicate", NULL), &cli, "'frobnicate'");
    assert_refused(parse(&cli, "--samples", "10", NULL), &cli, "'--samples'");
}

static void help_and_version(void **state)
{
    (void)state;
    het_cli cli;
    const char *help[] = {"--help", "-h", "help"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(parse(&cli, help[i], NULL), HETERO_OK);
        assert_int_equal(cli.command, HET_CMD_HELP);
        assert_null(cli.wl);
        het_cli_free(&cli);
    }
    assert_int_equal(parse(&cli, "--version", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_VERSION);
    het_cli_free(&cli);
}

/* `hetero pi --help` needs no --samples, and is help for pi alone. */
static void workload_help_needs_no_required_options(void **state)
{
    (void)state;
    het_cli cli;
    assert_int_equal(parse(&cli, "pi", "--help", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_HELP);
    assert_ptr_equal(cli.wl, hetero_workload_find("pi"));
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "1e6", "--version", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_VERSION);
    het_cli_free(&cli);
}

static void devices_command(void **state)
{
    (void)state;
    het_cli cli;
    assert_int_equal(parse(&cli, "devices", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_DEVICES);
    assert_int_equal(cli.format, HETERO_FORMAT_TEXT);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "devices", "--format", "json", NULL), HETERO_OK);
    assert_int_equal(cli.format, HETERO_FORMAT_JSON);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "devices", "--format=json", "--quiet", NULL), HETERO_OK);
    assert_int_equal(cli.format, HETERO_FORMAT_JSON);
    assert_int_equal(cli.quiet, 1);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "devices", "--help", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_HELP);
    assert_int_equal(cli.devices_help, 1); /* the devices' help, not the program's */
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "devices", "-q", "-h", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_HELP);
    assert_int_equal(cli.devices_help, 1);
    assert_int_equal(cli.quiet, 1);
    het_cli_free(&cli);
}

/* primesieve's short options stand for their long ones, each in its own
 * word: -h, -q, -V, -t N; any other is refused naming what was typed. */
static void short_options(void **state)
{
    (void)state;
    het_cli cli;
    assert_int_equal(parse(&cli, "-V", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_VERSION);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "-h", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_HELP);
    assert_ptr_equal(cli.wl, hetero_workload_find("pi"));
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "1e6", "-V", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_VERSION);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "1e6", "-t", "3", "-q", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_RUN);
    assert_int_equal(cli.job.run.threads, 3);
    assert_int_equal(cli.quiet, 1);
    het_cli_free(&cli);
    assert_refused(parse(&cli, "pi", "--samples", "1e6", "-t", NULL), &cli, "--threads");
    assert_refused(parse(&cli, "pi", "--samples", "1e6", "-x", NULL), &cli, "'-x'");
    assert_refused(parse(&cli, "pi", "--samples", "1e6", "-t3", NULL), &cli, "'-t3'");
}

static void devices_command_refusals(void **state)
{
    (void)state;
    het_cli cli;
    assert_refused(parse(&cli, "devices", "--format", "csv", NULL), &cli, "--format");
    assert_refused(parse(&cli, "devices", "--format=xml", NULL), &cli, "--format");
    assert_refused(parse(&cli, "devices", "--format", NULL), &cli, "--format");
    assert_refused(parse(&cli, "devices", "--formats=json", NULL), &cli, "--formats=json");
    assert_refused(parse(&cli, "devices", "--samples", "5", NULL), &cli, "--samples");
    assert_refused(parse(&cli, "devices", "json", NULL), &cli, "json");
}

/* ---- a run and its defaults -------------------------------------------- */

static void run_defaults(void **state)
{
    (void)state;
    het_cli cli;
    assert_int_equal(parse(&cli, "pi", "--samples", "1000", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_RUN);
    assert_ptr_equal(cli.wl, hetero_workload_find("pi"));
    assert_ptr_equal(cli.job.wl, cli.wl);
    assert_int_equal(pi_param(&cli, "samples"), 1000);
    assert_int_equal(cli.job.seed, 0);
    assert_string_equal(cli.job.run.devices, "all");
    assert_int_equal(cli.job.run.threads, 0);
    assert_int_equal(cli.progress, -1);
    assert_int_equal(cli.quiet, 0);
    assert_int_equal(cli.format, HETERO_FORMAT_TEXT);
    het_cli_free(&cli);
}

static void samples_forms(void **state)
{
    (void)state;
    het_cli cli;
    assert_int_equal(parse(&cli, "pi", "--samples", "2.5e9", NULL), HETERO_OK);
    assert_int_equal(pi_param(&cli, "samples"), UINT64_C(2500000000));
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples=3000001", NULL), HETERO_OK);
    assert_int_equal(pi_param(&cli, "samples"), 3000001);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "9.223372036854775808e18", NULL), HETERO_OK);
    assert_int_equal(pi_param(&cli, "samples"), UINT64_C(1) << 63);
    het_cli_free(&cli);
    /* the last of a repeated option wins */
    assert_int_equal(parse(&cli, "pi", "--samples", "5", "--samples=1e3", NULL), HETERO_OK);
    assert_int_equal(pi_param(&cli, "samples"), 1000);
    het_cli_free(&cli);
}

static void samples_refusals(void **state)
{
    (void)state;
    het_cli cli;
    const char *bad[] = {"0", "-5", "1.5", "abc", "1e19", "9.223372036854775809e18", "", "1e-2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_refused(parse(&cli, "pi", "--samples", bad[i], NULL), &cli, "--samples");
        char eq[64];
        snprintf(eq, sizeof eq, "--samples=%s", bad[i]);
        assert_refused(parse(&cli, "pi", eq, NULL), &cli, "--samples");
    }
    /* required */
    assert_refused(parse(&cli, "pi", NULL), &cli, "--samples");
    assert_refused(parse(&cli, "pi", "--seed", "1", NULL), &cli, "--samples");
}

static void seed_forms(void **state)
{
    (void)state;
    het_cli cli;
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--seed", "0x123456789abcdef0", NULL), HETERO_OK);
    assert_int_equal(cli.job.seed, UINT64_C(0x123456789abcdef0));
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--seed=18446744073709551615", "--samples", "10", NULL), HETERO_OK);
    assert_int_equal(cli.job.seed, UINT64_MAX);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--seed", "42", NULL), HETERO_OK);
    assert_int_equal(cli.job.seed, 42);
    het_cli_free(&cli);
}

static void seed_refusals(void **state)
{
    (void)state;
    het_cli cli;
    const char *bad[] = {"18446744073709551616", "0x10000000000000000", "-1", "0x", "seven", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_refused(parse(&cli, "pi", "--samples", "10", "--seed", bad[i], NULL), &cli, "--seed");
}

static void threads_forms(void **state)
{
    (void)state;
    het_cli cli;
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--threads", "3", NULL), HETERO_OK);
    assert_int_equal(cli.job.run.threads, 3);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--threads=1", NULL), HETERO_OK);
    assert_int_equal(cli.job.run.threads, 1);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--threads", "4096", NULL), HETERO_OK);
    assert_int_equal(cli.job.run.threads, 4096);
    het_cli_free(&cli);
}

static void threads_refusals(void **state)
{
    (void)state;
    het_cli cli;
    const char *bad[] = {"0", "-1", "4097", "two", "1.5", "", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_refused(parse(&cli, "pi", "--samples", "10", "--threads", bad[i], NULL), &cli, "--threads");
    }
}

static void format_forms(void **state)
{
    (void)state;
    het_cli cli;
    const struct {
        const char *arg;
        int want;
    } cases[] = {{"text", HETERO_FORMAT_TEXT}, {"json", HETERO_FORMAT_JSON}, {"csv", HETERO_FORMAT_CSV}};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(parse(&cli, "pi", "--samples", "10", "--format", cases[i].arg, NULL), HETERO_OK);
        assert_int_equal(cli.format, cases[i].want);
        het_cli_free(&cli);
        char eq[32];
        snprintf(eq, sizeof eq, "--format=%s", cases[i].arg);
        assert_int_equal(parse(&cli, "pi", eq, "--samples", "10", NULL), HETERO_OK);
        assert_int_equal(cli.format, cases[i].want);
        het_cli_free(&cli);
    }
    assert_refused(parse(&cli, "pi", "--samples", "10", "--format", "xml", NULL), &cli, "--format");
    assert_refused(parse(&cli, "pi", "--samples", "10", "--format=", NULL), &cli, "--format");
}

/* Parsing checks the list's syntax only: which devices exist is known
 * after discovery, in the engine (an unknown cl:P:D is tested end to end). */
static void devices_lists_accepted(void **state)
{
    (void)state;
    het_cli cli;
    const char *ok[] = {"all",        "omp",    "gpu",        "cl",
                        "cl:0:0",     "omp,cl", "omp,cl:0:0", "cl:1:2,omp,gpu",
                        "all,cl:0:0", "cl:7:7"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        if (parse(&cli, "pi", "--samples", "10", "--devices", ok[i], NULL) != HETERO_OK)
            fail_msg("--devices %s refused: %s", ok[i], hetero_errmsg());
        assert_string_equal(cli.job.run.devices, ok[i]);
        het_cli_free(&cli);
    }
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--devices=omp", NULL), HETERO_OK);
    assert_string_equal(cli.job.run.devices, "omp");
    het_cli_free(&cli);
}

static void devices_lists_refused(void **state)
{
    (void)state;
    het_cli cli;
    const char *bad[] = {"cl:x", "foo", "", "OMP", "cl:0", "cl:0:0:0", "cl:0:x", "omp;cl", "cl0:0", "gpus"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_refused(parse(&cli, "pi", "--samples", "10", "--devices", bad[i], NULL), &cli, "--devices");
    assert_refused(parse(&cli, "pi", "--samples", "10", "--devices=", NULL), &cli, "--devices");
}

static void flags(void **state)
{
    (void)state;
    het_cli cli;
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--progress", NULL), HETERO_OK);
    assert_int_equal(cli.progress, 1);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--no-progress", NULL), HETERO_OK);
    assert_int_equal(cli.progress, 0);
    het_cli_free(&cli);
    /* the last one wins */
    assert_int_equal(parse(&cli, "pi", "--no-progress", "--progress", "--samples", "10", NULL), HETERO_OK);
    assert_int_equal(cli.progress, 1);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--quiet", NULL), HETERO_OK);
    assert_int_equal(cli.quiet, 1);
    het_cli_free(&cli);
}

static void flags_take_no_value(void **state)
{
    (void)state;
    het_cli cli;
    assert_refused(parse(&cli, "pi", "--samples", "10", "--progress=yes", NULL), &cli, "--progress");
    assert_refused(parse(&cli, "pi", "--samples", "10", "--no-progress=1", NULL), &cli, "--no-progress");
    assert_refused(parse(&cli, "pi", "--samples", "10", "--quiet=", NULL), &cli, "--quiet");
    /* a word after a flag is not its value but a stray argument */
    assert_refused(parse(&cli, "pi", "--samples", "10", "--quiet", "yes", NULL), &cli, "'yes'");
}

static void missing_value_refused(void **state)
{
    (void)state;
    het_cli cli;
    assert_refused(parse(&cli, "pi", "--samples", NULL), &cli, "--samples");
    const char *opts[] = {"--seed", "--devices", "--threads", "--format"};
    for (size_t i = 0; i < 4; i++)
        assert_refused(parse(&cli, "pi", "--samples", "10", opts[i], NULL), &cli, opts[i]);
}

static void unknown_option_refused(void **state)
{
    (void)state;
    het_cli cli;
    assert_refused(parse(&cli, "pi", "--samples", "10", "--bogus", NULL), &cli, "--bogus");
    assert_refused(parse(&cli, "pi", "--bogus=3", "--samples", "10", NULL), &cli, "--bogus");
    /* no prefix matching */
    assert_refused(parse(&cli, "pi", "--sample", "10", NULL), &cli, "--sample");
    assert_refused(parse(&cli, "pi", "--samplesx=10", NULL), &cli, "--samplesx");
    /* another workload's option is not pi's */
    assert_refused(parse(&cli, "pi", "--samples", "10", "--paths", "5", NULL), &cli, "--paths");
    /* single-dash and bare words are not options */
    assert_refused(parse(&cli, "pi", "-s", "10", NULL), &cli, "-s");
    assert_refused(parse(&cli, "pi", "--samples", "10", "extra", NULL), &cli, "'extra'");
}

/* het_cli_free after any outcome, twice even, is safe (LeakSanitizer and
 * valgrind runs of this test check that nothing is left behind). */
/* Echoed values keep the message on one line: control characters come out
 * as \n, \t, \r, \xHH (no raw escape sequence reaches a terminal). */
static void control_characters_are_escaped(void **state)
{
    (void)state;
    het_cli cli;
    assert_refused(parse(&cli, "pi", "--samples", "1\n2", NULL), &cli, "'1\\n2'");
    assert_refused(parse(&cli, "pi", "--samples", "10", "--devices", "cl:\x1b[2J\t", NULL), &cli,
                   "'cl:\\x1b[2J\\t'");
    assert_refused(parse(&cli, "pi\r", NULL), &cli, "'pi\\r'");
    assert_refused(parse(&cli, "pi", "--samples", "10", "--bo\x7fgus", NULL), &cli, "--bo\\x7fgus");
    /* every control character, and the rest untouched */
    char raw[40], out[200];
    for (int c = 1; c < 32; c++)
        raw[c - 1] = (char)c;
    raw[31] = 0x7f;
    raw[32] = 0;
    het_escape(raw, out, sizeof out);
    for (const char *p = out; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
    het_escape("caf\xc3\xa9 \\ 'x'", out, sizeof out);
    assert_string_equal(out, "caf\xc3\xa9 \\ 'x'");
    /* the build log is the one message meant to span lines */
    hetero_fail(HETERO_E_BUILD, "clBuildProgram: CL_BUILD_PROGRAM_FAILURE\n%s", "line 1\nline 2");
    assert_non_null(strchr(hetero_errmsg(), '\n'));
    /* truncated, never overrun */
    het_escape("\n\n\n\n", out, 5);
    assert_string_equal(out, "\\n\\n");
}

static void free_is_safe_after_failure(void **state)
{
    (void)state;
    het_cli cli;
    assert_int_equal(parse(&cli, "pi", "--samples", "10", "--bogus", NULL), HETERO_E_BADARG);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "nope", NULL), HETERO_E_BADARG);
    het_cli_free(&cli);
    assert_int_equal(parse(&cli, "pi", "--samples", "10", NULL), HETERO_OK);
    het_cli_free(&cli);
    het_cli_free(&cli);
}

static char *usage_text(const hetero_workload *wl)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    het_cli_usage(f, &het_cli_hetero, wl);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void usage_lists_commands_and_options(void **state)
{
    (void)state;
    char *all = usage_text(NULL);
    const char *words[] = {"devices",   "pi",       "--seed",     "--devices",
                           "--threads", "--format", "--progress", "--no-progress",
                           "--quiet",   "--help",   "--version"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (!strstr(all, words[i]))
            fail_msg("usage lacks '%s'", words[i]);
    free(all);
    char *pi = usage_text(hetero_workload_find("pi"));
    assert_non_null(strstr(pi, "usage: hetero pi"));
    assert_non_null(strstr(pi, "--samples N"));
    assert_non_null(strstr(pi, "--seed"));
    free(pi);
}

/* ---- a program of its own (hetero_main) ------------------------------- */

/* Parses `prog` followed by the given words for the program p. */
static int parse_prog(const het_cli_prog *p, het_cli *cli, ...)
{
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    argv[argc++] = (char *)p->name;
    va_list ap;
    va_start(ap, cli);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) {
        assert_true(argc < MAX_ARGS);
        argv[argc++] = a;
    }
    va_end(ap);
    argv[argc] = NULL;
    return het_cli_parse_prog(p, argc, argv, cli);
}

/* A program of one workload is that workload: its options follow the
 * program's name, with no command word; `devices`, --help and --version
 * keep their meaning, and the hints name the program. */
static void one_workload_program_takes_no_command(void **state)
{
    (void)state;
    const hetero_workload *const pi[] = {hetero_workload_find("pi")};
    const het_cli_prog p = {.name = "mypi", .wls = pi, .n = 1};
    het_cli cli;
    assert_int_equal(parse_prog(&p, &cli, "--samples", "1e6", "--seed=7", "--format", "json", NULL),
                     HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_RUN);
    assert_ptr_equal(cli.wl, pi[0]);
    assert_int_equal(cli.format, HETERO_FORMAT_JSON);
    assert_int_equal(pi_param(&cli, "samples"), 1000000);
    assert_int_equal(pi_param(&cli, "seed"), 7);
    het_cli_free(&cli);
    assert_int_equal(parse_prog(&p, &cli, "devices", "--format", "json", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_DEVICES);
    het_cli_free(&cli);
    assert_int_equal(parse_prog(&p, &cli, "--help", NULL), HETERO_OK);
    assert_int_equal(cli.command, HET_CMD_HELP);
    het_cli_free(&cli);
    /* the workload's own checks: --samples is required */
    assert_refused(parse_prog(&p, &cli, NULL), &cli, "--samples");
    /* a command word is an unexpected argument here */
    assert_refused(parse_prog(&p, &cli, "pi", "--samples", "10", NULL), &cli, "'pi'");
    assert_refused(parse_prog(&p, &cli, "--nope", NULL), &cli, "see mypi --help");
}

/* A program of several workloads offers those as commands, no others. */
static void several_workload_program_offers_its_own(void **state)
{
    (void)state;
    const hetero_workload *const two[] = {hetero_workload_find("pi"), hetero_workload_find("reservoir")};
    const het_cli_prog p = {.name = "two", .wls = two, .n = 2};
    het_cli cli;
    assert_int_equal(parse_prog(&p, &cli, "pi", "--samples", "10", NULL), HETERO_OK);
    assert_ptr_equal(cli.wl, two[0]);
    het_cli_free(&cli);
    assert_refused(parse_prog(&p, &cli, "primes", "--nth", "10", NULL), &cli,
                   "unknown command 'primes' (expected devices, pi, reservoir)");
    assert_refused(parse_prog(&p, &cli, "pi", "--nope", NULL), &cli, "see two pi --help");
    assert_refused(parse_prog(&p, &cli, NULL), &cli, "see two --help");
}

static char *prog_usage(const het_cli_prog *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    het_cli_usage(f, p, NULL);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* The usage text names the program and what it offers. */
static void program_usage_names_the_program(void **state)
{
    (void)state;
    const hetero_workload *const pi[] = {hetero_workload_find("pi")};
    const het_cli_prog one = {.name = "mypi", .wls = pi, .n = 1};
    char *text = prog_usage(&one);
    assert_non_null(strstr(text, "usage: mypi --samples N [options]"));
    assert_non_null(strstr(text, "mypi devices"));
    assert_non_null(strstr(text, "--threads"));
    assert_null(strstr(text, "hetero"));
    free(text);
    const hetero_workload *const two[] = {hetero_workload_find("pi"), hetero_workload_find("reservoir")};
    const het_cli_prog several = {.name = "two", .wls = two, .n = 2};
    text = prog_usage(&several);
    assert_non_null(strstr(text, "usage: two COMMAND"));
    assert_non_null(strstr(text, "reservoir"));
    assert_null(strstr(text, "primes"));
    free(text);
}

/* --load PATH.so comes before the command; a path that cannot be used is
 * refused naming --load (the objects themselves: tests/e2e/load.sh). */
static void load_refusals(void **state)
{
    (void)state;
    het_cli cli;
    assert_refused(parse(&cli, "--load", NULL), &cli, "--load: expected a value");
    assert_refused(parse(&cli, "--load", "/nonexistent/quad.so", "quad", NULL), &cli,
                   "--load: '/nonexistent/quad.so'");
    assert_refused(parse(&cli, "--load=", "quad", NULL), &cli, "--load: ''");
    assert_refused(parse(&cli, "--load", "/", "quad", NULL), &cli, "is not a regular file");
    assert_refused(parse(&cli, "pi", "--samples", "10", "--load", "x.so", NULL), &cli,
                   "--load: goes before the command");
    /* a program of its own workloads takes none from objects */
    const hetero_workload *const pi[] = {hetero_workload_find("pi")};
    const het_cli_prog p = {.name = "mypi", .wls = pi, .n = 1};
    assert_refused(parse_prog(&p, &cli, "--load", "x.so", NULL), &cli, "--load: unknown option");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_command_refused),
        cmocka_unit_test(unknown_command_refused),
        cmocka_unit_test(help_and_version),
        cmocka_unit_test(workload_help_needs_no_required_options),
        cmocka_unit_test(devices_command),
        cmocka_unit_test(short_options),
        cmocka_unit_test(devices_command_refusals),
        cmocka_unit_test(run_defaults),
        cmocka_unit_test(samples_forms),
        cmocka_unit_test(samples_refusals),
        cmocka_unit_test(seed_forms),
        cmocka_unit_test(seed_refusals),
        cmocka_unit_test(threads_forms),
        cmocka_unit_test(threads_refusals),
        cmocka_unit_test(format_forms),
        cmocka_unit_test(devices_lists_accepted),
        cmocka_unit_test(devices_lists_refused),
        cmocka_unit_test(flags),
        cmocka_unit_test(flags_take_no_value),
        cmocka_unit_test(missing_value_refused),
        cmocka_unit_test(unknown_option_refused),
        cmocka_unit_test(control_characters_are_escaped),
        cmocka_unit_test(free_is_safe_after_failure),
        cmocka_unit_test(usage_lists_commands_and_options),
        cmocka_unit_test(one_workload_program_takes_no_command),
        cmocka_unit_test(several_workload_program_offers_its_own),
        cmocka_unit_test(program_usage_names_the_program),
        cmocka_unit_test(load_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
