/* npy.c - the NumPy .npy reader of regia/npy.h (2-D float64 or float32, read as double). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "regia/npy.h"

/* The value text after 'key': in the header dict (NULL when absent). */
static const char *dict_value(const char *hdr, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(hdr, pat);
    if (!p) {
        snprintf(pat, sizeof pat, "\"%s\"", key);
        p = strstr(hdr, pat);
    }
    if (!p) return NULL;
    p += strlen(pat);
    while (*p == ' ') p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

regia_status_t regia_npy_read_f64_2d(const char *path, int64_t *rows, int64_t *cols, double **data)
{
    regia_status_t st = REGIA_OK;
    FILE *f = NULL;
    char *hdr = NULL;
    double *x = NULL, *t = NULL;
    *data = NULL;
    *rows = *cols = 0;
    f = fopen(path, "rb");
    if (!f) {
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        goto err;
    }
    unsigned char pre[12];
    size_t got = fread(pre, 1, 10, f);
    if (got < 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a NumPy .npy file (no \\x93NUMPY magic)", path);
        goto err;
    }
    int major = pre[6];
    uint32_t hlen;
    if (major == 1) {
        hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
    } else if (major == 2 || major == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: .npy header truncated", path);
            goto err;
        }
        hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8 | (uint32_t)pre[10] << 16 |
               (uint32_t)pre[11] << 24;
    } else {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: .npy format version %d.%d not supported (1, 2, 3)",
                        path, major, pre[7]);
        goto err;
    }
    if (hlen > (1u << 20)) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: .npy header of %u bytes (corrupt?)", path, hlen);
        goto err;
    }
    hdr = malloc(hlen + 1);
    if (!hdr) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path);
        goto err;
    }
    if (fread(hdr, 1, hlen, f) != hlen) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: .npy header truncated (%u bytes announced)", path, hlen);
        goto err;
    }
    hdr[hlen] = 0;
    const char *d = dict_value(hdr, "descr"), *fo = dict_value(hdr, "fortran_order"),
               *sh = dict_value(hdr, "shape");
    if (!d || !fo || !sh) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: .npy header lacks %s: %.200s", path,
                        !d ? "'descr'" : !fo ? "'fortran_order'" : "'shape'", hdr);
        goto err;
    }
    /* float64 or float32, either byte order ('=' and '|' are the host's: little-endian) */
    int swap = 0, esize = 0;
    if (d[0] == '\'' && strchr("<>=|", d[1]) && d[2] == 'f' && (d[3] == '8' || d[3] == '4') && d[4] == '\'') {
        swap = d[1] == '>';
        esize = d[3] - '0';
    } else {
        char dt[24] = "";
        sscanf(d, "%23[^,}]", dt);
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: dtype %s not supported (float64 or float32: '<f8', '>f8', '<f4', "
                        "'>f4'; y.astype(np.float64) for others)", path, dt);
        goto err;
    }
    int fortran = !strncmp(fo, "True", 4);
    if (!fortran && strncmp(fo, "False", 5)) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: fortran_order is neither True nor False", path);
        goto err;
    }
    long long r = -1, c = -1;
    char close = 0;
    int nf = sscanf(sh, "(%lld , %lld %c", &r, &c, &close);
    if (nf < 2 || r < 0 || c < 0 || (nf == 3 && close != ')' && close != ',')) {
        char s[40] = "";
        sscanf(sh, "%39[^)]", s);
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: shape %s) is not 2-D (samples x channels expected)",
                        path, s);
        goto err;
    }
    {   /* a third dimension after the second comma? */
        const char *p = strchr(sh, ',');
        p = p ? strchr(p + 1, ',') : NULL;
        const char *e = strchr(sh, ')');
        if (p && e && p < e) {
            const char *q = p + 1;
            while (*q == ' ') q++;
            if (*q != ')') {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: the array has more than 2 dimensions "
                                "(samples x channels expected)", path);
                goto err;
            }
        }
    }
    if (r == 0 || c == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: empty array (%lld x %lld)", path, r, c);
        goto err;
    }
    {   /* the shape against the bytes the file holds after its header (and no overflow) */
        struct stat sb;
        long pos = ftell(f);
        if (pos < 0 || fstat(fileno(f), &sb) != 0) {
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot tell the file's size: %s", path, strerror(errno));
            goto err;
        }
        const long long have = sb.st_size > pos ? (long long)(sb.st_size - pos) / esize : 0;
        if (r > have / c) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: data truncated: the shape (%lld, %lld) needs %lld x %lld values, "
                            "the file holds %lld", path, r, c, r, c, have);
            goto err;
        }
    }
    size_t n = (size_t)r * (size_t)c;
    x = malloc(n * sizeof *x);
    if (!x) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory for %lld x %lld values", path, r, c);
        goto err;
    }
    /* float32 is read into the upper half of x and widened in place, front to back */
    unsigned char *raw = (unsigned char *)x + (esize == 4 ? n * 4 : 0);
    got = fread(raw, (size_t)esize, n, f);
    if (got != n) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: data truncated: %zu of %lld x %lld values", path, got,
                        r, c);
        goto err;
    }
    if (swap)
        for (size_t k = 0; k < n; k++) {
            unsigned char *b = raw + k * (size_t)esize;
            for (int q = 0; q < esize / 2; q++) {
                unsigned char tmp = b[q];
                b[q] = b[esize - 1 - q];
                b[esize - 1 - q] = tmp;
            }
        }
    if (esize == 4)
        for (size_t k = 0; k < n; k++) {
            float v;
            memcpy(&v, raw + k * 4, 4);
            x[k] = v;
        }
    if (fortran) {
        t = malloc(n * sizeof *t);
        if (!t) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path);
            goto err;
        }
        for (long long i = 0; i < r; i++)
            for (long long j = 0; j < c; j++) t[i * c + j] = x[j * r + i];
        free(x);
        x = t;
        t = NULL;
    }
    *rows = r;
    *cols = c;
    *data = x;
    x = NULL;
err:
    if (f) fclose(f);
    free(hdr);
    free(x);
    free(t);
    return st;
}
