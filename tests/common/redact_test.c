/* redact_test.c - es_redact (src/common/redact.c): whole secrets and any
 * 16+ character piece of one are removed wherever they appear, a mark is
 * never matched again, short "secrets" are ignored, the output fits. */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "common/redact.h"

/* Redacts text (in a buffer of size bytes) and compares with expected. */
static void s_check(const char *text, size_t size, const char *const *secrets, size_t count,
                    const char *expected)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    es_redact(buf, size, secrets, count);
    CHECK_STR_EQ(buf, expected);
}

static void test_whole_secrets(void)
{
    const char *secrets[] = {"abcdefgh1", "", NULL, "redacted", "wJalrXUtnFEMI"};
    /* "redacted" inside a mark is left alone: one pass, left to right. */
    s_check("token abcdefgh1 here abcdefgh1 and wJalrXUtnFEMI", 96, secrets, 5,
            "token [redacted] here [redacted] and [redacted]");
}

static void test_short_secrets_ignored(void)
{
    const char *secrets[] = {"test"};
    s_check("test bucket e2e-test", 64, secrets, 1, "test bucket e2e-test");
}

/* Issue 10 item 8: a token cut short (a truncated message) is still removed
 * once 16 of its characters are there; 15 are not enough to say. */
static void test_prefixes(void)
{
    const char *token = "FQoGZXIvYXdzEXAMPLETOKENVALUE1234567890abcdefghijklmnopqrstuvwxyz";
    const char *secrets[] = {token};
    char msg[128];
    snprintf(msg, sizeof msg, "denied: %.20s", token);
    es_redact(msg, sizeof msg, secrets, 1);
    CHECK_STR_EQ(msg, "denied: [redacted]");
    snprintf(msg, sizeof msg, "a %.16s b %.40s c", token, token);
    es_redact(msg, sizeof msg, secrets, 1);
    CHECK_STR_EQ(msg, "a [redacted] b [redacted] c");
    snprintf(msg, sizeof msg, "x %.15s", token);
    es_redact(msg, sizeof msg, secrets, 1);
    CHECK_STR_EQ(msg, "x FQoGZXIvYXdzEXA");
    /* The longest match wins: the whole token, not a prefix and a tail. */
    snprintf(msg, sizeof msg, "[%s]", token);
    es_redact(msg, sizeof msg, secrets, 1);
    CHECK_STR_EQ(msg, "[[redacted]]");
    /* Any 16-character piece, not only the start (a request-id field). */
    snprintf(msg, sizeof msg, "id=%.30s.", token + 7);
    es_redact(msg, sizeof msg, secrets, 1);
    CHECK_STR_EQ(msg, "id=[redacted].");
}

static void test_output_fits(void)
{
    const char *one[] = {"SECRETSy"};
    s_check("xxSECRETSyy", 12, one, 1, "xx[redacted"); /* cut to the 12-byte buffer */
}

int main(void)
{
    ES_RUN(test_whole_secrets);
    ES_RUN(test_short_secrets_ignored);
    ES_RUN(test_prefixes);
    ES_RUN(test_output_fits);
    return es_test_finish();
}
