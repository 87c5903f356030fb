/* pem_certs_test.c - the PEM bundle scanner (src/aws/http/pem_certs.h): a
 * bundle of a v1 leaf and a v3 CA (made once with openssl, both with
 * ECDSA P-256 keys) with comments around them decodes to the certificates'
 * DER with each subject found (not the issuer); CRLF line ends and trailing
 * blanks are read; everything that is not the canonical form - another
 * block type, a header, a blank, long or misplaced short line, a character
 * outside base64, bad padding, a missing END line, DER that does not frame
 * as one certificate, bytes after it, an output buffer too small - is
 * reported unsupported (the caller leaves such a file to OpenSSL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/pem_certs.h"
#include "../../harness/test.h"

static const char s_leaf[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBJjCBzQIUATzckyMev8WUgbzPW54+ZgilFXswCgYIKoZIzj0EAwIwFDESMBAG\n"
                             "A1UEAwwJZXMtcGVtLWNhMCAXDTI2MTIwNTA1MzEzNVoYDzIxMjYxMTExMDUzMTM1\n"
                             "WjAWMRQwEgYDVQQDDAtlcy1wZW0tbGVhZjBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
                             "A0IABCn6C24OEWiEGpJs+22HstRd5i+LNiAWVI7kyqQGWxJfNrM7Mh79YFXwcGWJ\n"
                             "Bvjb5S71gAYvJBKjX8FXI8ptkK0wCgYIKoZIzj0EAwIDSAAwRQIgZE8SHqPz8zoA\n"
                             "SyQOQmMZVBvzFFPbiM1VviGaQHnPDUkCIQCC28jx62MVfo0DJQmMCLOb2XTwyYuk\n"
                             "Da4EzX3mNG86ZA==\n"
                             "-----END CERTIFICATE-----\n";

static const char s_ca[] = "-----BEGIN CERTIFICATE-----\n"
                           "MIIBgDCCASWgAwIBAgIUbb0QYMwz8OXE+Yoinz+ekqA6OxUwCgYIKoZIzj0EAwIw\n"
                           "FDESMBAGA1UEAwwJZXMtcGVtLWNhMCAXDTI2MTIwNTA1MzEzNVoYDzIxMjYxMTEx\n"
                           "MDUzMTM1WjAUMRIwEAYDVQQDDAllcy1wZW0tY2EwWTATBgcqhkjOPQIBBggqhkjO\n"
                           "PQMBBwNCAAS95BacDKgzbtUlQZPRmHE2au+VCpxbQq+c+lzxeywIDYgxidlkshy2\n"
                           "u1cH4ofpqBJ8Vp2x2LNs3oz9d9qRmQb+o1MwUTAdBgNVHQ4EFgQUoHBg9V3n9aKI\n"
                           "sgaTH+JFowVVmI0wHwYDVR0jBBgwFoAUoHBg9V3n9aKIsgaTH+JFowVVmI0wDwYD\n"
                           "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA8dWoGMkrsDHxXpDAF8ag\n"
                           "dlfB20HL/Fh16d37mYjI2QECIQDK1cRl+y6wjE5hu3eeaIRXkewVShHM5lFUdbwm\n"
                           "4N9OMQ==\n"
                           "-----END CERTIFICATE-----\n";

/* Whether needle occurs in [p, p + n). */
static bool s_has(const uint8_t *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0)
            return true;
    return false;
}

/* The steps of text: how many certificates before the final step, which is returned. */
static es_pem_step s_scan(const char *text, size_t *certs, es_pem_cert *last)
{
    size_t len = strlen(text), pos = 0, used = 0;
    uint8_t *out = malloc(len + 1);
    es_pem_step step;
    *certs = 0;
    while ((step = es_pem_next_cert(text, len, &pos, out + used, len - used, last)) == ES_PEM_CERT) {
        used += last->der_len;
        ++*certs;
    }
    free(out);
    return step;
}

