/* pseudonym.c - keyed pseudonyms: HMAC-SHA-256 through OpenSSL 3's EVP_MAC, and the key
 * file they are made with (regia/pseudonym.h).
 *
 * Why a keyed MAC and not a hash: a patient id is guessable (a fiscal code, a health card
 * number), so SHA-256(id) is reversed by hashing every candidate; HMAC under a key held
 * apart from the data is not (EDPB Guidelines 01/2025 on pseudonymisation).
 *
 * The key is read with one open() and checked on that descriptor (fstat), so the checks
 * and the read see the same file.  Every buffer that held key bytes is wiped with
 * OPENSSL_cleanse before it is freed or goes out of scope; no message prints key bytes
 * (lengths and modes only).
 */
#include "regia/pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define KEY_HINT "make one with: openssl rand -hex 32 > KEY; chmod 600 KEY"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The key id: 16 hex digits of SHA-256("regia key id" || key).  Names the key in outputs
 * (which key made these pseudonyms) without revealing it. */
static void key_id(regia_key_t *key)
{
    static const char tag[] = "regia key id";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    key->id[0] = 0;
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, tag, sizeof tag - 1) &&
        EVP_DigestUpdate(c, key->bytes, key->len) && EVP_DigestFinal_ex(c, md, &mdlen) && mdlen >= 8) {
        for (int i = 0; i < 8; i++) snprintf(key->id + 2 * i, 3, "%02x", md[i]);
    }
    EVP_MD_CTX_free(c);
    OPENSSL_cleanse(md, sizeof md);
}

void regia_key_wipe(regia_key_t *key)
{
    if (key) OPENSSL_cleanse(key, sizeof *key);
}

regia_status_t regia_key_read(const char *path, regia_key_t *key)
{
    /* hex text of the largest key, one newline (and a CR before it), one byte to spot more */
    enum { CAP = 2 * REGIA_KEY_MAX + 3 };
    unsigned char buf[CAP];
    regia_status_t st = REGIA_OK;
    size_t n = 0;
    memset(key, 0, sizeof *key);
    if (!path || !*path)
        return REGIA_FAIL(REGIA_ERR_INVALID, "no key file given: pseudonyms need a secret key (--key-file KEY; " KEY_HINT ")");
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return REGIA_FAIL(REGIA_ERR_IO, "key file %s: cannot open: %s (%s)", path, strerror(errno), KEY_HINT);
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = REGIA_FAIL(REGIA_ERR_IO, "key file %s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "key file %s: not a regular file (a directory, device or pipe); give the "
                        "file that holds the key", path);
        goto out;
    }
    if (sb.st_uid != geteuid()) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "key file %s: owned by uid %u, not by the user running regia (uid %u); the "
                        "key must be the user's own file (copy it and chmod 600)", path, (unsigned)sb.st_uid,
                        (unsigned)geteuid());
        goto out;
    }
    if (sb.st_mode & 077) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "key file %s: mode %04o lets group or others access it; a pseudonymisation "
                        "key must be private: chmod 600 %s", path, (unsigned)(sb.st_mode & 07777), path);
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, CAP - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            st = REGIA_FAIL(REGIA_ERR_IO, "key file %s: read error: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n == CAP) break;
    }
    if (n == CAP) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "key file %s: longer than %d bytes (%d hex digits); is this the key file?",
                        path, REGIA_KEY_MAX, 2 * REGIA_KEY_MAX);
        goto out;
    }
    /* one trailing newline (with the CR of a CRLF) is not part of the key */
    if (n > 0 && buf[n - 1] == '\n') {
        n--;
        if (n > 0 && buf[n - 1] == '\r') n--;
    }
    if (n == 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "key file %s: empty; %s", path, KEY_HINT);
        goto out;
    }
    int hex = n >= 2 * REGIA_KEY_MIN;
    for (size_t i = 0; i < n && hex; i++) hex = hexval(buf[i]) >= 0;
    if (hex && n % 2) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "key file %s: %zu hex digits, an odd number (a digit lost?); %s", path, n,
                        KEY_HINT);
        goto out;
    }
    if (hex) {
        for (size_t i = 0; i < n / 2; i++)
            key->bytes[i] = (unsigned char)(hexval(buf[2 * i]) << 4 | hexval(buf[2 * i + 1]));
        key->len = n / 2;
    } else {
        if (n < REGIA_KEY_MIN) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "key file %s: %zu bytes, too short: a key needs at least %d bytes "
                            "(%d hex digits); %s", path, n, REGIA_KEY_MIN, 2 * REGIA_KEY_MIN, KEY_HINT);
            goto out;
        }
        if (n > REGIA_KEY_MAX) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "key file %s: %zu bytes, more than %d (not hex text); is this the key "
                            "file?", path, n, REGIA_KEY_MAX);
            goto out;
        }
        memcpy(key->bytes, buf, n);
        key->len = n;
    }
    key_id(key);
    if (!key->id[0]) st = REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "key file %s: SHA-256 unavailable in OpenSSL", path);
