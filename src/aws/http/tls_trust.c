/* tls_trust.c - the process-wide CA store of tls_trust.h. libssl is found
 * with RTLD_NOLOAD (the copy libcurl already loaded, so the store and curl's
 * SSL_CTX come from the same OpenSSL) and its X509_STORE functions through
 * the same handle. A few stores are kept, keyed by file, directory and the
 * file's identity; a replaced store is released here, connections holding it
 * keep their own reference. */
#include "aws/http/tls_trust.h"

#include <dlfcn.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/http/curl_dl.h"
#include "aws/http/lazy_lib.h"
#include "aws/http/pem_certs.h"

#define S_LIBSSL "libssl.so.3"
#define S_STORES 4
#define S_PATH_MAX 512

#define S_SSL_FUNCTIONS(X)                          \
    X(ctx_set1_cert_store, SSL_CTX_set1_cert_store) \
    X(store_new, X509_STORE_new)                    \
    X(store_free, X509_STORE_free)                  \
    X(store_load_file, X509_STORE_load_file)        \
    X(store_load_path, X509_STORE_load_path)        \
    X(store_set_flags, X509_STORE_set_flags)        \
    X(store_get0_objects, X509_STORE_get0_objects)  \
    X(sk_num, OPENSSL_sk_num)                       \
    X(err_get_error, ERR_get_error)                 \
    X(err_error_string_n, ERR_error_string_n)       \
    X(version, OpenSSL_version)                     \
    S_LAZY_FUNCTIONS(X)

/* The lazy store (s_lazy_build): a lookup method of our own, called by
 * OpenSSL for a subject its store does not hold yet, as for a CA directory. */
#define S_LAZY_FUNCTIONS(X)                                         \
    X(meth_new, X509_LOOKUP_meth_new)                               \
    X(meth_set_get_by_subject, X509_LOOKUP_meth_set_get_by_subject) \
    X(meth_set_free, X509_LOOKUP_meth_set_free)                     \
    X(store_add_lookup, X509_STORE_add_lookup)                      \
    X(lookup_set_data, X509_LOOKUP_set_method_data)                 \
    X(lookup_get_data, X509_LOOKUP_get_method_data)                 \
    X(lookup_get_store, X509_LOOKUP_get_store)                      \
    X(store_add_cert, X509_STORE_add_cert)                          \
    X(store_lock, X509_STORE_lock)                                  \
    X(store_unlock, X509_STORE_unlock)                              \
    X(retrieve_by_subject, X509_OBJECT_retrieve_by_subject)         \
    X(object_get0_x509, X509_OBJECT_get0_X509)                      \
    X(object_set1_x509, X509_OBJECT_set1_X509)                      \
    X(d2i_x509, d2i_X509)                                           \
    X(x509_free, X509_free)                                         \
    X(d2i_name, d2i_X509_NAME)                                      \
    X(name_free, X509_NAME_free)                                    \
    X(name_cmp, X509_NAME_cmp)                                      \
    X(err_set_mark, ERR_set_mark)                                   \
    X(err_pop_to_mark, ERR_pop_to_mark)

#define S_FIELD_(field, symbol) __typeof__(symbol) *field;
typedef struct s_ssl_api {
    S_SSL_FUNCTIONS(S_FIELD_)
} s_ssl_api;
#undef S_FIELD_

typedef struct s_store {
    X509_STORE *store; /* NULL: free slot */
    char file[S_PATH_MAX], dir[S_PATH_MAX];
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime; /* ctime: no program can set it back */
    unsigned long born;           /* load number, for replacing the oldest */
} s_store;

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static bool s_ok;
static s_ssl_api s_ssl;
static char s_default_file[S_PATH_MAX], s_default_dir[S_PATH_MAX];

static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER;
static s_store s_stores[S_STORES];
static unsigned long s_loads, s_attaches, s_file_checks;

static void s_copy(char *dst, const char *src) { snprintf(dst, S_PATH_MAX, "%s", src ? src : ""); }

/* Whether slot s holds a store loaded from (file, dir). */
static bool s_holds(const s_store *s, const char *file, const char *dir)
{
    return s->store && !strcmp(s->file, file) && !strcmp(s->dir, dir);
}

