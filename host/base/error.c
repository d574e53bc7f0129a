#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char het__msg[HETERO_MSG_MAX];
static const char *het__progname = "hetero";

void het_set_progname(const char *name) { het__progname = name; }
const char *het_progname(void) { return het__progname; }

void het_escape(const char *s, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    if (!size)
        return;
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[5];
        size_t n = 0;
        if (c == '\n' || c == '\t' || c == '\r') {
            esc[n++] = '\\';
            esc[n++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
        } else if (c < 0x20 || c == 0x7f) {
            esc[n++] = '\\';
            esc[n++] = 'x';
            esc[n++] = hex[c >> 4];
            esc[n++] = hex[c & 15];
        } else {
            esc[n++] = (char)c;
        }
        if (k + n >= size)
            break;
        memcpy(out + k, esc, n);
        k += n;
    }
    out[k] = 0;
}

int het_vfail(int code, const char *fmt, va_list ap)
{
    if (code == HETERO_E_BUILD) {
        /* the build log is the one message meant to span lines */
        vsnprintf(het__msg, sizeof het__msg, fmt, ap);
        return code;
    }
    char raw[HETERO_MSG_MAX];
    vsnprintf(raw, sizeof raw, fmt, ap);
    het_escape(raw, het__msg, sizeof het__msg);
    return code;
}

int het_debug_on(void)
{
    const char *v = getenv("HETERO_DEBUG");
    return v && *v && strcmp(v, "0") != 0;
}

void het_debug(const char *fmt, ...)
{
    if (!het_debug_on())
        return;
    char raw[1024], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    het_escape(raw, line, sizeof line);
    fprintf(stderr, "%s: debug: %s\n", het__progname, line);
}

int hetero_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    het_vfail(code, fmt, ap);
    va_end(ap);
    return code;
}

const char *hetero_errmsg(void) { return het__msg; }

void het_errmsg_set(const char *msg) { snprintf(het__msg, sizeof het__msg, "%s", msg ? msg : ""); }

static int het__index(int code)
{
    int i = -code;
    return (i > 0 && i < HETERO__EI_COUNT) ? i : 0;
}

const char *hetero_errname(int code)
{
    static const char *const names[] = {"HETERO_OK",
#define X(name, status, desc) "HETERO_E_" #name,
                                        HETERO_ERROR_MAP(X)
#undef X
    };
    return code == 0 ? names[0] : (het__index(code) ? names[het__index(code)] : "HETERO_E_UNKNOWN");
}

const char *hetero_strerror(int code)
{
    static const char *const descs[] = {"success",
#define X(name, status, desc) desc,
                                        HETERO_ERROR_MAP(X)
#undef X
    };
    return code == 0 ? descs[0] : (het__index(code) ? descs[het__index(code)] : "unknown error");
}

int hetero_exit_status(int code)
{
    static const int status[] = {0,
#define X(name, st, desc) st,
                                 HETERO_ERROR_MAP(X)
#undef X
    };
    return code == 0 ? 0 : (het__index(code) ? status[het__index(code)] : 1);
}
