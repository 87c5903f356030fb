/* tls_trust.h - one store of trusted CA certificates per process, shared by
 * every TLS connection curl opens. curl 7.88 builds the store itself for each
 * easy handle (its CA cache lives in the handle's private multi), and OpenSSL
 * 3 needs ~15-35 ms of CPU to parse Debian's 145-certificate bundle: the worker
 * paid that once per handle (the receiver, the deleter, each job thread and
 * nesting level), i.e. for nearly every new connection. Here the store is
 * built once per (CA file, CA directory) and handed to each new connection's
 * SSL_CTX from curl's CURLOPT_SSL_CTX_FUNCTION. Peer and host checks stay
 * on, with the same trust anchors and the flags curl sets
 * (X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN). What curl 7.88
 * still does after the callback, on whatever store the SSL_CTX holds (here
 * the shared one): its own store set-up, which with CAINFO and CAPATH unset
 * (request.c) loads nothing and only calls X509_STORE_set_flags with those
 * same flags on every new connection - a known, benign data race (every
 * writer stores the value already there). Through an https:// proxy curl
 * would also load the proxy's CA defaults INTO the shared store (the
 * callback runs for the proxy's TLS too), so request.c does not use the
 * shared store when one is configured.
 * The file is stat()ed once for every https request (its new connection, if
 * any, takes the store that stat found current) and reloaded when it changes
 * (a rotated bundle), which curl's 24-hour cache did not do; request.c then
 * replaces the handles whose connections and TLS sessions were verified
 * under the old store.
 *
 * Lazy: a CA file made only of canonical "CERTIFICATE" blocks (pem_certs.h)
 * is not decoded when the store is built; each certificate's DER is kept
 * with its subject and decoded into the store the first time OpenSSL looks
 * for that subject (a lookup method of ours, asked like a CA directory's),
 * which saves ~15 ms of CPU per process on Debian's bundle. Any other file
 * is loaded whole by OpenSSL as before. A certificate that frames right but
 * that OpenSSL refuses to decode is then left out when asked for, instead
 * of failing the whole file.
 *
 * Used only when curl's TLS backend is OpenSSL 3 and libssl (already loaded
 * by libcurl) reports the version curl reports and provides the functions
 * below; otherwise request.c leaves the CA file to curl as before. */
#ifndef ES_AWS_TLS_TRUST_H
#define ES_AWS_TLS_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "exifstrip/error.h"

/* True when the shared store can be used with the process's libcurl
 * (es_curl_api_get; checked once: curl's version data, libssl's functions
 * and a probe handle, about 1.4 ms of CPU with its page faults, which a
 * process speaking plain http only never pays: request.c asks only for
 * requests that may use TLS). */
bool es_tls_trust_available(void);

/* For tests: whether es_tls_trust_available has made its check. */
bool es_tls_trust_probed(void);

/* The CA file and directory ("" = none) the shared store verifies a request
 * against: ca_bundle (AWS_CA_BUNDLE; NULL or "" = not set) alone when given,
 * like the AWS SDKs, else curl's built-in file and directory
 * (CURLINFO_CAINFO / CURLINFO_CAPATH). False when the shared store is not to
 * be used and curl loads the CAs itself: not available, or neither a file nor
 * a directory to load (curl built without defaults). */
bool es_tls_trust_choose(const char *ca_bundle, const char **file, const char **dir);

/* For tests: replaces curl's built-in CA file and directory ("" = none) that
 * es_tls_trust_choose falls back to. */
void es_tls_trust_set_defaults(const char *file, const char *dir);

/* Puts the shared store for (file, dir) ("" = none) into ssl_ctx, an OpenSSL
 * SSL_CTX *. generation is what es_tls_trust_generation returned for the
 * request (0 = none): while that store is still the current one it is
 * attached without looking at the file again; otherwise the file is
 * checked and the store built first when there is none yet or file changed
 * (device, inode, size, modification or status-change time). ES_ERR_CONFIG
 * when file cannot be read or parsed, with a message naming it in msg, and
 * the old store is forgotten (no generation taken before attaches it);
 * ssl_ctx keeps the store curl gave it (empty: nothing is trusted).
 * Thread-safe. */
ES_MUST_USE es_err es_tls_trust_attach(void *ssl_ctx, const char *file, const char *dir,
                                       unsigned long generation, char *msg, size_t msg_size);

/* The generation of the shared store for (file, dir): a number that changes
 * whenever the store is (re)built, building it first when there is none yet
 * or the file changed; 0 when it cannot be built (es_tls_trust_attach then
 * says why). Connections and TLS sessions made under another generation must
 * not be reused: a resumed session is not verified against the new store.
 * Thread-safe; one stat() when the store is current. */
unsigned long es_tls_trust_generation(const char *file, const char *dir);

/* Whether curl's TLS library (curl_version_info's ssl_version, "OpenSSL/3.0.19")
 * is the libssl found (OpenSSL_version(OPENSSL_VERSION), "OpenSSL 3.0.19 27
 * Jan 2026"); es_tls_trust_available requires it. Exposed for tests. */
bool es_tls_trust_same_openssl(const char *curl_ssl_version, const char *openssl_version);

/* For tests: how many stores this process has built; how many connections
 * were handed one; how many times a CA file was stat()ed; how many
 * certificates and CRLs the current store for (file, dir) holds (-1: none
 * built), which nothing but its own loading (of a lazy file: the
 * certificates decoded so far) may change. */
unsigned long es_tls_trust_loads(void);
unsigned long es_tls_trust_attaches(void);
unsigned long es_tls_trust_file_checks(void);
long es_tls_trust_objects(const char *file, const char *dir);

/* For tests: how many stores were built with a lazy CA file (see the
 * "lazy" note above); how many certificates such files have had decoded. */
unsigned long es_tls_trust_lazy_stores(void);
unsigned long es_tls_trust_lazy_decodes(void);

#endif