bool es_tls_trust_same_openssl(const char *curl_ssl_version, const char *openssl_version)
{
    static const char curl_prefix[] = "OpenSSL/", ssl_prefix[] = "OpenSSL ";
    if (!curl_ssl_version || !openssl_version || strncmp(curl_ssl_version, curl_prefix, 8) != 0 ||
        strncmp(openssl_version, ssl_prefix, 8) != 0)
        return false;
    const char *want = curl_ssl_version + 8, *have = openssl_version + 8;
    size_t n = strlen(want);
    return n > 0 && strncmp(have, want, n) == 0 && (have[n] == ' ' || have[n] == '\0');
}

static void s_init(void)
{
    const es_curl_api *cu = es_curl_api_get(NULL);
    if (!cu)
        return;
    const curl_version_info_data *v = cu->version_info(CURLVERSION_NOW);
    if (!v || !v->ssl_version || strncmp(v->ssl_version, "OpenSSL/3.", 10) != 0)
        return; /* another TLS library (or none): curl keeps loading CA files itself */
    void *h = dlopen(S_LIBSSL, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (!h)
        return;
    const char *missing;
    ES_LAZY_LIB_RESOLVE(S_SSL_FUNCTIONS, h, &s_ssl, missing);
    if (missing)
        return; /* the handle stays open: libcurl holds the library anyway */
    /* Another libssl.so.3 may be loaded while libcurl uses a static copy:
     * a store from one OpenSSL must never reach the other's SSL_CTX. */
    if (!es_tls_trust_same_openssl(v->ssl_version, s_ssl.version(OPENSSL_VERSION)))
        return;
    CURL *probe = cu->easy_init();
    if (!probe)
        return;
    char *file = NULL, *dir = NULL;
    bool got = cu->easy_getinfo(probe, CURLINFO_CAINFO, &file) == CURLE_OK &&
               cu->easy_getinfo(probe, CURLINFO_CAPATH, &dir) == CURLE_OK;
    bool fits = (!file || strlen(file) < S_PATH_MAX) && (!dir || strlen(dir) < S_PATH_MAX);
    if (got && fits) {
        s_copy(s_default_file, file);
        s_copy(s_default_dir, dir);
    }
    cu->easy_cleanup(probe);
    s_ok = got && fits;
}

static atomic_bool s_probed; /* s_init has run (or is running) */

static void s_probe(void)
{
    atomic_store(&s_probed, true);
    s_init();
}

bool es_tls_trust_available(void)
{
    pthread_once(&s_once, s_probe);
    return s_ok;
}

bool es_tls_trust_probed(void) { return atomic_load(&s_probed); }

bool es_tls_trust_choose(const char *ca_bundle, const char **file, const char **dir)
{
    if (!es_tls_trust_available())
        return false;
    if (ca_bundle && ca_bundle[0]) { /* the bundle alone, as in the AWS SDKs */
        *file = ca_bundle;
        *dir = "";
    } else {
        *file = s_default_file;
        *dir = s_default_dir;
    }
    /* Nothing to load: an empty store would refuse every peer with a
     * misleading error; curl reports its own missing-CA error instead. */
    return (*file)[0] || (*dir)[0];
}

void es_tls_trust_set_defaults(const char *file, const char *dir)
{
    (void)es_tls_trust_available();
    s_copy(s_default_file, file);
    s_copy(s_default_dir, dir);
}

/* OpenSSL's first queued error as text, or fallback. */
static void s_ssl_error(char *msg, size_t msg_size, const char *what, const char *path)
{
    char why[256] = "";
    unsigned long e = s_ssl.err_get_error();
    if (e)
        s_ssl.err_error_string_n(e, why, sizeof why);
    while (s_ssl.err_get_error())
        ; /* leave no stale errors for curl to report */
    snprintf(msg, msg_size, "cannot load the CA %s %s: %s", what, path, why[0] ? why : "no certificates found");
}

/* A CA file indexed by subject (pem_certs.h): each certificate is decoded
 * and put into the store the first time a verification asks for its
 * subject (a name that no certificate has is looked for again each time:
 * one comparison per certificate). */
typedef struct s_lazy_cert {
    X509_NAME *subject;
    const uint8_t *der;
    size_t der_len;
    bool tried; /* decoded into the store, or found undecodable */
} s_lazy_cert;

typedef struct s_lazy {
    pthread_mutex_t mu; /* tried, and the decoding: connections verify on several threads */
    uint8_t *der;       /* every certificate's DER */
    s_lazy_cert *certs;
    size_t n;
} s_lazy;

static unsigned long s_lazy_stores; /* under s_mu */
static atomic_ulong s_lazy_decodes; /* under no lock of ours: the lookups' */

static void s_lazy_free(s_lazy *lz)
{
    for (size_t i = 0; i < lz->n; i++)
        s_ssl.name_free(lz->certs[i].subject);
    pthread_mutex_destroy(&lz->mu);
    free(lz->certs);
    free(lz->der);
    free(lz);
}

static void s_lazy_lookup_free(X509_LOOKUP *lu)
{
    s_lazy *lz = s_ssl.lookup_get_data(lu);
    if (lz)
        s_lazy_free(lz);
}

/* OpenSSL's question: a certificate with this subject. Every certificate of
 * the file with it goes into the store (X509_STORE_CTX_get1_issuer then
 * looks at all of them there), and one of them is the answer. */
static int s_lazy_by_subject(X509_LOOKUP *lu, X509_LOOKUP_TYPE type, const X509_NAME *name, X509_OBJECT *ret)
{
    s_lazy *lz = s_ssl.lookup_get_data(lu);
    X509_STORE *st = s_ssl.lookup_get_store(lu);
    if (type != X509_LU_X509 || !lz || !st || !name)
        return 0;
    s_ssl.err_set_mark();
    pthread_mutex_lock(&lz->mu);
    for (size_t i = 0; i < lz->n; i++) {
        s_lazy_cert *c = &lz->certs[i];
        if (c->tried || s_ssl.name_cmp(c->subject, name) != 0)
            continue;
        c->tried = true;
        const unsigned char *p = c->der;
        X509 *x = s_ssl.d2i_x509(NULL, &p, (long)c->der_len);
        if (x && p == c->der + c->der_len) {
            (void)s_ssl.store_add_cert(st, x); /* fails only without memory: then not found */
            atomic_fetch_add(&s_lazy_decodes, 1);
        }
        s_ssl.x509_free(x); /* the store holds its own reference */
    }
    pthread_mutex_unlock(&lz->mu);
    s_ssl.err_pop_to_mark(); /* a certificate OpenSSL refused is left out, as if not in the file */
    int found = 0;
    if (s_ssl.store_lock(st)) {
        X509_OBJECT *obj = s_ssl.retrieve_by_subject(s_ssl.store_get0_objects(st), X509_LU_X509, name);
        X509 *x = obj ? s_ssl.object_get0_x509(obj) : NULL;
        /* OpenSSL takes its own reference of what ret holds and never
         * releases ret's (a directory lookup hands over the store's pointer
         * as it is): the store's reference is what keeps x. */
        if (x && s_ssl.object_set1_x509(ret, x)) {
            s_ssl.x509_free(x);
            found = 1;
        }
        s_ssl.store_unlock(st);
    }
    return found;
}

static X509_LOOKUP_METHOD *s_lazy_method(void)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static X509_LOOKUP_METHOD *method; /* kept for the process: stores refer to it */
    pthread_mutex_lock(&mu);
    if (!method) {
        X509_LOOKUP_METHOD *m = s_ssl.meth_new("exifstrip lazy CA file");
        if (m && s_ssl.meth_set_get_by_subject(m, s_lazy_by_subject) &&
            s_ssl.meth_set_free(m, s_lazy_lookup_free))
            method = m;
    }
    pthread_mutex_unlock(&mu);
    return method;
}

