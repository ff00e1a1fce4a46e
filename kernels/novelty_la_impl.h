/* novelty_la_impl.h - what every backend's novelty_la op shares (internal to kernels/):
 * the sign convention of the right singular vectors.  Contract in regia/novelty.h. */
#ifndef REGIA_NOVELTY_LA_IMPL_H
#define REGIA_NOVELTY_LA_IMPL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flip the sign of each row k of vt (cols x cols, row-major) so that its entry of largest
 * magnitude (the first such) is positive: singular vectors are defined up to sign, and
 * LAPACK and cuSOLVER choose differently. */
void regia_nla_sign_rows(double *vt, int32_t cols);

#ifdef __cplusplus
}
#endif
#endif
