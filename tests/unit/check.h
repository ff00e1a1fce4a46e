/* check.h - the tiny assertion kit of regia's unit tests.
 *
 * A test program is a main() that calls CHECK* macros and ends with `return check_done();`.
 * Exit status: 0 all checks passed, 1 some failed, 77 skipped (SKIP("why")).
 * tests/run.sh runs every build/tests/test_* program and counts the results.
 */
#ifndef REGIA_CHECK_H
#define REGIA_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures_ = 0, check_count_ = 0;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        check_count_++;                                                                 \
        if (!(cond)) {                                                                  \
            check_failures_++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                               \
    } while (0)

#define CHECK_MSG(cond, ...)                                                            \
    do {                                                                                \
        check_count_++;                                                                 \
        if (!(cond)) {                                                                  \
            check_failures_++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                               \
            fputc('\n', stderr);                                                        \
        }                                                                               \
    } while (0)

/* |got - want| <= atol + rtol * |want|; NaN never passes unless both are NaN. */
#define CHECK_CLOSE(got, want, rtol, atol)                                              \
    do {                                                                                \
        double g_ = (got), w_ = (want);                                                 \
        int ok_ = (isnan(g_) && isnan(w_)) ||                                           \
                  (fabs(g_ - w_) <= (atol) + (rtol) * fabs(w_));                        \
        check_count_++;                                                                 \
        if (!ok_) {                                                                     \
            check_failures_++;                                                          \
            fprintf(stderr, "%s:%d: CHECK_CLOSE failed: %s = %.10g, expected %.10g\n",  \
                    __FILE__, __LINE__, #got, g_, w_);                                  \
        }                                                                               \
    } while (0)

#define CHECK_OK(expr)                                                                  \
    do {                                                                                \
        int st_ = (int)(expr);                                                          \
        check_count_++;                                                                 \
        if (st_ != 0) {                                                                 \
            check_failures_++;                                                          \
            fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr,   \
                    st_, regia_error_msg());                                            \
        }                                                                               \
    } while (0)

#define SKIP(why)                                                                       \
    do {                                                                                \
        fprintf(stderr, "skipped: %s\n", why);                                          \
        exit(77);                                                                       \
    } while (0)

static inline int check_done(void)
{
    fprintf(stderr, "%d checks, %d failed\n", check_count_, check_failures_);
    return check_failures_ ? 1 : 0;
}

#endif
