/* regia/fileutil.h - whole-file reads and SHA-256: runtime pieces every layer uses.
 * Host-only; not collective; thread-safe. */
#ifndef REGIA_FILEUTIL_H
#define REGIA_FILEUTIL_H

#include <stddef.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read a whole file into a NUL-terminated buffer (caller frees).  Files over `max_bytes`
 * are refused.  Errors name the file and the reason (missing, unreadable, too large). */
regia_status_t regia_read_file(const char *path, size_t max_bytes, char **data, size_t *len);

/* SHA-256 as 64 lower-case hex digits (OpenSSL EVP). */
void regia_sha256_buf(const void *data, size_t len, char hex[65]);
regia_status_t regia_sha256_file(const char *path, char hex[65]);

#ifdef __cplusplus
}
#endif
#endif
