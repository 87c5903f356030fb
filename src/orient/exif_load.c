/* exif_load.c - an Exif payload loaded into libexif as exifstrip reads it
 * (exif_load.h). */
#include "orient/exif_load.h"

#include <stdarg.h>

#include <libexif/exif-log.h>

static void s_log(ExifLog *log, ExifLogCode code, const char *domain, const char *format, va_list args,
                  void *data)
{
    (void)log, (void)domain, (void)format, (void)args;
    es_orient_exif_notes *notes = data;
    if (code == EXIF_LOG_CODE_CORRUPT_DATA || code == EXIF_LOG_CODE_NO_MEMORY)
        notes->corrupt = true;
    if (code == EXIF_LOG_CODE_NO_MEMORY)
        notes->no_memory = true;
}

ExifData *es_orient_exif_load(const uint8_t *payload, size_t len, es_orient_exif_notes *notes)
{
    *notes = (es_orient_exif_notes){false, false};
    ExifData *ed = exif_data_new();
    ExifLog *log = exif_log_new();
    if (!ed || !log) {
        if (ed)
            exif_data_unref(ed);
        if (log)
            exif_log_unref(log);
        notes->no_memory = true;
        return NULL;
    }
    exif_log_set_func(log, s_log, notes);
    exif_data_log(ed, log); /* the data holds its own reference to the log */
    exif_log_unref(log);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_set_option(ed, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
    exif_data_load_data(ed, payload, (unsigned int)len);
    return ed;
}
