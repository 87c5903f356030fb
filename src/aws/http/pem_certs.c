/* pem_certs.c - the PEM CA bundle scanner of pem_certs.h. It accepts only
 * the canonical form OpenSSL writes and reads (a BEGIN line, full 64-column
 * base64 lines, one shorter last line, the END line; trailing blanks and CR
 * allowed) and reports everything else as unsupported rather than guess how
 * OpenSSL would read it. */
#include "aws/http/pem_certs.h"

#include <stdbool.h>
#include <string.h>

#define S_BEGIN "-----BEGIN "
#define S_DASHES "-----"
#define S_LABEL "CERTIFICATE"
#define S_END "-----END CERTIFICATE-----"
#define S_COLUMNS 64 /* a full base64 line */

/* The line starting at p (within [p, end)): its end before the '\n' (or end). */
static const char *s_line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* The line's end without trailing blanks and CR. */
static const char *s_trim(const char *p, const char *e)
{
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    return e;
}

static bool s_is(const char *p, const char *e, const char *want)
{
    size_t n = strlen(want);
    return (size_t)(e - p) == n && memcmp(p, want, n) == 0;
}

/* Each base64 character's value + 1 (0: not base64). */
#define S_RANGE_(c0, v0, n) S_R##n(c0, v0)
#define S_R1(c, v) [(c)] = (v) + 1
#define S_R2(c, v) S_R1(c, v), S_R1((c) + 1, (v) + 1)
#define S_R4(c, v) S_R2(c, v), S_R2((c) + 2, (v) + 2)
#define S_R8(c, v) S_R4(c, v), S_R4((c) + 4, (v) + 4)
#define S_R10(c, v) S_R8(c, v), S_R2((c) + 8, (v) + 8)
#define S_R16(c, v) S_R8(c, v), S_R8((c) + 8, (v) + 8)
#define S_R26(c, v) S_R16(c, v), S_R10((c) + 16, (v) + 16)
static const uint8_t s_value[256] = {S_RANGE_('A', 0, 26), S_RANGE_('a', 26, 26), S_RANGE_('0', 52, 10),
                                     S_R1('+', 62), S_R1('/', 63)};

typedef struct s_b64 {
    uint8_t *out;
    size_t cap, len;
    uint32_t acc;
    unsigned chars; /* base64 characters taken (before padding) */
    unsigned pad;   /* '=' seen: nothing but '=' may follow */
} s_b64;

static bool s_b64_line(s_b64 *b, const char *p, const char *e)
{
    const unsigned char *u = (const unsigned char *)p, *ue = (const unsigned char *)e;
    if (b->chars % 4 == 0 && !b->pad) { /* whole quanta first: four lookups, three bytes */
        for (; ue - u >= 4; u += 4) {
            unsigned v0 = s_value[u[0]], v1 = s_value[u[1]], v2 = s_value[u[2]], v3 = s_value[u[3]];
            if (!v0 || !v1 || !v2 || !v3)
                break; /* padding or not base64: the loop below decides */
            if (b->cap - b->len < 3)
                return false;
            uint32_t acc = (v0 - 1) << 18 | (v1 - 1) << 12 | (v2 - 1) << 6 | (v3 - 1);
            b->out[b->len++] = (uint8_t)(acc >> 16);
            b->out[b->len++] = (uint8_t)(acc >> 8);
            b->out[b->len++] = (uint8_t)acc;
            b->chars += 4;
        }
    }
    for (; u < ue; u++) {
        if (*u == '=') {
            b->pad++;
            continue;
        }
        unsigned v = s_value[*u];
        if (!v || b->pad)
            return false;
        b->acc = (b->acc << 6) | (v - 1);
        if (++b->chars % 4 == 0) {
            if (b->cap - b->len < 3)
                return false;
            b->out[b->len++] = (uint8_t)(b->acc >> 16);
            b->out[b->len++] = (uint8_t)(b->acc >> 8);
            b->out[b->len++] = (uint8_t)b->acc;
            b->acc = 0;
        }
    }
    return true;
}

/* The last quantum: 2 or 3 characters with their padding, or none. */
static bool s_b64_finish(s_b64 *b)
{
    unsigned rest = b->chars % 4;
    if (rest == 0)
        return b->pad == 0;
    if (rest == 1 || rest + b->pad != 4 || b->cap - b->len < rest - 1)
        return false;
    if (rest == 2) {
        if (b->acc & 0xf)
            return false; /* bits that no byte holds */
        b->out[b->len++] = (uint8_t)(b->acc >> 4);
    } else {
        if (b->acc & 0x3)
            return false;
        b->out[b->len++] = (uint8_t)(b->acc >> 10);
        b->out[b->len++] = (uint8_t)(b->acc >> 2);
    }
    return true;
}

