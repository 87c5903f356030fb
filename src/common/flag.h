/* flag.h - the words a boolean setting accepts (EXIFSTRIP_* and
 * EXIFSTRIP_S3_PATH_STYLE alike): 1/true/yes/on and 0/false/no/off, in any
 * case. */
#ifndef ES_COMMON_FLAG_H
#define ES_COMMON_FLAG_H

#include <stdbool.h>

/* Whether text is one of the words; *out then receives its value. */
bool es_flag_parse(const char *text, bool *out);

#endif