static void test_bundle_with_comments(void)
{
    char text[4096];
    snprintf(text, sizeof text, "# a bundle\n%s\n# the CA\n%s# end\n", s_leaf, s_ca);
    size_t len = strlen(text), pos = 0;
    uint8_t out[4096];
    es_pem_cert c;
    REQUIRE(es_pem_next_cert(text, len, &pos, out, sizeof out, &c) == ES_PEM_CERT);
    CHECK(c.der == out);
    CHECK_INT_EQ(c.der[0], 0x30);
    CHECK(c.subject > c.der && c.subject + c.subject_len <= c.der + c.der_len);
    CHECK_INT_EQ(c.subject[0], 0x30);
    CHECK(s_has(c.subject, c.subject_len, "es-pem-leaf"));
    CHECK(!s_has(c.subject, c.subject_len, "es-pem-ca")); /* the issuer, before it */
    CHECK(s_has(c.der, c.der_len, "es-pem-ca"));
    size_t first = c.der_len;
    REQUIRE(es_pem_next_cert(text, len, &pos, out + first, sizeof out - first, &c) == ES_PEM_CERT);
    CHECK(c.der == out + first);
    CHECK(s_has(c.subject, c.subject_len, "es-pem-ca"));
    CHECK_INT_EQ(es_pem_next_cert(text, len, &pos, out, sizeof out, &c), ES_PEM_DONE);
    CHECK_INT_EQ(pos, len);
    CHECK_INT_EQ(es_pem_next_cert(text, len, &pos, out, sizeof out, &c), ES_PEM_DONE); /* stays done */
}

static void test_crlf_and_trailing_blanks(void)
{
    char text[4096];
    size_t n = 0;
    for (const char *p = s_ca; *p; p++) {
        if (*p == '\n') {
            text[n++] = ' ';
            text[n++] = '\r';
        }
        text[n++] = *p;
    }
    text[n] = '\0';
    size_t certs;
    es_pem_cert c;
    CHECK_INT_EQ(s_scan(text, &certs, &c), ES_PEM_DONE);
    CHECK_INT_EQ(certs, 1);
    CHECK_INT_EQ(s_scan("", &certs, &c), ES_PEM_DONE);
    CHECK_INT_EQ(certs, 0);
    CHECK_INT_EQ(s_scan("no blocks here\n-----END CERTIFICATE-----\n", &certs, &c), ES_PEM_DONE);
}

/* s_ca with the first occurrence of from replaced by to. */
static es_pem_step s_ca_with(const char *from, const char *to)
{
    char text[4096];
    const char *at = strstr(s_ca, from);
    CHECK(at != NULL);
    if (!at)
        return ES_PEM_DONE; /* fails every caller's check too */
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - s_ca), s_ca, to, at + strlen(from));
    size_t certs;
    es_pem_cert c;
    return s_scan(text, &certs, &c);
}

