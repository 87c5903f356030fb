/* fixture_files.c - file helpers for corpus tests: reading a whole file and
 * locating the optional shared corpus (../shared/corpus, see shared_dir.h). */
#include "fixture.h"
#include "shared_dir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Corpus files are small; anything bigger is not a test input. */
#define S_MAX_FILE ((size_t)512 << 20)

int es_fixture_read_file(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf = NULL;
    *out = NULL;
    *out_len = 0;
    if (!f)
        return -1;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (unsigned long long)st.st_size > S_MAX_FILE)
        goto fail;
    size_t size = (size_t)st.st_size;
    buf = malloc(size ? size : 1);
    if (!buf || fread(buf, 1, size, f) != size)
        goto fail;
    fclose(f);
    *out = buf;
    *out_len = size;
    return 0;
fail:
    free(buf);
    fclose(f);
    return -1;
}

const char *es_fixture_shared_dir(void) { return es_test_shared_path("corpus"); }