#define S_LAZY_MAX_FILE (64u << 20)

/* The file's contents (a NUL after them), or NULL. */
static char *s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uint64_t)sb.st_size <= S_LAZY_MAX_FILE) {
        size_t want = (size_t)sb.st_size;
        text = malloc(want + 1);
        if (text && fread(text, 1, want + 1, f) == want) { /* no more, no less than fstat said */
            text[want] = '\0';
            *len = want;
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(f);
    return text;
}

/* The certificates of text indexed by subject; NULL when the file is not a
 * plain certificate bundle (or without memory): OpenSSL then loads it. */
static s_lazy *s_lazy_index(const char *text, size_t len)
{
    s_lazy *lz = calloc(1, sizeof *lz);
    size_t cap = 16;
    if (!lz || !(lz->der = malloc(len)) || !(lz->certs = malloc(cap * sizeof *lz->certs))) {
        if (lz) {
            free(lz->der);
            free(lz);
        }
        return NULL;
    }
    pthread_mutex_init(&lz->mu, NULL);
    s_ssl.err_set_mark();
    size_t pos = 0, used = 0;
    es_pem_cert cert;
    es_pem_step step;
    while ((step = es_pem_next_cert(text, len, &pos, lz->der + used, len - used, &cert)) == ES_PEM_CERT) {
        if (lz->n == cap) {
            s_lazy_cert *more = realloc(lz->certs, 2 * cap * sizeof *more);
            if (!more)
                break;
            lz->certs = more;
            cap *= 2;
        }
        const unsigned char *p = cert.subject;
        X509_NAME *name = s_ssl.d2i_name(NULL, &p, (long)cert.subject_len);
        if (!name || p != cert.subject + cert.subject_len) {
            s_ssl.name_free(name);
            break;
        }
        lz->certs[lz->n++] = (s_lazy_cert){.subject = name, .der = cert.der, .der_len = cert.der_len};
        used += cert.der_len;
    }
    s_ssl.err_pop_to_mark();
    if (step != ES_PEM_DONE || lz->n == 0) { /* unsupported, a name OpenSSL refused, or no memory */
        s_lazy_free(lz);
        return NULL;
    }
    return lz;
}

/* Puts file's certificates into st as a lazy lookup: true, or false (st
 * unchanged) when OpenSSL is to load the file itself. */
static bool s_lazy_attach(X509_STORE *st, const char *file)
{
    X509_LOOKUP_METHOD *m = s_lazy_method();
    size_t len = 0;
    char *text = m ? s_read_file(file, &len) : NULL;
    s_lazy *lz = text ? s_lazy_index(text, len) : NULL;
    free(text);
    if (!lz)
        return false;
    X509_LOOKUP *lu = s_ssl.store_add_lookup(st, m);
    if (!lu || !s_ssl.lookup_set_data(lu, lz)) {
        s_lazy_free(lz); /* a lookup without data answers nothing, frees nothing */
        return false;
    }
    s_lazy_stores++;
    return true;
}

/* A new store for (file, dir); NULL with msg set on failure. */
static X509_STORE *s_build(const char *file, const char *dir, char *msg, size_t msg_size)
{
    X509_STORE *st = s_ssl.store_new();
    if (!st) {
        snprintf(msg, msg_size, "cannot create a certificate store: out of memory");
        return NULL;
    }
    if (file[0] && !s_lazy_attach(st, file) && s_ssl.store_load_file(st, file) != 1) {
        s_ssl_error(msg, msg_size, "file", file);
        s_ssl.store_free(st);
        return NULL;
    }
    if (dir[0] && s_ssl.store_load_path(st, dir) != 1) {
        s_ssl_error(msg, msg_size, "directory", dir);
        s_ssl.store_free(st);
        return NULL;
    }
    /* What curl 7.88 sets on the store it builds when verifying peers. */
    s_ssl.store_set_flags(st, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
    return st;
}

static bool s_same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Whether the file is still the one the slot's store was loaded from. The
 * status-change time counts too: a bundle rewritten in place keeps its size
 * and can keep its modification time (cp -p, tar, rsync --inplace -t set it
 * back), but every write or utimensat moves ctime forward. */
static bool s_same_file(const s_store *s, const struct stat *sb)
{
    return s->dev == sb->st_dev && s->ino == sb->st_ino && s->size == sb->st_size &&
           s_same_time(s->mtime, sb->st_mtim) && s_same_time(s->ctime, sb->st_ctim);
}

/* The slot for (file, dir), current for sb; built when missing or stale.
 * Called with s_mu held. NULL with msg set on failure. */
static s_store *s_lookup(const char *file, const char *dir, const struct stat *sb, char *msg, size_t msg_size)
{
    s_store *slot = NULL;
    for (int i = 0; i < S_STORES; i++) {
        s_store *s = &s_stores[i];
        if (s_holds(s, file, dir)) {
            if (s_same_file(s, sb))
                return s;
            slot = s; /* the file changed: rebuild in place */
            break;
        }
    }
    for (int i = 0; !slot && i < S_STORES; i++)
        if (!s_stores[i].store)
            slot = &s_stores[i];
    if (!slot) { /* all taken: replace the oldest */
        slot = &s_stores[0];
        for (int i = 1; i < S_STORES; i++)
            if (s_stores[i].born < slot->born)
                slot = &s_stores[i];
    }
    X509_STORE *st = s_build(file, dir, msg, msg_size);
    if (!st)
        return NULL;
    if (slot->store)
        s_ssl.store_free(slot->store); /* connections using it hold their own reference */
    slot->store = st;
    s_copy(slot->file, file);
    s_copy(slot->dir, dir);
    slot->dev = sb->st_dev;
    slot->ino = sb->st_ino;
    slot->size = sb->st_size;
    slot->mtime = sb->st_mtim;
    slot->ctime = sb->st_ctim;
    slot->born = ++s_loads;
    return slot;
}

/* Releases the store of (file, dir) (s_mu held): once its file is found
 * changed and unusable, a request that took its generation earlier
 * (es_tls_trust_attach) must not connect with the CAs it no longer holds. */
static void s_forget(const char *file, const char *dir)
{
    for (int i = 0; i < S_STORES; i++) {
        s_store *s = &s_stores[i];
        if (s_holds(s, file, dir)) {
            s_ssl.store_free(s->store);
            s->store = NULL;
        }
    }
}

/* The current store for (file, dir), built when missing or stale. Called
 * with s_mu held; NULL with msg set on failure (the old store of (file,
 * dir), if any, forgotten). The file is stat()ed under the lock, just before
 * a possible load: the identity recorded is never newer than the contents
 * loaded. */
static s_store *s_current(const char *file, const char *dir, char *msg, size_t msg_size)
{
    if (strlen(file) >= S_PATH_MAX || strlen(dir) >= S_PATH_MAX) {
        snprintf(msg, msg_size, "CA file or directory name longer than %d bytes", S_PATH_MAX - 1);
        return NULL;
    }
    struct stat sb = {0};
    s_file_checks += file[0] != '\0';
    s_store *s = NULL;
    if (file[0] && stat(file, &sb) != 0)
        snprintf(msg, msg_size, "cannot read the CA file %s: %s", file, strerror(errno));
    else
        s = s_lookup(file, dir, &sb, msg, msg_size);
    if (!s)
        s_forget(file, dir);
    return s;
}

/* The store of that generation for (file, dir) when it is still there (s_mu held). */
static s_store *s_of_generation(const char *file, const char *dir, unsigned long generation)
{
    for (int i = 0; generation && i < S_STORES; i++) {
        s_store *s = &s_stores[i];
        if (s_holds(s, file, dir) && s->born == generation)
            return s;
    }
    return NULL;
}

es_err es_tls_trust_attach(void *ssl_ctx, const char *file, const char *dir, unsigned long generation,
                           char *msg, size_t msg_size)
{
    ES_ENSURE(ssl_ctx && file && dir && msg && msg_size > 0, ES_ERR_INVALID_ARG);
    ES_ENSURE(s_ok, ES_ERR_INTERNAL);
    pthread_mutex_lock(&s_mu);
    s_store *s = s_of_generation(file, dir, generation);
    if (!s)
        s = s_current(file, dir, msg, msg_size);
    if (s) {
        s_ssl.ctx_set1_cert_store(ssl_ctx, s->store);
        s_attaches++;
    }
    pthread_mutex_unlock(&s_mu);
    return s ? ES_OK : ES_ERR_CONFIG;
}

unsigned long es_tls_trust_generation(const char *file, const char *dir)
{
    if (!s_ok || !file || !dir)
        return 0;
    char ignored[256];
    pthread_mutex_lock(&s_mu);
    const s_store *s = s_current(file, dir, ignored, sizeof ignored);
    unsigned long born = s ? s->born : 0;
    pthread_mutex_unlock(&s_mu);
    return born;
}

/* A counter's value, read under s_mu (the tests' view of the work done). */
static unsigned long s_counter(const unsigned long *counter)
{
    pthread_mutex_lock(&s_mu);
    unsigned long n = *counter;
    pthread_mutex_unlock(&s_mu);
    return n;
}

unsigned long es_tls_trust_loads(void) { return s_counter(&s_loads); }

unsigned long es_tls_trust_attaches(void) { return s_counter(&s_attaches); }

unsigned long es_tls_trust_file_checks(void) { return s_counter(&s_file_checks); }

unsigned long es_tls_trust_lazy_stores(void) { return s_counter(&s_lazy_stores); }

unsigned long es_tls_trust_lazy_decodes(void) { return atomic_load(&s_lazy_decodes); }

long es_tls_trust_objects(const char *file, const char *dir)
{
    long n = -1;
    pthread_mutex_lock(&s_mu);
    for (int i = 0; s_ok && i < S_STORES; i++) {
        const s_store *s = &s_stores[i];
        if (s_holds(s, file, dir))
            n = s_ssl.sk_num((const OPENSSL_STACK *)s_ssl.store_get0_objects(s->store));
    }
    pthread_mutex_unlock(&s_mu);
    return n;
}