/* One DER element with tag at d[*off] (within n): its whole length
 * (header and contents) in *whole and its header's in *hdr; definite,
 * minimal lengths only. */
static bool s_tlv(const uint8_t *d, size_t n, size_t off, uint8_t tag, size_t *hdr, size_t *whole)
{
    if (off >= n || n - off < 2 || d[off] != tag)
        return false;
    size_t h = 2, len = d[off + 1];
    if (len & 0x80) {
        size_t k = len & 0x7f;
        if (k == 0 || k > 4 || n - off - 2 < k || d[off + 2] == 0)
            return false;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = (len << 8) | d[off + 2 + i];
        if (len < 0x80)
            return false;
        h += k;
    }
    if (len > n - off - h)
        return false;
    *hdr = h;
    *whole = h + len;
    return true;
}

/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
 * serialNumber INTEGER, signature SEQUENCE, issuer Name, validity SEQUENCE,
 * subject Name, ... }, signatureAlgorithm SEQUENCE, signatureValue BIT
 * STRING }, spanning all of d. */
static bool s_frame(const uint8_t *d, size_t n, es_pem_cert *cert)
{
    size_t hdr, whole;
    if (!s_tlv(d, n, 0, 0x30, &hdr, &whole) || whole != n)
        return false;
    size_t tbs_hdr, tbs_whole;
    if (!s_tlv(d, n, hdr, 0x30, &tbs_hdr, &tbs_whole))
        return false;
    size_t end = hdr + tbs_whole, off = hdr + tbs_hdr;
    size_t alg_hdr, alg_whole, sig_hdr, sig_whole; /* signatureAlgorithm, signatureValue: the rest */
    if (!s_tlv(d, n, end, 0x30, &alg_hdr, &alg_whole) ||
        !s_tlv(d, n, end + alg_whole, 0x03, &sig_hdr, &sig_whole) || end + alg_whole + sig_whole != n)
        return false;
    static const uint8_t fields[] = {0x02, 0x30, 0x30, 0x30};
    if (off < end && d[off] == 0xa0) {
        if (!s_tlv(d, end, off, 0xa0, &hdr, &whole))
            return false;
        off += whole;
    }
    for (size_t i = 0; i < sizeof fields; i++) {
        if (!s_tlv(d, end, off, fields[i], &hdr, &whole))
            return false;
        off += whole;
    }
    if (!s_tlv(d, end, off, 0x30, &hdr, &whole))
        return false;
    cert->der = d;
    cert->der_len = n;
    cert->subject = d + off;
    cert->subject_len = whole;
    return true;
}

/* The block's body from p (after its BEGIN line) up to and past its END
 * line, decoded into b; *next is where the text goes on. */
static bool s_body(const char *p, const char *end, s_b64 *b, const char **next)
{
    bool short_seen = false;
    while (p < end) {
        const char *le = s_line_end(p, end), *te = s_trim(p, le);
        if (s_is(p, te, S_END)) {
            *next = le < end ? le + 1 : le;
            return b->chars > 0 && s_b64_finish(b);
        }
        size_t cols = (size_t)(te - p);
        if (cols == 0 || cols > S_COLUMNS || short_seen || !s_b64_line(b, p, te))
            return false; /* a blank, long or misplaced short line, or not base64 */
        short_seen = cols < S_COLUMNS;
        p = le < end ? le + 1 : le;
    }
    return false; /* no END line */
}

es_pem_step es_pem_next_cert(const char *text, size_t len, size_t *pos, uint8_t *out, size_t out_cap,
                             es_pem_cert *cert)
{
    const char *end = text + len, *p = text + *pos;
    while (p < end) {
        const char *le = s_line_end(p, end);
        size_t blen = sizeof S_BEGIN - 1;
        if ((size_t)(le - p) < blen || memcmp(p, S_BEGIN, blen) != 0) {
            p = le < end ? le + 1 : le; /* text outside blocks */
            continue;
        }
        const char *label = p + blen, *te = s_trim(label, le);
        size_t dlen = sizeof S_DASHES - 1;
        if ((size_t)(te - label) < dlen || memcmp(te - dlen, S_DASHES, dlen) != 0 ||
            !s_is(label, te - dlen, S_LABEL))
            return ES_PEM_UNSUPPORTED; /* another kind of block, or a malformed BEGIN line */
        s_b64 b = {.out = out, .cap = out_cap};
        const char *next;
        if (!s_body(le < end ? le + 1 : le, end, &b, &next) || !s_frame(out, b.len, cert))
            return ES_PEM_UNSUPPORTED;
        *pos = (size_t)(next - text);
        return ES_PEM_CERT;
    }
    *pos = len;
    return ES_PEM_DONE;
}
