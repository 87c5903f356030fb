/* error_codes_test.c - a golden table of every error code: its number, its
 * name and its category. The enum is promised append-only, and the names
 * appear in DLQ reports and logs that operators match on, so renumbering,
 * renaming, recategorising or inserting a code in the middle fails here.
 * A new code is appended to include/exifstrip/error.h AND to this table. */
#include <stdio.h>
#include <string.h>

#include "exifstrip/error.h"
#include "../harness/test.h"

static const struct {
    int number;
    const char *name;
    es_category category;
    const char *category_name;
} s_golden[] = {
    {0, "ES_OK", ES_CAT_NONE, "none"},
    {1, "ES_ERR_NEED_MORE", ES_CAT_INTERNAL, "internal"},
    {2, "ES_ERR_NOMEM", ES_CAT_INTERNAL, "internal"},
    {3, "ES_ERR_INVALID_ARG", ES_CAT_INTERNAL, "internal"},
    {4, "ES_ERR_TOO_LARGE", ES_CAT_INPUT, "input"},
    {5, "ES_ERR_IO", ES_CAT_TRANSIENT, "transient"},
    {6, "ES_ERR_JPEG_EMPTY", ES_CAT_INPUT, "input"},
    {7, "ES_ERR_JPEG_NOT_JPEG", ES_CAT_INPUT, "input"},
    {8, "ES_ERR_JPEG_BAD_MARKER", ES_CAT_INPUT, "input"},
    {9, "ES_ERR_JPEG_BAD_LENGTH", ES_CAT_INPUT, "input"},
    {10, "ES_ERR_JPEG_OVERRUN", ES_CAT_INPUT, "input"},
    {11, "ES_ERR_JPEG_NO_FRAME", ES_CAT_INPUT, "input"},
    {12, "ES_ERR_JPEG_NO_SCAN", ES_CAT_INPUT, "input"},
    {13, "ES_ERR_JPEG_TRUNCATED", ES_CAT_INPUT, "input"},
    {14, "ES_ERR_JPEG_STATE", ES_CAT_INTERNAL, "internal"},
    {15, "ES_ERR_OUTPUT", ES_CAT_TRANSIENT, "transient"},
    {16, "ES_ERR_EVENT_INVALID", ES_CAT_INPUT, "input"},
    {17, "ES_ERR_CONFIG", ES_CAT_CONFIG, "config"},
    {18, "ES_ERR_NO_CREDENTIALS", ES_CAT_AUTH, "auth"},
    {19, "ES_ERR_AUTH", ES_CAT_AUTH, "auth"},
    {20, "ES_ERR_NETWORK", ES_CAT_TRANSIENT, "transient"},
    {21, "ES_ERR_TIMEOUT", ES_CAT_TRANSIENT, "transient"},
    {22, "ES_ERR_THROTTLED", ES_CAT_TRANSIENT, "transient"},
    {23, "ES_ERR_SERVER", ES_CAT_TRANSIENT, "transient"},
    {24, "ES_ERR_NOT_FOUND", ES_CAT_GONE, "gone"},
    {25, "ES_ERR_PRECONDITION", ES_CAT_GONE, "gone"},
    {26, "ES_ERR_CLIENT", ES_CAT_INPUT, "input"},
    {27, "ES_ERR_PROTOCOL", ES_CAT_TRANSIENT, "transient"},
    {28, "ES_ERR_CANCELLED", ES_CAT_TRANSIENT, "transient"},
    {29, "ES_ERR_INTERNAL", ES_CAT_INTERNAL, "internal"},
};
#define S_GOLDEN_COUNT ((int)(sizeof s_golden / sizeof s_golden[0]))

static void t_count_matches(void)
{
    /* A code added without a golden row (or removed) changes ES_ERR_LAST. */
    CHECK_INT_EQ(ES_ERR_LAST, S_GOLDEN_COUNT);
}

static void t_numbers_names_categories(void)
{
    for (int i = 0; i < S_GOLDEN_COUNT; i++) {
        es_err code = (es_err)s_golden[i].number;
        CHECK_INT_EQ(s_golden[i].number, i); /* the table itself is in number order */
        CHECK_STR_EQ(es_errname(code), s_golden[i].name);
        CHECK_INT_EQ(es_err_category(code), s_golden[i].category);
        CHECK_STR_EQ(es_category_name(es_err_category(code)), s_golden[i].category_name);
        const char *msg = es_strerror(code);
        CHECK(msg != NULL && msg[0] != '\0' && strcmp(msg, "unknown error") != 0);
    }
}

static void t_out_of_range(void)
{
    CHECK_STR_EQ(es_strerror((es_err)ES_ERR_LAST), "unknown error");
    CHECK_STR_EQ(es_strerror((es_err)-1), "unknown error");
}

int main(void)
{
    ES_RUN(t_count_matches);
    ES_RUN(t_numbers_names_categories);
    ES_RUN(t_out_of_range);
    return es_test_finish();
}
