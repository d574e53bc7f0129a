/* discover.c - every OpenCL device there is (hcl_discover): the loader's
 * ICD files checked first, each platform and device queried, the reasons
 * none was found kept for hcl_discover_note; and the platform and device
 * lists hcl_open finds its device in again.
 */
#include "hcl_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- discovery ---------------------------------------------------------- */

/* Drivers pad some names with trailing blanks (and some ids are longer than
 * our fields), so strings are fetched whole, then cut and trimmed. */
static cl_int info_str(cl_platform_id p, cl_device_id dev, cl_uint param, char *buf, size_t cap)
{
    size_t size = 0;
    cl_int err = dev ? clGetDeviceInfo(dev, param, 0, NULL, &size)
                     : clGetPlatformInfo(p, param, 0, NULL, &size);
    if (err != CL_SUCCESS)
        return err;
    char *tmp = malloc(size + 1);
    if (!tmp)
        return CL_OUT_OF_HOST_MEMORY;
    err = dev ? clGetDeviceInfo(dev, param, size, tmp, NULL) : clGetPlatformInfo(p, param, size, tmp, NULL);
    if (err == CL_SUCCESS) {
        tmp[size] = '\0';
        size_t n = strlen(tmp);
        while (n > 0 && (tmp[n - 1] == ' ' || tmp[n - 1] == '\n' || tmp[n - 1] == '\t'))
            n--;
        tmp[n] = '\0';
        snprintf(buf, cap, "%s", tmp);
    }
    free(tmp);
    return err;
}

static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *s = list; (s = strstr(s, word)) != NULL; s += n)
        if ((s == list || s[-1] == ' ') && (s[n] == ' ' || s[n] == '\0'))
            return 1;
    return 0;
}

/* Fills every field of *info but id/platform/device (set by the caller, who
 * also uses the half-filled info to name the device in error messages). */
static int query_device(hcl_device *scratch, cl_platform_id p, cl_device_id dev)
{
    hcl_info *info = &scratch->info;
    int rc = HETERO_OK;
    char *ext = NULL;
    cl_device_type type = 0;
    cl_uint cu = 0, mhz = 0;
    cl_ulong gmem = 0, lmem = 0, maxalloc = 0;
    size_t maxwg = 0, extsize = 0;
    cl_device_fp_config fp64 = 0;

    HCL_TRY(scratch, "clGetPlatformInfo(CL_PLATFORM_NAME)",
            info_str(p, NULL, CL_PLATFORM_NAME, info->platform_name, sizeof info->platform_name));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_NAME)",
            info_str(p, dev, CL_DEVICE_NAME, info->name, sizeof info->name));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_VENDOR)",
            info_str(p, dev, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DRIVER_VERSION)",
            info_str(p, dev, CL_DRIVER_VERSION, info->driver, sizeof info->driver));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_VERSION)",
            info_str(p, dev, CL_DEVICE_VERSION, info->version, sizeof info->version));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_TYPE)",
            clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_MAX_COMPUTE_UNITS)",
            clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_MAX_CLOCK_FREQUENCY)",
            clGetDeviceInfo(dev, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof mhz, &mhz, NULL));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_GLOBAL_MEM_SIZE)",
            clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gmem, &gmem, NULL));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_LOCAL_MEM_SIZE)",
            clGetDeviceInfo(dev, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lmem, &lmem, NULL));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_MAX_MEM_ALLOC_SIZE)",
            clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof maxalloc, &maxalloc, NULL));
    HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_MAX_WORK_GROUP_SIZE)",
            clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof maxwg, &maxwg, NULL));

    /* Double support: OpenCL 1.2 says a device has it iff DOUBLE_FP_CONFIG
     * is non-zero; some 1.1-era drivers reject that query, so the extension
     * string decides when the query fails or says no. */
    if (clGetDeviceInfo(dev, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64, NULL) != CL_SUCCESS)
        fp64 = 0;
    if (!fp64) {
        HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_EXTENSIONS)",
                clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS, 0, NULL, &extsize));
        ext = calloc(1, extsize + 1);
        if (!ext) {
            rc = hetero_fail(HETERO_E_NOMEM, "out of memory reading the extensions of %s", info->id);
            goto done;
        }
        HCL_TRY(scratch, "clGetDeviceInfo(CL_DEVICE_EXTENSIONS)",
                clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS, extsize, ext, NULL));
    }

    /* A device may report several type bits (e.g. GPU | DEFAULT); the most
     * specific one wins. */
    info->type = (type & CL_DEVICE_TYPE_GPU)           ? HCL_GPU
                 : (type & CL_DEVICE_TYPE_ACCELERATOR) ? HCL_ACCEL
                 : (type & CL_DEVICE_TYPE_CPU)         ? HCL_CPU
                                                       : HCL_OTHER;
    info->compute_units = cu;
    info->clock_mhz = mhz;
    info->global_mem = gmem;
    info->local_mem = lmem;
    info->max_alloc = maxalloc;
    info->max_wg = maxwg;
    info->fp64 = fp64 != 0 || (ext && has_word(ext, "cl_khr_fp64"));
