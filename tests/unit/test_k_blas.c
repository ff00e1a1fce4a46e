/* kernels/blas_info.c: OpenBLAS set to one thread unless the environment says otherwise,
 * the description that the log, the `blas` attribute and the manifest carry, and the
 * generic-kernel test.  The kernels OpenBLAS picks are fixed when it loads, so the test
 * runs itself again with OPENBLAS_CORETYPE=Prescott (the generic kernels) and =Haswell to
 * see regia_blas_generic_kernels() answer both ways on this CPU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "regia/kernels.h"

extern char *openblas_get_corename(void) __attribute__((weak));
/* a BLAS call, so that the test links the BLAS regia links (the weak references alone would
 * not make the linker keep it) and checks it computes */
extern double ddot_(const int *n, const double *x, const int *incx, const double *y, const int *incy);

/* Run this program again with OPENBLAS_CORETYPE=core and REGIA_TEST_BLAS_CHILD set; its
 * exit status is 10 + regia_blas_generic_kernels(), or 1 when the description is wrong. */
static int child_generic(const char *self, const char *core)
{
    pid_t pid = fork();
    if (pid == 0) {
        setenv("OPENBLAS_CORETYPE", core, 1);
        setenv("REGIA_TEST_BLAS_CHILD", core, 1);
        execl(self, self, (char *)NULL);
        _exit(127);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws)) return -1;
    return WEXITSTATUS(ws);
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *child = getenv("REGIA_TEST_BLAS_CHILD");
    if (child) { /* the re-run: the kernels named must be the ones asked for */
        char d[96];
        regia_blas_describe(d, sizeof d);
        if (!strstr(d, child)) {
            fprintf(stderr, "OPENBLAS_CORETYPE=%s, described as '%s'\n", child, d);
            return 1;
        }
        return 10 + regia_blas_generic_kernels();
    }
    const double x[3] = {1, 2, 3}, y[3] = {4, -5, 6};
    const int n = 3, one = 1;
    CHECK_CLOSE(ddot_(&n, x, &one, y, &one), 12.0, 0, 1e-15);
    if (!openblas_get_corename) SKIP("the BLAS linked is not OpenBLAS: nothing of kernels/blas_info.c to test");

    char d[96];
    unsetenv("OPENBLAS_NUM_THREADS");
    unsetenv("GOTO_NUM_THREADS");
    CHECK(regia_blas_single_thread() == 1);
    regia_blas_describe(d, sizeof d);
    CHECK_MSG(!strncmp(d, "OpenBLAS 0.", 11) && strstr(d, " kernels, 1 thread") && !strstr(d, "threads"),
              "description '%s'", d);
    CHECK_MSG(strstr(d, openblas_get_corename()) != NULL, "'%s' does not name the kernels %s", d,
              openblas_get_corename());
    printf("blas: %s\n", d);

    /* the environment's choice is left alone */
    setenv("OPENBLAS_NUM_THREADS", "2", 1);
    CHECK(regia_blas_single_thread() == 0);
    unsetenv("OPENBLAS_NUM_THREADS");
    setenv("GOTO_NUM_THREADS", "3", 1);
    CHECK(regia_blas_single_thread() == 0);
    unsetenv("GOTO_NUM_THREADS");

    /* a truncated buffer is still a string */
    char small[12];
    regia_blas_describe(small, sizeof small);
    CHECK(strlen(small) == sizeof small - 1 && !strncmp(small, "OpenBLAS 0.", sizeof small - 1));

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("avx2")) {
        int p = child_generic(argv[0], "Prescott"), h = child_generic(argv[0], "Haswell");
        CHECK_MSG(p == 11, "OPENBLAS_CORETYPE=Prescott on a CPU with AVX2: child status %d, want 11 (generic)", p);
        CHECK_MSG(h == 10, "OPENBLAS_CORETYPE=Haswell: child status %d, want 10 (not generic)", h);
    } else {
        printf("no AVX2 on this CPU: the generic-kernel answer is always 0, not tested\n");
        CHECK(regia_blas_generic_kernels() == 0);
    }
#endif
    return check_done();
}
