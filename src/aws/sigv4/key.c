/* key.c - HMAC-SHA256 and the SigV4 signing key
 * HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
 * derived once per (secret, date, region, service) and kept in a small
 * fixed-size cache guarded by a mutex. Entries are keyed by SHA-256 of the
 * secret so the plain secret is never stored; eviction is round-robin. */
#include "aws/sigv4/internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4/crypto_dl.h"
#include "common/secure.h"

#define S_CACHE_SLOTS 16

typedef struct s_slot {
    bool used;
    uint8_t secret_hash[32];
    char date8[9];
    char region[64];
    char service[64];
    uint8_t key[32];
} s_slot;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static s_slot s_cache[S_CACHE_SLOTS];
static size_t s_next_victim;
static unsigned long s_derivations;

#define S_BLOCK 64 /* SHA-256's block size */
#define S_HMAC_STACK 1024

/* HMAC (RFC 2104) over the fetched SHA-256: H((K^opad) || H((K^ipad) || m)),
 * two one-shot digests. OpenSSL 3's HMAC() looks up the MAC and the digest
 * by name on every call, which costs more than the hashing for SigV4's short
 * messages. */
bool es_sigv4_hmac(const void *key, size_t key_len, const void *data, size_t len, uint8_t out[32])
{
    const es_crypto_api *cr = es_crypto_api_get(NULL);
    if (!cr || len > SIZE_MAX - S_BLOCK)
        return false;
    uint8_t k[S_BLOCK] = {0};
    if (key_len > S_BLOCK) {
        if (!cr->Digest(key, key_len, k, NULL, cr->sha256_md, NULL))
            return false;
    } else if (key_len) {
        memcpy(k, key, key_len);
    }
    uint8_t stack[S_HMAC_STACK];
    uint8_t *msg = S_BLOCK + len <= sizeof stack ? stack : malloc(S_BLOCK + len);
    bool ok = msg != NULL;
    uint8_t inner[S_BLOCK + 32];
    if (ok) {
        for (size_t i = 0; i < S_BLOCK; i++)
            msg[i] = k[i] ^ 0x36;
        if (len)
            memcpy(msg + S_BLOCK, data, len);
        ok = cr->Digest(msg, S_BLOCK + len, inner + S_BLOCK, NULL, cr->sha256_md, NULL) == 1;
    }
    if (ok) {
        for (size_t i = 0; i < S_BLOCK; i++)
            inner[i] = k[i] ^ 0x5c;
        ok = cr->Digest(inner, sizeof inner, out, NULL, cr->sha256_md, NULL) == 1;
    }
    es_secure_zero(k, sizeof k);
    es_secure_zero(inner, sizeof inner);
    if (msg) {
        es_secure_zero(msg, S_BLOCK); /* the key-derived half */
        if (msg != stack)
            free(msg);
    }
    return ok;
}

static bool s_slot_matches(const s_slot *s, const uint8_t hash[32], const char *date8, const char *region,
                           const char *service)
{
    return s->used && es_secure_equal(s->secret_hash, hash, 32) && strcmp(s->date8, date8) == 0 &&
           strcmp(s->region, region) == 0 && strcmp(s->service, service) == 0;
}

static bool s_derive(const char *secret, const char *date8, const char *region, const char *service,
                     uint8_t key[32])
{
    char seed[4 + 256];
    size_t slen = strlen(secret);
    uint8_t k1[32], k2[32], k3[32];
    bool ok = false;
    if (slen > sizeof seed - 4)
        return false;
    memcpy(seed, "AWS4", 4);
    memcpy(seed + 4, secret, slen);
    ok = es_sigv4_hmac(seed, 4 + slen, date8, strlen(date8), k1) &&
         es_sigv4_hmac(k1, 32, region, strlen(region), k2) &&
         es_sigv4_hmac(k2, 32, service, strlen(service), k3) && es_sigv4_hmac(k3, 32, "aws4_request", 12, key);
    es_secure_zero(seed, sizeof seed);
    es_secure_zero(k1, sizeof k1);
    es_secure_zero(k2, sizeof k2);
    es_secure_zero(k3, sizeof k3);
    return ok;
}

es_err es_sigv4_signing_key(const char *secret, const char *date8, const char *region, const char *service,
                            uint8_t key[32])
{
    ES_ENSURE(secret && date8 && region && service && key, ES_ERR_INVALID_ARG);
    ES_ENSURE(strlen(date8) == 8 && strlen(region) < 64 && strlen(service) < 64, ES_ERR_INVALID_ARG);
    uint8_t hash[32];
    const es_crypto_api *cr = es_crypto_api_get(NULL);
    if (!cr || !cr->Digest(secret, strlen(secret), hash, NULL, cr->sha256_md, NULL))
        return ES_ERR_INTERNAL;

    pthread_mutex_lock(&s_lock);
    for (size_t i = 0; i < S_CACHE_SLOTS; i++) {
        if (s_slot_matches(&s_cache[i], hash, date8, region, service)) {
            memcpy(key, s_cache[i].key, 32);
            pthread_mutex_unlock(&s_lock);
            return ES_OK;
        }
    }
    /* Derive under the lock: cheap (4 HMACs) and keeps the count exact. */
    if (!s_derive(secret, date8, region, service, key)) {
        pthread_mutex_unlock(&s_lock);
        return ES_ERR_INTERNAL;
    }
    s_derivations++;
    s_slot *s = &s_cache[s_next_victim];
    s_next_victim = (s_next_victim + 1) % S_CACHE_SLOTS;
    s->used = true;
    memcpy(s->secret_hash, hash, 32);
    memcpy(s->date8, date8, 9);
    strcpy(s->region, region);
    strcpy(s->service, service);
    memcpy(s->key, key, 32);
    pthread_mutex_unlock(&s_lock);
    return ES_OK;
}

unsigned long es_sigv4_key_derivations(void)
{
    pthread_mutex_lock(&s_lock);
    unsigned long n = s_derivations;
    pthread_mutex_unlock(&s_lock);
    return n;
}

void es_sigv4_key_cache_reset(void)
{
    pthread_mutex_lock(&s_lock);
    es_secure_zero(s_cache, sizeof s_cache);
    memset(s_cache, 0, sizeof s_cache);
    s_next_victim = 0;
    pthread_mutex_unlock(&s_lock);
}
