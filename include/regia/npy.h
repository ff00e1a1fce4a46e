/* regia/npy.h - reader of NumPy .npy files holding a 2-D array of float64 (format
 * versions 1.0, 2.0 and 3.0 of numpy.lib.format, NumPy 2.1: the magic "\x93NUMPY", a
 * major and minor version byte, a little-endian header length of 2 (v1) or 4 (v2, v3)
 * bytes, then a Python dict literal with 'descr', 'fortran_order' and 'shape', padded
 * with blanks to a multiple of 64 bytes and ended by '\n'; the data follow).
 * Accepted descr: '<f8', '>f8', '<f4', '>f4' (and '=' / '|' for '<': little-endian
 * hosts); big-endian data are byte-swapped and float32 widened to double exactly on
 * reading; C or Fortran order.  Host only, not collective, thread-safe. */
#ifndef REGIA_NPY_H
#define REGIA_NPY_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read the 2-D float64 (or float32, widened) array of `path`: *rows x *cols values into *data (malloc'ed,
 * row-major: data[r * cols + c], whatever the file's order; the caller frees it).
 * Errors (REGIA_ERR_IO, REGIA_ERR_PARSE, REGIA_ERR_NOMEM) name the file and what is wrong:
 * not a .npy file, an unsupported version or dtype, not 2-D, a truncated data part. */
regia_status_t regia_npy_read_f64_2d(const char *path, int64_t *rows, int64_t *cols, double **data);

#ifdef __cplusplus
}
#endif
#endif
