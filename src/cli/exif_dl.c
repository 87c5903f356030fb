/* exif_dl.c - libexif loaded on first use (exif_dl.h). The binary does not
 * link libexif (nor, through it, libm): only reading an Exif block needs it
 * (inspect's summary, and the Orientation tag of src/orient/exif_tag.c), so a
 * `worker` waiting for messages, `health`, `--version` and the strip of a
 * photo without Exif never map it (about 0.55 MB resident for the two).
 *
 * The functions below are the libexif functions exifstrip calls, defined
 * here under their own names and prototypes (from the libexif headers): the
 * first call of any of them dlopens ES_EXIF_LIBRARY once per process
 * (aws/http/lazy_lib.h) and every call goes on to the library's function, so
 * the callers stay plain libexif code. The definitions are not exported
 * (nothing in the link needs them dynamically), so libexif's calls between
 * its own functions stay inside the library. Test programs link libexif
 * itself. A library that cannot be loaded ends the process, as the dynamic
 * loader did when libexif was a NEEDED library: carrying on would strip
 * photos without turning them. The output being written is removed first;
 * the exit status is 78 (a package to install) unless the library loaded at
 * start (the worker's check), then 1. */
#include "cli/exif_dl.h"

#include <stdio.h>
#include <unistd.h>

#include <libexif/exif-content.h>
#include <libexif/exif-data.h>
#include <libexif/exif-log.h>
#include <libexif/exif-utils.h>

#include "aws/http/lazy_lib.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "common/log.h"

/* X(field, symbol) for every libexif function exifstrip calls. */
#define S_EXIF_FUNCTIONS(X)                          \
    X(content_get_entry, exif_content_get_entry)     \
    X(data_get_byte_order, exif_data_get_byte_order) \
    X(data_load_data, exif_data_load_data)           \
    X(data_log, exif_data_log)                       \
    X(data_new, exif_data_new)                       \
    X(data_set_option, exif_data_set_option)         \
    X(data_unref, exif_data_unref)                   \
    X(data_unset_option, exif_data_unset_option)     \
    X(get_rational, exif_get_rational)               \
    X(get_short, exif_get_short)                     \
    X(log_new, exif_log_new)                         \
    X(log_set_func, exif_log_set_func)               \
    X(log_unref, exif_log_unref)

#define S_FIELD(field, symbol) __typeof__(symbol) *field;
typedef struct s_exif_api {
    S_EXIF_FUNCTIONS(S_FIELD)
} s_exif_api;
#undef S_FIELD

static const es_lazy_lib s_lib = {"libexif", "reading Exif", "libexif12"};
static es_lazy_once s_once = ES_LAZY_ONCE_INIT;
static s_exif_api s_api;

/* Loads the library and resolves every function into *api: its handle, or
 * NULL with err set. */
static void *s_open(s_exif_api *api, es_error *err)
{
    void *handle = es_lazy_lib_open(&s_lib, ES_EXIF_LIBRARY, err);
    const char *missing = NULL;
    if (handle)
        ES_LAZY_LIB_RESOLVE(S_EXIF_FUNCTIONS, handle, api, missing);
    if (missing) {
        es_lazy_lib_lacks(&s_lib, handle, ES_EXIF_LIBRARY, missing, err);
        return NULL;
    }
    return handle;
}

/* Whether es_cli_exif_check found the library loadable (the worker's check
 * at start): a later failure is then no setting to fix (no memory, no file
 * descriptor left), and the exit status says so. */
static bool s_checked_ok;

static void s_load(void)
{
    if (s_open(&s_api, &s_once.err))
        return;
    ES_LOG(ES_LOG_ERROR, "libexif.unavailable", ES_LF_STR("error", s_once.err.msg),
           ES_LF_BOOL("loaded_at_start", s_checked_ok));
    fprintf(stderr, "exifstrip: %s%s\n", s_once.err.msg, s_checked_ok ? " (it loaded at start)" : "");
    es_cli_out_remove_pending(); /* the output being written is not left behind */
    _exit(s_checked_ok ? ES_EXIT_FAILURE : ES_EXIT_CONFIG);
}

/* The table; the first call loads the library. */
static const s_exif_api *s_get(void)
{
    es_lazy_once_ok(&s_once, s_load, NULL);
    return &s_api;
}

bool es_cli_exif_check(es_error *err)
{
    s_exif_api api;
    void *handle = s_open(&api, err);
    if (handle)
        dlclose(handle);
    s_checked_ok = s_checked_ok || handle != NULL;
    return handle != NULL;
}

/* A stand-in that returns the library function's result. */
#define S_FORWARD(type, name, field, params, args) \
    type name params { return s_get()->field args; }
/* A stand-in for a function without a result. */
#define S_FORWARD_VOID(name, field, params, args) \
    void name params { s_get()->field args; }

S_FORWARD(ExifData *, exif_data_new, data_new, (void), ())
S_FORWARD(ExifLog *, exif_log_new, log_new, (void), ())
S_FORWARD(ExifEntry *, exif_content_get_entry, content_get_entry, (ExifContent * content, ExifTag tag),
          (content, tag))
S_FORWARD(ExifByteOrder, exif_data_get_byte_order, data_get_byte_order, (ExifData * data), (data))
S_FORWARD(ExifShort, exif_get_short, get_short, (const unsigned char *buf, ExifByteOrder order), (buf, order))
S_FORWARD(ExifRational, exif_get_rational, get_rational, (const unsigned char *buf, ExifByteOrder order),
          (buf, order))
S_FORWARD_VOID(exif_data_load_data, data_load_data,
               (ExifData * data, const unsigned char *d, unsigned int size), (data, d, size))
S_FORWARD_VOID(exif_data_log, data_log, (ExifData * data, ExifLog *log), (data, log))
S_FORWARD_VOID(exif_data_set_option, data_set_option, (ExifData * d, ExifDataOption o), (d, o))
S_FORWARD_VOID(exif_data_unset_option, data_unset_option, (ExifData * d, ExifDataOption o), (d, o))
S_FORWARD_VOID(exif_data_unref, data_unref, (ExifData * data), (data))
S_FORWARD_VOID(exif_log_set_func, log_set_func, (ExifLog * log, ExifLogFunc func, void *data),
               (log, func, data))
S_FORWARD_VOID(exif_log_unref, log_unref, (ExifLog * log), (log))
