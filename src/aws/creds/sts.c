/* sts.c - the STS AssumeRoleWithWebIdentity XML response, parsed with
 * expat: Credentials/{AccessKeyId, SecretAccessKey, SessionToken, Expiration}
 * inside AssumeRoleWithWebIdentityResult, or ErrorResponse/Error/{Code,
 * Message}. Element text is collected into fixed buffers; overlong text marks
 * the document as unusable rather than being truncated silently. */
#include "aws/creds/internal.h"

#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "common/secure.h"

enum { S_NONE, S_AKID, S_SECRET, S_TOKEN, S_EXPIRATION, S_CODE, S_MESSAGE, S_FIELDS };

typedef struct s_parse {
    int depth;
    bool in_credentials; /* inside <Credentials> of the result */
    bool in_error;       /* inside <Error> */
    bool is_result;      /* saw AssumeRoleWithWebIdentityResponse/Result */
    bool is_error;       /* saw ErrorResponse */
    bool overflow;
    int field; /* S_* being collected */
    char text[S_FIELDS][4096];
    size_t len[S_FIELDS];
} s_parse;

/* Local name of a possibly namespaced element ("ns sep name" with the
 * separator given to XML_ParserCreateNS). */
static const char *s_local(const char *name)
{
    const char *p = strrchr(name, '\x01');
    return p ? p + 1 : name;
}

static void XMLCALL s_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    s_parse *st = ud;
    const char *n = s_local(name);
    st->depth++;
    st->field = S_NONE;
    if (!strcmp(n, "AssumeRoleWithWebIdentityResult"))
        st->is_result = true;
    else if (!strcmp(n, "ErrorResponse"))
        st->is_error = true;
    else if (!strcmp(n, "Credentials") && st->is_result)
        st->in_credentials = true;
    else if (!strcmp(n, "Error"))
        st->in_error = true;
    else if (st->in_credentials) {
        st->field = !strcmp(n, "AccessKeyId")       ? S_AKID
                    : !strcmp(n, "SecretAccessKey") ? S_SECRET
                    : !strcmp(n, "SessionToken")    ? S_TOKEN
                    : !strcmp(n, "Expiration")      ? S_EXPIRATION
                                                    : S_NONE;
    } else if (st->in_error) {
        st->field = !strcmp(n, "Code") ? S_CODE : !strcmp(n, "Message") ? S_MESSAGE : S_NONE;
    }
    if (st->field != S_NONE)
        st->len[st->field] = 0; /* a repeated element replaces the earlier one */
}

static void XMLCALL s_end(void *ud, const XML_Char *name)
{
    s_parse *st = ud;
    const char *n = s_local(name);
    st->depth--;
    st->field = S_NONE;
    if (!strcmp(n, "Credentials"))
        st->in_credentials = false;
    else if (!strcmp(n, "Error"))
        st->in_error = false;
}

static void XMLCALL s_text(void *ud, const XML_Char *s, int len)
{
    s_parse *st = ud;
    if (st->field == S_NONE || len <= 0)
        return;
    size_t *l = &st->len[st->field];
    if ((size_t)len >= sizeof st->text[0] - *l) {
        st->overflow = true;
        return;
    }
    memcpy(st->text[st->field] + *l, s, (size_t)len);
    *l += (size_t)len;
    st->text[st->field][*l] = '\0';
}

static void s_trim_copy(char *dst, size_t n, const char *src, size_t len)
{
    while (len && (*src == ' ' || *src == '\n' || *src == '\r' || *src == '\t'))
        src++, len--;
    while (len && (src[len - 1] == ' ' || src[len - 1] == '\n' || src[len - 1] == '\r' || src[len - 1] == '\t'))
        len--;
    if (n == 0)
        return;
    if (len >= n)
        len = n - 1;
    memmove(dst, src, len); /* dst may be src itself */
    dst[len] = '\0';
}

es_err es_creds_parse_sts_xml(const char *xml, size_t len, es_creds *out, char *code, size_t code_n,
                              char *message, size_t message_n)
{
    if (code_n)
        code[0] = '\0';
    if (message_n)
        message[0] = '\0';
    es_creds_clear(out);
    if (!xml || len > (size_t)1 << 20)
        return ES_ERR_PROTOCOL;
    s_parse *st = calloc(1, sizeof *st);
    XML_Parser p = XML_ParserCreateNS(NULL, '\x01');
    es_err rc = ES_ERR_PROTOCOL;
    if (!st || !p) {
        rc = ES_ERR_NOMEM;
        goto done;
    }
    XML_SetUserData(p, st);
    XML_SetElementHandler(p, s_start, s_end);
    XML_SetCharacterDataHandler(p, s_text);
    if (XML_Parse(p, xml, (int)len, XML_TRUE) != XML_STATUS_OK || st->overflow)
        goto done;
    if (st->is_error) {
        s_trim_copy(code, code_n, st->text[S_CODE], st->len[S_CODE]);
        s_trim_copy(message, message_n, st->text[S_MESSAGE], st->len[S_MESSAGE]);
        rc = ES_ERR_AUTH;
        goto done;
    }
    if (!st->is_result)
        goto done;
    char akid[128], secret[128], exp_s[64];
    s_trim_copy(akid, sizeof akid, st->text[S_AKID], st->len[S_AKID]);
    s_trim_copy(secret, sizeof secret, st->text[S_SECRET], st->len[S_SECRET]);
    s_trim_copy(exp_s, sizeof exp_s, st->text[S_EXPIRATION], st->len[S_EXPIRATION]);
    /* The token is trimmed in place (it may be up to 4095 bytes). */
    char *token = st->text[S_TOKEN];
    s_trim_copy(token, sizeof st->text[S_TOKEN], token, st->len[S_TOKEN]);
    time_t exp = 0;
    if (st->len[S_AKID] < sizeof akid && st->len[S_SECRET] < sizeof secret &&
        (!exp_s[0] || es_creds_parse_iso8601(exp_s, &exp)) && token[0])
        rc = es_creds_fill(out, akid, secret, token, exp, "web-identity", NULL);
    es_secure_zero(secret, sizeof secret);
done:
    if (st) {
        es_secure_zero(st, sizeof *st);
        free(st);
    }
    if (p)
        XML_ParserFree(p);
    return rc;
}
