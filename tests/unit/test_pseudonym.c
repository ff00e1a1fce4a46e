/* test_pseudonym.c - HMAC-SHA-256 and key files (runtime/pseudonym.c).
 *
 * Expected MACs are the published RFC 4231 test vectors (cases 1-4, 6, 7; case 5 is a
 * truncated output, which regia does not use).  Key-file refusals: missing, group- or
 * world-readable, not owned by the caller, empty, too short, odd hex, not a regular file,
 * too long; every message is checked to name the file and never to contain the key text. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "regia/pseudonym.h"

static void hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

typedef struct {
    unsigned char key[131];
    size_t klen;
    unsigned char msg[160];
    size_t mlen;
    const char *want;
} vec_t;

static char dir[] = "/tmp/regia-pseudo.XXXXXX";

static const char *write_key(const char *name, const void *data, size_t n, mode_t mode)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return path;
    fwrite(data, 1, n, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

/* The key file must be refused with a message containing `why` and the path, and none of
 * the file's bytes (`secret`, when given). */
static void key_bad(const char *path, const char *why, const char *secret)
{
    regia_key_t k;
    memset(&k, 0x5a, sizeof k);
    regia_status_t st = regia_key_read(path, &k);
    CHECK_MSG(st != REGIA_OK, "%s accepted", path);
    if (st == REGIA_OK) return;
    const char *msg = regia_error_msg();
    CHECK_MSG(strstr(msg, why) != NULL, "message for %s lacks '%s': %s", path, why, msg);
    CHECK_MSG(strstr(msg, path) != NULL, "message does not name %s: %s", path, msg);
    if (secret) CHECK_MSG(strstr(msg, secret) == NULL, "message shows the key text: %s", msg);
    size_t z = 0;
    for (size_t i = 0; i < sizeof k.bytes; i++) z += k.bytes[i] != 0;
    CHECK_MSG(z == 0 && k.len == 0, "key not wiped after a refusal (%zu bytes left)", z);
}

