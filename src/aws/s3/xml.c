/* xml.c - S3 XML extraction with expat (xml.h).
 *
 * One small walker keeps the stack of open element names and the text of the
 * current element (bounded), and hands each closed element to a per-document
 * handler that picks out the few fields it needs by name and parent. */
#include "aws/s3/xml.h"

#include <expat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3/s3.h"
#include "common/hex.h"

#define S_NAME_MAX 64

typedef struct s_walk s_walk;
typedef es_err (*s_end_fn)(s_walk *w, const char *name, const char *text, size_t len);

struct s_walk {
    XML_Parser parser;
    int depth; /* open elements; the root is depth 1 */
    char names[ES_XML_MAX_DEPTH + 1][S_NAME_MAX];
    char text[ES_XML_MAX_TEXT + 1];
    size_t text_len;
    bool text_overflow;
    char root[S_NAME_MAX];
    es_err err;
    s_end_fn on_end;
    void *ctx;
};

static void s_fail(s_walk *w, es_err code)
{
    if (w->err == ES_OK)
        w->err = code;
    XML_StopParser(w->parser, XML_FALSE);
}

static void XMLCALL s_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    s_walk *w = ud;
    if (w->depth >= ES_XML_MAX_DEPTH) {
        s_fail(w, ES_ERR_PROTOCOL);
        return;
    }
    w->depth++;
    snprintf(w->names[w->depth], S_NAME_MAX, "%s", name);
    if (w->depth == 1)
        snprintf(w->root, sizeof w->root, "%s", name);
    w->text_len = 0;
    w->text_overflow = false;
    w->text[0] = '\0';
}

static void XMLCALL s_chars(void *ud, const XML_Char *s, int len)
{
    s_walk *w = ud;
    if (len <= 0 || w->text_overflow)
        return;
    size_t n = (size_t)len;
    if (n > ES_XML_MAX_TEXT - w->text_len) {
        w->text_overflow = true;
        return;
    }
    memcpy(w->text + w->text_len, s, n);
    w->text_len += n;
    w->text[w->text_len] = '\0';
}

static void XMLCALL s_end(void *ud, const XML_Char *name)
{
    s_walk *w = ud;
    if (w->on_end && w->err == ES_OK) {
        /* An over-long text only matters if the handler wanted that element. */
        es_err rc = w->on_end(w, name, w->text_overflow ? NULL : w->text, w->text_len);
        if (rc != ES_OK) {
            s_fail(w, rc);
            return;
        }
    }
    w->text_len = 0;
    w->text_overflow = false;
    w->text[0] = '\0';
    if (w->depth > 0)
        w->depth--;
}

/* DTDs can declare entities (expansion bombs); S3 never sends one. */
static void XMLCALL s_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                              int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    s_fail(ud, ES_ERR_PROTOCOL);
}

/* The parent of the element being closed is at depth - 1. */
static bool s_parent_is(const s_walk *w, const char *name)
{
    return w->depth >= 2 && strcmp(w->names[w->depth - 1], name) == 0;
}

static es_err s_walk_doc(const uint8_t *doc, size_t len, s_end_fn on_end, void *ctx, s_walk *w)
{
    memset(w, 0, sizeof *w);
    w->on_end = on_end;
    w->ctx = ctx;
    ES_ENSURE(doc || len == 0, ES_ERR_INVALID_ARG);
    /* S3 may pad a slow CompleteMultipartUpload reply with leading whitespace. */
    while (len && (*doc == ' ' || *doc == '\t' || *doc == '\r' || *doc == '\n')) {
        doc++;
        len--;
    }
    ES_ENSURE(len > 0, ES_ERR_PROTOCOL);
    ES_ENSURE(len <= INT_MAX, ES_ERR_TOO_LARGE);
    w->parser = XML_ParserCreate("UTF-8");
    ES_ENSURE(w->parser, ES_ERR_NOMEM);
    XML_SetUserData(w->parser, w);
    XML_SetElementHandler(w->parser, s_start, s_end);
    XML_SetCharacterDataHandler(w->parser, s_chars);
    XML_SetStartDoctypeDeclHandler(w->parser, s_doctype);
    enum XML_Status st = XML_Parse(w->parser, (const char *)doc, (int)len, XML_TRUE);
    XML_ParserFree(w->parser);
    w->parser = NULL;
    if (w->err != ES_OK)
        return w->err;
    return st == XML_STATUS_OK ? ES_OK : ES_ERR_PROTOCOL;
}

/* Copies text into a fixed field; over-long values fail the document. */
static es_err s_copy(char *dst, size_t size, const char *text, size_t len)
{
    ES_ENSURE(text && len < size, ES_ERR_PROTOCOL);
    memcpy(dst, text, len);
    dst[len] = '\0';
    return ES_OK;
}

