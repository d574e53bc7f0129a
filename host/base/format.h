/* format.h - number and JSON formatting shared by the run report
 * (report.c), `hetero devices` (main.c) and hetero-bench.
 *
 * JSON integers are written as exact decimal text (cJSON's own numbers are
 * doubles and would round counts above 2^53); doubles that feed a result
 * are written with 17 significant digits, so they read back bit for bit.
 */
#ifndef HET_FORMAT_H
#define HET_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "hetero.h"

/* "1.42G", "217M", "950": three significant digits and an SI prefix;
 * "-" when v is not finite. */
void het_format_si(double v, char *buf, size_t size);

/* A result field as text; doubles with `digits` significant digits
 * (17 reads back exactly). */
void het_format_field(const hetero_field *f, int digits, char *buf, size_t size);

cJSON *het_json_u64(uint64_t v);
/* null when v is not finite */
cJSON *het_json_f64(double v, int digits);
/* A result field: integers exact, doubles with 17 digits, null if not finite. */
cJSON *het_json_field(const hetero_field *f);
/* Prints root as one document plus a newline and deletes it.  The text is
 * always well-formed UTF-8 (het_utf8_fputs): cJSON copies a string's bytes
 * as they are, and a device name, a file name or a report read from disk
 * may hold any. */
int het_json_emit(cJSON *root, FILE *out);

/* The well-formed UTF-8 sequence that s (n > 0 bytes left) starts with: its
 * length, 1 to 4 (no overlong form, no surrogate, nothing above U+10FFFF);
 * or, when s starts none, minus the length of the ill-formed part that one
 * U+FFFD replaces (the lead byte and the continuation bytes that still fit
 * it, at least 1: the "maximal subpart" of Unicode 3.9). */
int het_utf8_seq(const char *s, size_t n);
/* Writes the string s with each ill-formed part replaced by U+FFFD. */
void het_utf8_fputs(const char *s, FILE *out);

#endif