done:
    free(ext);
    return rc;
}

/* ---- what the ICD loader will open ------------------------------------- */

/* The loader opens every *.icd file of its vendors folder ($OCL_ICD_VENDORS,
 * else $OPENCL_VENDOR_PATH, else /etc/OpenCL/vendors), or the one file
 * $OCL_ICD_VENDORS names, and the libraries $OCL_ICD_FILENAMES lists.  A
 * FIFO there blocks its open(), and the process with it, signals and all:
 * so before the first clGetPlatformIDs each must be a regular file (stat
 * only, nothing is opened).  What does not exist is left to the loader,
 * which skips it. */

static const char *file_kind(mode_t m)
{
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISDIR(m))
        return "a directory";
    return "not a regular file";
}

/* `path`, which the loader would open (from `var`): a regular file, or
 * missing. */
static int icd_file_ok(const char *var, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || S_ISREG(st.st_mode))
        return HETERO_OK;
    return hetero_fail(HETERO_E_BADARG,
                       "%s: '%s' is %s, expected a regular file (the OpenCL loader opens it, and would "
                       "wait forever on a FIFO)",
                       var, path, file_kind(st.st_mode));
}

/* Each *.icd entry of the folder `dir` (from `var`). */
static int icd_folder_ok(const char *var, const char *dir)
{
    DIR *d = opendir(dir); /* O_DIRECTORY: never blocks */
    if (!d)
        return HETERO_OK;
    int rc = HETERO_OK;
    struct dirent *e;
    while (rc == HETERO_OK && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        char path[4096];
        if (len <= 4 || strcmp(e->d_name + len - 4, ".icd") != 0)
            continue;
        int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (n > 0 && (size_t)n < sizeof path)
            rc = icd_file_ok(var, path);
    }
    closedir(d);
    return rc;
}

static int icd_check(void)
{
    static const char *const folders[] = {"OCL_ICD_VENDORS", "OPENCL_VENDOR_PATH"};
    int rc = HETERO_OK, named = 0;
    for (size_t i = 0; rc == HETERO_OK && i < sizeof folders / sizeof folders[0]; i++) {
        const char *v = getenv(folders[i]);
        struct stat st;
        if (!v || !*v)
            continue;
        named = 1;
        if (stat(v, &st) == 0 && S_ISDIR(st.st_mode))
            rc = icd_folder_ok(folders[i], v);
        else
            rc = icd_file_ok(folders[i], v);
    }
    if (rc == HETERO_OK && !named)
        rc = icd_folder_ok("/etc/OpenCL/vendors", "/etc/OpenCL/vendors");
    const char *files = getenv("OCL_ICD_FILENAMES");
    if (rc == HETERO_OK && files && *files) {
        char *list = strdup(files), *save = NULL;
        if (!list)
            return hetero_fail(HETERO_E_NOMEM, "out of memory reading OCL_ICD_FILENAMES");
        /* a bare name is searched for by dlopen, not opened as it is */
        for (char *f = strtok_r(list, ":", &save); f && rc == HETERO_OK; f = strtok_r(NULL, ":", &save))
            if (strchr(f, '/'))
                rc = icd_file_ok("OCL_ICD_FILENAMES", f);
        free(list);
    }
    return rc;
}

/* The platform list, or NULL with *n = 0 when there is none at all (the ICD
 * loader says CL_PLATFORM_NOT_FOUND_KHR when no ICD is installed). */
int hcl_platforms(cl_platform_id **out, cl_uint *n)
{
    cl_uint np = 0;
    *out = NULL;
    *n = 0;
    /* once the loader has read its files it does not read them again */
    static _Atomic int loader_read;
    if (!loader_read) {
        int rc = icd_check();
        if (rc != HETERO_OK)
            return rc;
    }
    hcl_cache_env();
    cl_int err = clGetPlatformIDs(0, NULL, &np);
    loader_read = 1;
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (err == CL_SUCCESS && np == 0))
        return HETERO_OK;
    if (err != CL_SUCCESS)
        return hetero_fail(HETERO_E_OPENCL, "clGetPlatformIDs: %s", hcl_errname(err));
    cl_platform_id *p = calloc(np, sizeof *p);
    if (!p)
        return hetero_fail(HETERO_E_NOMEM, "out of memory listing %u OpenCL platforms", np);
    err = clGetPlatformIDs(np, p, NULL);
    if (err != CL_SUCCESS) {
        free(p);
        return hetero_fail(HETERO_E_OPENCL, "clGetPlatformIDs: %s", hcl_errname(err));
    }
    *out = p;
    *n = np;
    return HETERO_OK;
}

