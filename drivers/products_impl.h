/* products_impl.h - the skeleton's products step (drivers/products.c), internal to drivers/.
 *
 * A run with a domain that has a products hook (domain.h: regia_products_t) makes its
 * products in a temporary directory OUTPUT_STEM.products.tmp-TOKEN/ beside the output,
 * lists every file in the manifest ("outputs": role, "STEM.products/NAME", SHA-256,
 * title) and renames the directory to OUTPUT_STEM.products/ when the output is committed
 * (an older products directory is replaced), or removes it when the run fails.  regia
 * quicklook makes the same files again from a closed output.  Rank 0 only, no MPI.
 */
#ifndef REGIA_PRODUCTS_IMPL_H
#define REGIA_PRODUCTS_IMPL_H

#include "domain.h"

typedef struct {
    char name[256];   /* a plain file name in the directory */
    char role[64];
    char title[256];
} regia_product_file_t;

typedef struct {
    char dir[4200];        /* the temporary directory the hook writes into ("" : none made) */
    char final_dir[4200];  /* OUTPUT_STEM.products                                          */
    char rel[512];         /* its name beside the manifest ("env_forecast.products")         */
    int n, cap;
    regia_product_file_t *files;
    int made;              /* the hook ran and its files are in dir                          */
    int remove_old;        /* products disabled: an older final_dir is removed at commit     */
    double seconds;        /* time the hook took (manifest timings "products")               */
} regia_products_run_t;

/* The caption of every figure, from the output's global attributes: its acknowledgement
 * (else source), "synthetic data" when synthetic = yes, the run's id and date_created and
 * regia_version.  Not collective; serial nc_open.  An unreadable file is an error naming it. */
regia_status_t regia_products_caption(const char *nc_path, char *buf, size_t cap);

/* Rank 0, no MPI.  Make a fresh temporary directory `tmp_dir` (removed first if a stale
 * one is there), call dom->products on the closed file nc_path with the figure caption
 * from its attributes and the extras given, and check every file the hook registered is
 * in the directory and every file in it is registered.  final_dir is where commit puts it.
 * On error the directory is removed and the message names the domain and the file. */
regia_status_t regia_products_make(regia_products_run_t *pr, const regia_domain_t *dom, const char *nc_path,
                                   const char *output_name, const char *tmp_dir, const char *final_dir,
                                   int max_figures, const regia_log_t *log, int n_extra,
                                   const char *const *extra_path, const char *const *extra_role);

/* The manifest's entries of the products ("outputs": role, "REL/NAME", SHA-256, title),
 * hashed from the temporary directory. */
regia_status_t regia_products_manifest(const regia_products_run_t *pr, regia_manifest_t *m);

/* Rename the temporary directory to final_dir, replacing an older one (all or nothing: the
 * older one is back when the rename fails).  With nothing made and remove_old set, an
 * older final_dir is removed (its files no longer match the output). */
regia_status_t regia_products_commit(regia_products_run_t *pr);

/* Remove the temporary directory and its files (no error when absent). */
void regia_products_abort(regia_products_run_t *pr);

void regia_products_free(regia_products_run_t *pr);

/* Remove a directory tree (products directories only: plain files and subdirectories,
 * no links followed).  Not collective. */
regia_status_t regia_products_rmtree(const char *dir);

/* regia quicklook OUTPUT.nc [--out-dir DIR] (drivers/cmd_quicklook.c): the products made
 * again from a closed output.  Rank 0 works; the status is agreed; returns the exit status. */
int regia_cmd_quicklook(regia_ctx_t *ctx, int argc, char **argv);

#endif