/* Like s_copy but truncates (human-readable messages). */
static void s_copy_trunc(char *dst, size_t size, const char *text, size_t len)
{
    if (!text || size == 0)
        return;
    if (len >= size)
        len = size - 1;
    memcpy(dst, text, len);
    dst[len] = '\0';
}

es_err es_xml_root_name(const uint8_t *doc, size_t len, char *root, size_t root_size)
{
    s_walk w;
    es_err rc = s_walk_doc(doc, len, NULL, NULL, &w);
    if (rc == ES_OK && root)
        rc = s_copy(root, root_size, w.root, strlen(w.root));
    return rc;
}

/* ---- <Error> ----------------------------------------------------------- */

static es_err s_error_end(s_walk *w, const char *name, const char *text, size_t len)
{
    es_aws_result *res = w->ctx;
    if (w->depth != 2 || !s_parent_is(w, "Error"))
        return ES_OK;
    if (!strcmp(name, "Code"))
        s_copy_trunc(res->aws_code, sizeof res->aws_code, text, len);
    else if (!strcmp(name, "Message"))
        s_copy_trunc(res->message, sizeof res->message, text, len);
    else if (!strcmp(name, "RequestId"))
        s_copy_trunc(res->request_id, sizeof res->request_id, text, len);
    return ES_OK;
}

bool es_xml_parse_error(const uint8_t *doc, size_t len, es_aws_result *res)
{
    es_aws_result tmp;
    es_aws_result_clear(&tmp);
    s_walk w;
    if (s_walk_doc(doc, len, s_error_end, &tmp, &w) != ES_OK || strcmp(w.root, "Error") != 0 ||
        !tmp.aws_code[0])
        return false;
    snprintf(res->aws_code, sizeof res->aws_code, "%s", tmp.aws_code);
    snprintf(res->message, sizeof res->message, "%s", tmp.message);
    if (tmp.request_id[0])
        snprintf(res->request_id, sizeof res->request_id, "%s", tmp.request_id);
    return true;
}

/* ---- ListBucketResult -------------------------------------------------- */

typedef struct s_list {
    es_s3_list_page *page;
    size_t cap;
    char *key; /* the current <Contents>'s Key */
    uint64_t size;
    char etag[128]; /* the current <Contents>'s ETag, without quotes */
    bool truncated;
    bool url_encoded;
} s_list;

static es_err s_parse_u64(const char *text, size_t len, uint64_t *out)
{
    ES_ENSURE(text && len > 0 && len <= 20, ES_ERR_PROTOCOL);
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        ES_ENSURE(text[i] >= '0' && text[i] <= '9', ES_ERR_PROTOCOL);
        unsigned d = (unsigned)(text[i] - '0');
        ES_ENSURE(v <= (UINT64_MAX - d) / 10, ES_ERR_PROTOCOL);
        v = v * 10 + d;
    }
    *out = v;
    return ES_OK;
}

static es_err s_list_push(s_list *l)
{
    es_s3_list_page *p = l->page;
    ES_ENSURE(l->key, ES_ERR_PROTOCOL);
    ES_ENSURE(p->count < ES_XML_MAX_LIST_KEYS, ES_ERR_TOO_LARGE);
    if (p->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **keys = realloc(p->keys, cap * sizeof *keys);
        ES_ENSURE(keys, ES_ERR_NOMEM);
        p->keys = keys;
        uint64_t *sizes = realloc(p->sizes, cap * sizeof *sizes);
        ES_ENSURE(sizes, ES_ERR_NOMEM);
        p->sizes = sizes;
        char **etags = realloc(p->etags, cap * sizeof *etags);
        ES_ENSURE(etags, ES_ERR_NOMEM);
        p->etags = etags;
        l->cap = cap;
    }
    char *etag = strdup(l->etag);
    ES_ENSURE(etag, ES_ERR_NOMEM);
    p->keys[p->count] = l->key;
    p->sizes[p->count] = l->size;
    p->etags[p->count] = etag;
    p->count++;
    l->key = NULL;
    l->size = 0;
    l->etag[0] = '\0';
    return ES_OK;
}

