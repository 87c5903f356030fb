/* pem_certs.h - a strict scanner of PEM CA bundles made only of
 * "CERTIFICATE" blocks (Debian's ca-certificates.crt, what AWS_CA_BUNDLE
 * usually names): each block's base64 decoded to DER, and the position of
 * the certificate's subject name in it, found by walking the DER framing of
 * Certificate and TBSCertificate (RFC 5280 4.1) without decoding any field.
 * tls_trust.c indexes a bundle by subject with it and decodes a certificate
 * (with OpenSSL) only when a verification asks for its subject: OpenSSL 3.0
 * spends ~0.1 ms of CPU per certificate decoding its public key, ~15 ms for
 * Debian's 145 CAs in every process, of which a connection to S3 uses one.
 * Anything else - another block type (TRUSTED CERTIFICATE, X509 CRL),
 * headers, characters outside base64, DER that does not frame as one
 * certificate - is reported as unsupported, and the caller leaves the file
 * to OpenSSL's own loader (and its verdict). Text outside blocks is
 * skipped, as OpenSSL does. No allocation. */
#ifndef ES_AWS_PEM_CERTS_H
#define ES_AWS_PEM_CERTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct es_pem_cert {
    const uint8_t *der;     /* the certificate (in the caller's out buffer) */
    size_t der_len;         /* its length: exactly one DER SEQUENCE */
    const uint8_t *subject; /* the subject Name, tag and length included, inside der */
    size_t subject_len;
} es_pem_cert;

typedef enum es_pem_step {
    ES_PEM_DONE,       /* no block left (text after the last block is ignored) */
    ES_PEM_CERT,       /* *cert filled; *pos moved past the block */
    ES_PEM_UNSUPPORTED /* not a bundle this scanner reads: leave the file to OpenSSL */
} es_pem_step;

/* The next block of text[*pos, len): its DER is written to out (out_cap
 * bytes; the decoded size never exceeds the block's base64 length * 3 / 4,
 * so an out buffer of len bytes holds every block of the text one after the
 * other when the caller advances out by der_len each time). */
es_pem_step es_pem_next_cert(const char *text, size_t len, size_t *pos, uint8_t *out, size_t out_cap,
                             es_pem_cert *cert);

#endif
