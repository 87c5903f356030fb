/* write_id.c - the id of a job's writes to bucket B (write_id.h): 16 bytes
 * of getrandom(2) in hex, or none at all; never a guessable stand-in, since
 * two jobs sharing an id would take each other's copies for their own. */
#include "worker/write_id.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "common/log.h"

bool es_write_id_from(es_random_fn fill, char out[ES_WRITE_ID_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t bytes[(ES_WRITE_ID_SIZE - 1) / 2];
    size_t got = 0;
    out[0] = '\0';
    while (got < sizeof bytes) {
        ssize_t n = fill(bytes + got, sizeof bytes - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else {
            if (n == 0)
                errno = EIO; /* for the caller's message */
            return false;
        }
    }
    for (size_t i = 0; i < sizeof bytes; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    out[2 * sizeof bytes] = '\0';
    return true;
}

bool es_write_id_new(char out[ES_WRITE_ID_SIZE])
{
    static atomic_flag warned = ATOMIC_FLAG_INIT;
    if (es_write_id_from(getrandom, out))
        return true;
    int err = errno;
    if (!atomic_flag_test_and_set(&warned))
        ES_LOG(ES_LOG_WARN, "write_id.unavailable", ES_LF_STR("reason", strerror(err)),
               ES_LF_STR("effect", "writes carry no write id: a write whose answer was lost is reported "
                                   "skipped, not done"));
    return false;
}
