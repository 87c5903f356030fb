/* pem_certs_fuzz.c - libFuzzer target for the PEM CA bundle scanner.
 *
 * Target Function: es_pem_next_cert (src/aws/http/pem_certs.c).
 *
 * The input is the bundle's text. Every certificate found must lie in the
 * part of the output buffer it was given, start with a SEQUENCE, and hold
 * its subject (a SEQUENCE too); the position only moves forward and ends at
 * the input's length once done; each certificate written again as canonical
 * PEM (64 base64 columns, padding) scans back to the same DER and subject. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/pem_certs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char s_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* der as a canonical PEM block in a new allocation (*len bytes). */
static char *s_pem(const uint8_t *der, size_t n, size_t *len)
{
    size_t chars = (n + 2) / 3 * 4, cap = chars + chars / 64 + 64;
    char *out = malloc(cap), *p = out;
    if (!out)
        abort();
    p += strlen(strcpy(p, "-----BEGIN CERTIFICATE-----\n"));
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)der[i] << 16 | (i + 1 < n ? (uint32_t)der[i + 1] << 8 : 0) |
                     (i + 2 < n ? der[i + 2] : 0);
        char q[4] = {s_alphabet[v >> 18], s_alphabet[(v >> 12) & 63],
                     i + 1 < n ? s_alphabet[(v >> 6) & 63] : '=', i + 2 < n ? s_alphabet[v & 63] : '='};
        for (int k = 0; k < 4; k++) {
            *p++ = q[k];
            if (++col == 64) {
                *p++ = '\n';
                col = 0;
            }
        }
    }
    if (col)
        *p++ = '\n';
    p += strlen(strcpy(p, "-----END CERTIFICATE-----\n"));
    *len = (size_t)(p - out);
    return out;
}

static void s_round_trip(const es_pem_cert *c)
{
    size_t len, pos = 0;
    char *text = s_pem(c->der, c->der_len, &len);
    uint8_t *out = malloc(len);
    es_pem_cert again;
    if (!out || es_pem_next_cert(text, len, &pos, out, len, &again) != ES_PEM_CERT ||
        again.der_len != c->der_len || memcmp(again.der, c->der, c->der_len) != 0 ||
        again.subject - again.der != c->subject - c->der || again.subject_len != c->subject_len ||
        pos != len || es_pem_next_cert(text, len, &pos, out, len, &again) != ES_PEM_DONE)
        abort();
    free(out);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    uint8_t *out = malloc(size ? size : 1);
    if (!out)
        return 0;
    size_t pos = 0, used = 0;
    es_pem_cert c;
    es_pem_step step;
    while ((step = es_pem_next_cert(text, size, &pos, out + used, size - used, &c)) == ES_PEM_CERT) {
        if (c.der != out + used || c.der_len == 0 || c.der_len > size - used || c.der[0] != 0x30 ||
            c.subject < c.der || c.subject_len < 2 || c.subject_len > c.der_len ||
            (size_t)(c.subject - c.der) > c.der_len - c.subject_len || c.subject[0] != 0x30 || pos > size)
            abort();
        s_round_trip(&c);
        used += c.der_len;
    }
    if (step == ES_PEM_DONE && pos != size)
        abort();
    free(out);
    return 0;
}