int main(void)
{
    /* ---- RFC 4231 ---------------------------------------------------------------------- */
    static vec_t v[6];
    memset(v, 0, sizeof v);
    memset(v[0].key, 0x0b, 20), v[0].klen = 20;
    memcpy(v[0].msg, "Hi There", 8), v[0].mlen = 8;
    v[0].want = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
    memcpy(v[1].key, "Jefe", 4), v[1].klen = 4;
    memcpy(v[1].msg, "what do ya want for nothing?", 28), v[1].mlen = 28;
    v[1].want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    memset(v[2].key, 0xaa, 20), v[2].klen = 20;
    memset(v[2].msg, 0xdd, 50), v[2].mlen = 50;
    v[2].want = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";
    for (int i = 0; i < 25; i++) v[3].key[i] = (unsigned char)(i + 1);
    v[3].klen = 25;
    memset(v[3].msg, 0xcd, 50), v[3].mlen = 50;
    v[3].want = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b";
    static const char m6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    memset(v[4].key, 0xaa, 131), v[4].klen = 131;
    memcpy(v[4].msg, m6, sizeof m6 - 1), v[4].mlen = sizeof m6 - 1;
    v[4].want = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
    static const char m7[] = "This is a test using a larger than block-size key and a larger than block-size data. "
                             "The key needs to be hashed before being used by the HMAC algorithm.";
    memset(v[5].key, 0xaa, 131), v[5].klen = 131;
    memcpy(v[5].msg, m7, sizeof m7 - 1), v[5].mlen = sizeof m7 - 1;
    v[5].want = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";
    static const int rfc_case[6] = {1, 2, 3, 4, 6, 7};
    for (int c = 0; c < 6; c++) {
        unsigned char out[32];
        char h[65];
        CHECK_OK(regia_hmac_sha256(v[c].key, v[c].klen, v[c].msg, v[c].mlen, out));
        hex(out, 32, h);
        CHECK_MSG(!strcmp(h, v[c].want), "RFC 4231 case %d (one-shot): %s, expected %s", rfc_case[c], h, v[c].want);
        /* the reusable context gives the same MAC, also on its second and third use */
        regia_key_t k = {{0}, 0, ""};
        memcpy(k.bytes, v[c].key, v[c].klen);
        k.len = v[c].klen;
        regia_mac_t *m = NULL;
        CHECK_OK(regia_mac_new(&k, &m));
        for (int rep = 0; rep < 3 && m; rep++) {
            memset(out, 0, sizeof out);
            CHECK_OK(regia_mac(m, v[c].msg, v[c].mlen, out));
            hex(out, 32, h);
            CHECK_MSG(!strcmp(h, v[c].want), "RFC 4231 case %d (context, use %d): %s", rfc_case[c], rep + 1, h);
        }
        regia_mac_free(m);
        regia_key_wipe(&k);
    }

    /* ---- reusable context == one-shot on many messages, interleaved ------------------- */
    {
        regia_key_t k = {{0}, 0, ""};
        for (int i = 0; i < 32; i++) k.bytes[i] = (unsigned char)(37 * i + 11);
        k.len = 32;
        regia_mac_t *m = NULL;
        CHECK_OK(regia_mac_new(&k, &m));
        int same = 1, differ = 1;
        unsigned char prev[32] = {0};
        for (int i = 0; i < 500 && m; i++) {
            char msg[64];
            int n = snprintf(msg, sizeof msg, "%s%d", i % 2 ? "rx:" : "RSSMRA80A01H501", i);
            unsigned char a[32], b[32];
            regia_mac(m, msg, (size_t)n, a);
            regia_hmac_sha256(k.bytes, k.len, msg, (size_t)n, b);
            same &= !memcmp(a, b, 32);
            differ &= memcmp(a, prev, 32) != 0;
            memcpy(prev, a, 32);
        }
        CHECK_MSG(same, "the reusable context differs from one-shot HMAC");
        CHECK_MSG(differ, "two consecutive messages gave the same MAC");
        /* an empty message is a valid input */
        unsigned char a[32], b[32];
        CHECK_OK(regia_mac(m, "", 0, a));
        CHECK_OK(regia_hmac_sha256(k.bytes, k.len, "", 0, b));
        CHECK(!memcmp(a, b, 32));
        /* speed, for the record (the ingest makes two MACs a booking) */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        enum { N = 200000 };
        for (int i = 0; i < N; i++) regia_mac(m, "RSSMRA80A01H501Z", 16, a);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        fprintf(stderr, "reusable context: %.2f M MACs/s\n", N / s / 1e6);
        regia_mac_free(m);
        regia_key_wipe(&k);
        size_t z = 0;
        for (size_t i = 0; i < sizeof k.bytes; i++) z += k.bytes[i];
        CHECK(z == 0 && k.len == 0);
    }

    /* ---- key files ---------------------------------------------------------------------- */
    if (!mkdtemp(dir)) SKIP("no temporary directory");
    {
        static const char hex64[] = "00112233445566778899aabbccddeeff0123456789abcdef0123456789ABCDEF\n";
        const char *p = write_key("good.key", hex64, sizeof hex64 - 1, 0600);
        regia_key_t k;
        CHECK_OK(regia_key_read(p, &k));
        CHECK(k.len == 32);
        CHECK(k.bytes[0] == 0x00 && k.bytes[1] == 0x11 && k.bytes[15] == 0xff && k.bytes[31] == 0xef);
        CHECK(strlen(k.id) == 16);
        char id1[17];
        snprintf(id1, sizeof id1, "%s", k.id);
        /* the id names the key and not its bytes */
        char kh[65];
        hex(k.bytes, 32, kh);
        CHECK(strstr(kh, id1) == NULL);
        regia_key_wipe(&k);
        /* the same key without the newline, and with CRLF: the same id */
        p = write_key("good2.key", hex64, sizeof hex64 - 2, 0400);
        CHECK_OK(regia_key_read(p, &k));
        CHECK(k.len == 32 && !strcmp(k.id, id1));
        regia_key_wipe(&k);
        char crlf[80];
        snprintf(crlf, sizeof crlf, "%.64s\r\n", hex64);
        p = write_key("crlf.key", crlf, strlen(crlf), 0600);
        CHECK_OK(regia_key_read(p, &k));
        CHECK(k.len == 32 && !strcmp(k.id, id1));
        regia_key_wipe(&k);
        /* a raw (binary) key of 20 bytes is used as it is */
        unsigned char raw[20];
        for (int i = 0; i < 20; i++) raw[i] = (unsigned char)(200 + i);
        p = write_key("raw.key", raw, 20, 0600);
        CHECK_OK(regia_key_read(p, &k));
        CHECK(k.len == 20 && !memcmp(k.bytes, raw, 20) && strcmp(k.id, id1));
        regia_key_wipe(&k);
        /* a different key: a different id */
        p = write_key("other.key", "ffffffffffffffffffffffffffffffff", 32, 0600);
        CHECK_OK(regia_key_read(p, &k));
        CHECK(k.len == 16 && strcmp(k.id, id1));
        regia_key_wipe(&k);
    }
    {
        static const char sec[] = "s3cr3t-k3y-t3xt-0123456789-abcdefghij";
        char path[256];
        snprintf(path, sizeof path, "%s/missing.key", dir);
        key_bad(path, "cannot open", NULL);
        key_bad(write_key("world.key", sec, sizeof sec - 1, 0644), "chmod 600", "s3cr3t");
        key_bad(write_key("group.key", sec, sizeof sec - 1, 0640), "group or others", "s3cr3t");
        key_bad(write_key("groupw.key", sec, sizeof sec - 1, 0620), "group or others", "s3cr3t");
        key_bad(write_key("empty.key", "", 0, 0600), "empty", NULL);
        key_bad(write_key("nl.key", "\n", 1, 0600), "empty", NULL);
        key_bad(write_key("short.key", "hunter2\n", 8, 0600), "too short", "hunter2");
        key_bad(write_key("short15.key", "abcdefghijklmno", 15, 0600), "too short", "abcdefghijklmno");
        key_bad(write_key("odd.key", "0123456789abcdef0123456789abcdef0", 33, 0600), "odd", "0123456789");
        static char big[3000];
        memset(big, 'Q', sizeof big);
        key_bad(write_key("big.key", big, sizeof big, 0600), "longer than", "QQQQ");
        snprintf(path, sizeof path, "%s/adir", dir);
        mkdir(path, 0700);
        key_bad(path, "not a regular file", NULL);
        key_bad("", "no key file", NULL);
        if (geteuid() == 0) { /* as root: a file of another user */
            const char *p = write_key("theirs.key", sec, sizeof sec - 1, 0600);
            if (chown(p, 12345, 12345) == 0) key_bad(p, "owned by uid 12345", "s3cr3t");
        }
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return check_done();
}