static void test_not_canonical_unsupported(void)
{
    CHECK_INT_EQ(s_ca_with("BEGIN CERTIFICATE", "BEGIN TRUSTED CERTIFICATE"), ES_PEM_UNSUPPORTED);
    CHECK_INT_EQ(s_ca_with("BEGIN CERTIFICATE", "BEGIN X509 CRL"), ES_PEM_UNSUPPORTED);
    CHECK_INT_EQ(s_ca_with("CERTIFICATE-----\n", "CERTIFICATE----\n"), ES_PEM_UNSUPPORTED);
    CHECK_INT_EQ(s_ca_with("-----\nMIIB", "-----\nProc-Type: 4,ENCRYPTED\nMIIB"), ES_PEM_UNSUPPORTED);
    CHECK_INT_EQ(s_ca_with("-----\nMIIB", "-----\n\nMIIB"), ES_PEM_UNSUPPORTED);    /* blank line */
    CHECK_INT_EQ(s_ca_with("Iw\nFDES", "IwF\nDES"), ES_PEM_UNSUPPORTED);            /* 65 columns */
    CHECK_INT_EQ(s_ca_with("Iw\nFDES", "I\nwFDES"), ES_PEM_UNSUPPORTED);            /* short, not last */
    CHECK_INT_EQ(s_ca_with("MIIB", "MI B"), ES_PEM_UNSUPPORTED);                    /* a blank inside */
    CHECK_INT_EQ(s_ca_with("MIIB", "MII*"), ES_PEM_UNSUPPORTED);                    /* not base64 */
    CHECK_INT_EQ(s_ca_with("4N9OMQ==", "4N9OMQ="), ES_PEM_UNSUPPORTED);             /* padding */
    CHECK_INT_EQ(s_ca_with("4N9OMQ==", "4N9OMR=="), ES_PEM_UNSUPPORTED);            /* stray bits */
    CHECK_INT_EQ(s_ca_with("4N9OMQ==", "4N9O=MQ="), ES_PEM_UNSUPPORTED);            /* data after '=' */
    CHECK_INT_EQ(s_ca_with("4N9OMQ==", "4N9OMQ==AAAA"), ES_PEM_UNSUPPORTED);        /* '=' then data */
    CHECK_INT_EQ(s_ca_with("-----END CERTIFICATE-----\n", ""), ES_PEM_UNSUPPORTED); /* no END */
    CHECK_INT_EQ(s_ca_with("MIIBgDCC", "MIIBgTCC"), ES_PEM_UNSUPPORTED);            /* outer length */
    CHECK_INT_EQ(s_ca_with("MIIBgDCCASWg", "MIIBgDCCASSg"), ES_PEM_UNSUPPORTED);    /* TBS length */
    CHECK_INT_EQ(s_ca_with("MIIBgDCC", "MIGAMIGA"), ES_PEM_UNSUPPORTED);            /* not DER */
    size_t certs;
    es_pem_cert c;
    CHECK_INT_EQ(s_scan("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", &certs, &c),
                 ES_PEM_UNSUPPORTED);
    CHECK_INT_EQ(s_scan("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", &certs, &c),
                 ES_PEM_UNSUPPORTED);
}

static void test_bytes_after_certificate_unsupported(void)
{
    /* the leaf's last line with one more quantum ("AAAA": three zero bytes after the DER) */
    CHECK_INT_EQ(s_ca_with("4N9OMQ==", "4N9OMQAAAA=="), ES_PEM_UNSUPPORTED);
    char text[4096];
    snprintf(text, sizeof text, "%s", s_leaf);
    char *last = strstr(text, "Da4EzX3mNG86ZA==");
    REQUIRE(last);
    memcpy(last, "Da4EzX3mNG86ZAAA", 16);
    size_t certs;
    es_pem_cert c;
    CHECK_INT_EQ(s_scan(text, &certs, &c), ES_PEM_UNSUPPORTED);
}

static void test_small_output_unsupported(void)
{
    size_t len = strlen(s_ca), pos = 0;
    uint8_t out[4096];
    es_pem_cert c;
    REQUIRE(es_pem_next_cert(s_ca, len, &pos, out, sizeof out, &c) == ES_PEM_CERT);
    size_t need = c.der_len;
    pos = 0;
    CHECK_INT_EQ(es_pem_next_cert(s_ca, len, &pos, out, need - 1, &c), ES_PEM_UNSUPPORTED);
    CHECK_INT_EQ(pos, 0);
    CHECK_INT_EQ(es_pem_next_cert(s_ca, len, &pos, out, need, &c), ES_PEM_CERT);
}

int main(void)
{
    ES_RUN(test_bundle_with_comments);
    ES_RUN(test_crlf_and_trailing_blanks);
    ES_RUN(test_not_canonical_unsupported);
    ES_RUN(test_bytes_after_certificate_unsupported);
    ES_RUN(test_small_output_unsupported);
    return es_test_finish();
}