static es_err s_list_end(s_walk *w, const char *name, const char *text, size_t len)
{
    s_list *l = w->ctx;
    if (w->depth == 1)
        return strcmp(name, "ListBucketResult") == 0 ? ES_OK : ES_ERR_PROTOCOL;
    if (w->depth == 3 && s_parent_is(w, "Contents")) {
        if (!strcmp(name, "Key")) {
            ES_ENSURE(text && !l->key, ES_ERR_PROTOCOL);
            l->key = strndup(text, len);
            ES_ENSURE(l->key, ES_ERR_NOMEM);
        } else if (!strcmp(name, "Size")) {
            ES_GUARD(s_parse_u64(text, len, &l->size));
        } else if (!strcmp(name, "ETag") && text) {
            len = es_s3_etag_bare(text, len, &text);
            ES_GUARD(s_copy(l->etag, sizeof l->etag, text, len));
        }
        return ES_OK;
    }
    if (w->depth != 2)
        return ES_OK;
    if (!strcmp(name, "Contents"))
        return s_list_push(l);
    if (!strcmp(name, "NextContinuationToken"))
        return s_copy(l->page->next_token, sizeof l->page->next_token, text, len);
    if (!strcmp(name, "IsTruncated")) {
        ES_ENSURE(text, ES_ERR_PROTOCOL);
        l->truncated = len == 4 && !memcmp(text, "true", 4);
        ES_ENSURE(l->truncated || (len == 5 && !memcmp(text, "false", 5)), ES_ERR_PROTOCOL);
    } else if (!strcmp(name, "EncodingType")) {
        l->url_encoded = text && len == 3 && !memcmp(text, "url", 3);
    }
    return ES_OK;
}

static es_err s_list_decode(es_s3_list_page *page)
{
    for (size_t i = 0; i < page->count; i++) {
        size_t n = strlen(page->keys[i]) + 1;
        char *dec = malloc(n);
        ES_ENSURE(dec, ES_ERR_NOMEM);
        es_err rc = es_xml_url_decode(page->keys[i], dec, n);
        if (rc != ES_OK) {
            free(dec);
            return rc;
        }
        free(page->keys[i]);
        page->keys[i] = dec;
    }
    return ES_OK;
}

es_err es_xml_parse_list(const uint8_t *doc, size_t len, es_s3_list_page *page)
{
    ES_ENSURE_REF(page);
    memset(page, 0, sizeof *page);
    s_list l = {.page = page};
    s_walk w;
    es_err rc = s_walk_doc(doc, len, s_list_end, &l, &w);
    free(l.key);
    if (rc == ES_OK && strcmp(w.root, "ListBucketResult") != 0)
        rc = ES_ERR_PROTOCOL;
    /* A truncated listing without a token would loop forever. */
    if (rc == ES_OK && l.truncated && !page->next_token[0])
        rc = ES_ERR_PROTOCOL;
    if (rc == ES_OK && !l.truncated)
        page->next_token[0] = '\0';
    if (rc == ES_OK && l.url_encoded)
        rc = s_list_decode(page);
    if (rc != ES_OK)
        es_s3_list_free(page);
    return rc;
}

/* ---- multipart --------------------------------------------------------- */

typedef struct s_field {
    const char *parent, *name;
    char *out;
    size_t size;
    bool found;
} s_field;

static es_err s_field_end(s_walk *w, const char *name, const char *text, size_t len)
{
    s_field *f = w->ctx;
    if (w->depth == 2 && s_parent_is(w, f->parent) && !strcmp(name, f->name)) {
        ES_GUARD(s_copy(f->out, f->size, text, len));
        f->found = true;
    }
    return ES_OK;
}

es_err es_xml_parse_upload_id(const uint8_t *doc, size_t len, char *out, size_t out_size)
{
    ES_ENSURE(out && out_size > 0, ES_ERR_INVALID_ARG);
    out[0] = '\0';
    s_field f = {"InitiateMultipartUploadResult", "UploadId", out, out_size, false};
    s_walk w;
    ES_GUARD(s_walk_doc(doc, len, s_field_end, &f, &w));
    ES_ENSURE(f.found && out[0], ES_ERR_PROTOCOL);
    return ES_OK;
}

es_err es_xml_check_complete(const uint8_t *doc, size_t len, es_aws_result *res)
{
    char root[S_NAME_MAX];
    ES_GUARD(es_xml_root_name(doc, len, root, sizeof root));
    if (!strcmp(root, "CompleteMultipartUploadResult"))
        return ES_OK;
    if (!strcmp(root, "Error") && res && es_xml_parse_error(doc, len, res))
        return ES_ERR_SERVER;
    return ES_ERR_PROTOCOL;
}

es_err es_xml_url_decode(const char *s, char *out, size_t out_size)
{
    ES_ENSURE(s && out && out_size > 0, ES_ERR_INVALID_ARG);
    size_t n = 0, at = 0;
    switch (es_form_decode(s, strlen(s), out, out_size, &n, &at)) {
    case ES_FORM_OK: break;
    case ES_FORM_BAD_ESCAPE: return ES_ERR_PROTOCOL;
    case ES_FORM_TOO_LONG: return ES_ERR_TOO_LARGE;
    }
    ES_ENSURE(memchr(out, '\0', n) == NULL, ES_ERR_PROTOCOL); /* %00 in a key */
    return ES_OK;
}
