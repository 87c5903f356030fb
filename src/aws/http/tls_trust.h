/* tls_trust.h - one store of trusted CA certificates per process, shared by
 * every TLS connection curl opens. curl 7.88 builds the store itself for each
 * easy handle (its CA cache lives in the handle's private multi), and OpenSSL
 * 3 needs ~35 ms of CPU to parse Debian's 145-certificate bundle: the worker
 * paid that once per handle (the receiver, the deleter, each job thread and
 * nesting level), i.e. for nearly every new connection. Here the store is
 * built once per (CA file, CA directory) and handed to each new connection's
 * SSL_CTX from curl's CURLOPT_SSL_CTX_FUNCTION; verification itself is
 * unchanged (peer and host checks stay on, the same trust anchors and the
 * flags curl sets: X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN).
 * The file is stat()ed for every new connection and reloaded when it changes
 * (a rotated bundle), which curl's 24-hour cache did not do.
 *
 * Used only when curl's TLS backend is OpenSSL 3 and libssl (already loaded
 * by libcurl) provides the functions below; otherwise request.c leaves the
 * CA file to curl as before. */
#ifndef ES_AWS_TLS_TRUST_H
#define ES_AWS_TLS_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "exifstrip/error.h"

/* True when the shared store can be used with the process's libcurl
 * (es_curl_api_get; checked once). */
bool es_tls_trust_available(void);

/* curl's built-in CA file and directory (CURLINFO_CAINFO / CURLINFO_CAPATH),
 * "" when curl has none; valid once es_tls_trust_available returned true. */
const char *es_tls_trust_default_file(void);
const char *es_tls_trust_default_dir(void);

/* Puts the shared store for (file, dir) ("" = none) into ssl_ctx, an OpenSSL
 * SSL_CTX *, building it first when there is none yet or file changed
 * (device, inode, size or modification time). ES_ERR_CONFIG when file cannot
 * be read or parsed, with a message naming it in msg; ssl_ctx keeps the
 * store curl gave it (empty: nothing is trusted). Thread-safe. */
ES_MUST_USE es_err es_tls_trust_attach(void *ssl_ctx, const char *file, const char *dir, char *msg,
                                       size_t msg_size);

/* How many stores this process has built (for tests). */
unsigned long es_tls_trust_loads(void);

#endif