out:
    OPENSSL_cleanse(buf, sizeof buf);
    close(fd);
    if (st) regia_key_wipe(key);
    return st;
}

/* ---- HMAC ---------------------------------------------------------------------------- */

struct regia_mac {
    EVP_MAC *mac;
    EVP_MAC_CTX *keyed; /* keyed once; each MAC works on a copy (EVP_MAC_CTX_dup)      */
    EVP_MAC_CTX *work;  /* reused between calls: re-initialised without a key          */
};

static regia_status_t ossl_fail(const char *what)
{
    return REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "HMAC-SHA-256 (OpenSSL EVP_MAC): %s failed", what);
}

static regia_status_t mac_open(const unsigned char *key, size_t key_len, EVP_MAC **mac, EVP_MAC_CTX **ctx)
{
    char digest[] = "SHA256";
    OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
    *ctx = NULL;
    if (!(*mac = EVP_MAC_fetch(NULL, "HMAC", NULL))) return ossl_fail("EVP_MAC_fetch(\"HMAC\")");
    if (!(*ctx = EVP_MAC_CTX_new(*mac))) return ossl_fail("EVP_MAC_CTX_new");
    /* a key of 0 bytes is a valid HMAC key; OpenSSL wants a non-NULL pointer for it */
    static const unsigned char none[1] = {0};
    if (!EVP_MAC_init(*ctx, key_len ? key : none, key_len, params)) return ossl_fail("EVP_MAC_init");
    return REGIA_OK;
}

regia_status_t regia_hmac_sha256(const unsigned char *key, size_t key_len, const void *msg, size_t msg_len,
                                 unsigned char out[32])
{
    EVP_MAC *mac = NULL;
    EVP_MAC_CTX *ctx = NULL;
    size_t olen = 0;
    regia_status_t st = mac_open(key, key_len, &mac, &ctx);
    if (!st && !EVP_MAC_update(ctx, msg, msg_len)) st = ossl_fail("EVP_MAC_update");
    if (!st && (!EVP_MAC_final(ctx, out, &olen, 32) || olen != 32)) st = ossl_fail("EVP_MAC_final");
    EVP_MAC_CTX_free(ctx); /* clears its key material */
    EVP_MAC_free(mac);
    return st;
}

regia_status_t regia_mac_new(const regia_key_t *key, regia_mac_t **out)
{
    *out = NULL;
    regia_mac_t *m = OPENSSL_zalloc(sizeof *m);
    if (!m) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    regia_status_t st = mac_open(key->bytes, key->len, &m->mac, &m->keyed);
    if (st) {
        regia_mac_free(m);
        return st;
    }
    *out = m;
    return REGIA_OK;
}

/* One MAC under the context's key.  The keyed context is copied into the work context's
 * place only once; after that, EVP_MAC_init with no key restarts the same keyed state
 * (OpenSSL keeps the padded key), which is several times faster than a copy per call.
 * Both give the one-shot result (tests/unit/test_pseudonym.c). */
regia_status_t regia_mac(regia_mac_t *m, const void *msg, size_t msg_len, unsigned char out[32])
{
    size_t olen = 0;
    if (!m->work) {
        if (!(m->work = EVP_MAC_CTX_dup(m->keyed))) return ossl_fail("EVP_MAC_CTX_dup");
    } else if (!EVP_MAC_init(m->work, NULL, 0, NULL)) {
        return ossl_fail("EVP_MAC_init (restart)");
    }
    if (!EVP_MAC_update(m->work, msg, msg_len)) return ossl_fail("EVP_MAC_update");
    if (!EVP_MAC_final(m->work, out, &olen, 32) || olen != 32) return ossl_fail("EVP_MAC_final");
    return REGIA_OK;
}

void regia_mac_free(regia_mac_t *m)
{
    if (!m) return;
    EVP_MAC_CTX_free(m->work);
    EVP_MAC_CTX_free(m->keyed);
    EVP_MAC_free(m->mac);
    OPENSSL_free(m);
}
