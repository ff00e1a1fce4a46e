/* generic_products.h - what the products hooks of the generic tools (regia forecast, evt,
 * queue: forecast_products.c, evt_products.c, queue_products.c) share: reading the closed
 * output (serial netCDF, NC_NOWRITE) and registering tables and figures with the products
 * step (domain.h, regia_products_t).  Internal to drivers/.  Not collective, no MPI: rank 0
 * of the products step only.
 */
#ifndef REGIA_GENERIC_PRODUCTS_H
#define REGIA_GENERIC_PRODUCTS_H

#include <stddef.h>

#include "domain.h"
#include "regia/plot.h"
#include "regia/table.h"

/* The hooks (table entries of cmd_forecast.c, cmd_evt.c, cmd_queue.c). */
regia_status_t fc_products(regia_products_t *p);
regia_status_t evt_products(regia_products_t *p);
regia_status_t queue_products(regia_products_t *p);

/* The length of dimension `name`; an error naming the file when it has none. */
regia_status_t gp_dim(int ncid, const char *path, const char *name, size_t *len);

/* 1 when group ncid has a variable `name`. */
int gp_has(int ncid, const char *name);

/* Read numeric variable `name` of group ncid whole, as doubles, into *out (malloc'ed,
 * the caller's); values equal to its _FillValue become NaN.  `dims`: its dimension names,
 * blank-separated ("time series"); an error naming the file, variable and both lists when
 * they differ (an output of another layout or version). */
regia_status_t gp_read(int ncid, const char *path, const char *name, const char *dims, double **out);

/* As gp_read, for a 2-D variable (A, N) whose item dimension N is last (time or another
 * axis first, as CDO reads it): *out holds it item-major, out[i * A + a] = var[a][i]. */
regia_status_t gp_read_item_first(int ncid, const char *path, const char *name, const char *dims, double **out);

/* The id of variable `name` of group ncid, whose dimensions must be `dims` (as gp_read). */
regia_status_t gp_var(int ncid, const char *path, const char *name, const char *dims, int *vid);

/* Read char variable `name` (n, strlen) as n NUL-terminated strings: *out[i] (one malloc'ed
 * block, freed by free(*out)). */
regia_status_t gp_read_text(int ncid, const char *path, const char *name, size_t *n, char ***out);

/* Text attribute `att` of variable vid (NC_GLOBAL) into buf; "" when it has none. */
void gp_att_text(int ncid, int vid, const char *att, char *buf, size_t cap);

/* Open table FILE in p->dir (regia/table.h); register it with gp_table_close. */
regia_status_t gp_table_open(regia_products_t *p, const char *file, const char *const *cols, int ncol,
                             regia_table_t **t);
/* Close the table (regia_table_close) and register FILE with `role` and `title`. */
regia_status_t gp_table_close(regia_products_t *p, regia_table_t *t, const char *file, const char *role,
                              const char *title);

/* Save fig as p->dir/STEM.png and STEM.svg and register both ("quicklook",
 * "quicklook-svg") with `title`.  Does not free fig. */
regia_status_t gp_fig_save(regia_products_t *p, regia_fig_t *fig, const char *stem, const char *title);

/* Order of n values, largest first (NaN last): idx[0..n) (malloc'ed, the caller's). */
regia_status_t gp_order_desc(const double *v, size_t n, size_t **idx);

#endif