/* The devices of platform P, in clGetDeviceIDs(ALL) order; CL_DEVICE_NOT_FOUND
 * means an empty platform, not an error.  *status (may be NULL) gets what
 * the first clGetDeviceIDs returned. */
int hcl_devices(cl_platform_id p, unsigned pi, cl_device_id **out, cl_uint *n, cl_int *status)
{
    cl_uint nd = 0;
    *out = NULL;
    *n = 0;
    cl_int err = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
    if (status)
        *status = err;
    if (err == CL_DEVICE_NOT_FOUND || (err == CL_SUCCESS && nd == 0))
        return HETERO_OK;
    if (err != CL_SUCCESS)
        return hetero_fail(HETERO_E_OPENCL, "clGetDeviceIDs on cl:%u: %s", pi, hcl_errname(err));
    cl_device_id *d = calloc(nd, sizeof *d);
    if (!d)
        return hetero_fail(HETERO_E_NOMEM, "out of memory listing %u OpenCL devices", nd);
    err = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd, d, NULL);
    if (err != CL_SUCCESS) {
        free(d);
        return hetero_fail(HETERO_E_OPENCL, "clGetDeviceIDs on cl:%u: %s", pi, hcl_errname(err));
    }
    *out = d;
    *n = nd;
    return HETERO_OK;
}

/* Platforms of the last discovery that gave no device, and what they
 * returned (see hcl_discover_note). */
static char hcl__note[1024];

const char *hcl_discover_note(void) { return hcl__note; }

static void note_platform(cl_platform_id p, unsigned pi, const char *what)
{
    char name[256] = "?";
    size_t len = strlen(hcl__note);
    if (info_str(p, NULL, CL_PLATFORM_NAME, name, sizeof name) != CL_SUCCESS)
        snprintf(name, sizeof name, "?");
    snprintf(hcl__note + len, sizeof hcl__note - len, "%sOpenCL platform %u (%s) gave no device: %s%s",
             len ? "; " : "", pi, name, what,
             strstr(name, "Portable Computing Language") ? " (POCL_DEBUG=all says why)" : "");
}

int hcl_discover(hcl_info **out, size_t *n)
{
    cl_platform_id *plats = NULL;
    cl_device_id *devs = NULL;
    cl_uint np = 0, nd = 0;
    hcl_info *list = NULL;
    size_t count = 0;
    int rc;

    *out = NULL;
    *n = 0;
    hcl__note[0] = 0;
    if ((rc = hcl_platforms(&plats, &np)) != HETERO_OK)
        return rc;
    for (cl_uint pi = 0; pi < np; pi++) {
        cl_int status = CL_SUCCESS;
        /* a platform that fails (PoCL when it cannot create its cache
         * directory) is left out, with a note, not the end of discovery:
         * the other platforms and the CPU can still run the job */
        if ((rc = hcl_devices(plats[pi], pi, &devs, &nd, &status)) != HETERO_OK) {
            char what[HETERO_MSG_MAX];
            snprintf(what, sizeof what, "%s", hetero_errmsg());
            note_platform(plats[pi], pi, what);
            continue;
        }
        if (nd == 0) {
            char what[128];
            snprintf(what, sizeof what, "clGetDeviceIDs returned %s",
                     status == CL_SUCCESS ? "no device" : hcl_errname(status));
            note_platform(plats[pi], pi, what);
            continue;
        }
        if (nd > 0) {
            hcl_info *grown = realloc(list, (count + nd) * sizeof *list);
            if (!grown) {
                rc = hetero_fail(HETERO_E_NOMEM, "out of memory listing OpenCL devices");
                goto done;
            }
            list = grown;
        }
        for (cl_uint di = 0; di < nd; di++) {
            hcl_device scratch;
            memset(&scratch, 0, sizeof scratch);
            /* Fits: no real system has a 10-digit platform count, and the
             * %.23s only tells the compiler so. */
            char id[32];
            snprintf(id, sizeof id, "cl:%u:%u", pi, di);
            snprintf(scratch.info.id, sizeof scratch.info.id, "%.23s", id);
            scratch.info.platform = pi;
            scratch.info.device = di;
            if ((rc = query_device(&scratch, plats[pi], devs[di])) != HETERO_OK)
                goto done;
            list[count++] = scratch.info;
        }
        free(devs);
        devs = NULL;
    }
    rc = HETERO_OK;
done:
    free(devs);
    free(plats);
    if (rc != HETERO_OK || count == 0) {
        free(list);
        list = NULL;
        count = 0;
    }
    *out = list;
    *n = count;
    return rc;
}
