#include "error.h"

#include <stdio.h>
#include <string.h>

static _Thread_local char het__msg[HET_MSG_MAX];

int het_vfail(int code, const char *fmt, va_list ap)
{
    vsnprintf(het__msg, sizeof het__msg, fmt, ap);
    return code;
}

int het_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    het_vfail(code, fmt, ap);
    va_end(ap);
    return code;
}

const char *het_errmsg(void) { return het__msg; }

void het_errmsg_set(const char *msg)
{
    snprintf(het__msg, sizeof het__msg, "%s", msg ? msg : "");
}

static int het__index(int code)
{
    int i = -code;
    return (i > 0 && i < HET__EI_COUNT) ? i : 0;
}

const char *het_errname(int code)
{
    static const char *const names[] = {
        "HET_OK",
#define X(name, status, desc) "HET_E_" #name,
        HET_ERROR_MAP(X)
#undef X
    };
    return code == 0 ? names[0] : (het__index(code) ? names[het__index(code)] : "HET_E_UNKNOWN");
}

const char *het_strerror(int code)
{
    static const char *const descs[] = {
        "success",
#define X(name, status, desc) desc,
        HET_ERROR_MAP(X)
#undef X
    };
    return code == 0 ? descs[0] : (het__index(code) ? descs[het__index(code)] : "unknown error");
}

int het_exit_status(int code)
{
    static const int status[] = {
        0,
#define X(name, st, desc) st,
        HET_ERROR_MAP(X)
#undef X
    };
    return code == 0 ? 0 : (het__index(code) ? status[het__index(code)] : 1);
}
