/* Whole-file reads and SHA-256 (see regia/fileutil.h). */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "regia/fileutil.h"

regia_status_t regia_read_file(const char *path, size_t max_bytes, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) return REGIA_FAIL(REGIA_ERR_IO, "%s: is a directory, not a file", path);
    if ((size_t)sb.st_size > max_bytes)
        return REGIA_FAIL(REGIA_ERR_IO, "%s: too large (%lld bytes, at most %zu)", path,
                          (long long)sb.st_size, max_bytes);
    FILE *f = fopen(path, "rb");
    if (!f) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc((size_t)sb.st_size + 1);
    if (!buf) { fclose(f); return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path); }
    size_t n = fread(buf, 1, (size_t)sb.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); return REGIA_FAIL(REGIA_ERR_IO, "%s: read error", path); }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return REGIA_OK;
}

static void to_hex(const unsigned char *md, char hex[65])
{
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
}

void regia_sha256_buf(const void *data, size_t len, char hex[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    to_hex(md, hex);
}

regia_status_t regia_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open for hashing: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    static _Thread_local unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(ctx, buf, n);
    int bad = ferror(f);
    fclose(f);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (bad) return REGIA_FAIL(REGIA_ERR_IO, "%s: read error while hashing", path);
    to_hex(md, hex);
    return REGIA_OK;
}

