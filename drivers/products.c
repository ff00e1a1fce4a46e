/* The products step of the run skeleton and of regia quicklook (see products_impl.h). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netcdf.h>

#include "products_impl.h"

/* ---- caption -------------------------------------------------------------------------- */

/* Global text attribute `name` into buf ("" when absent). */
static void gatt(int ncid, const char *name, char *buf, size_t cap)
{
    size_t len = 0;
    nc_type t;
    buf[0] = '\0';
    if (nc_inq_att(ncid, NC_GLOBAL, name, &t, &len) != NC_NOERR || t != NC_CHAR) return;
    char *v = malloc(len + 1);
    if (!v) return;
    if (nc_get_att_text(ncid, NC_GLOBAL, name, v) == NC_NOERR) {
        v[len] = '\0';
        snprintf(buf, cap, "%s", v);
    }
    free(v);
}

regia_status_t regia_products_caption(const char *nc_path, char *buf, size_t cap)
{
    int ncid, rc = nc_open(nc_path, NC_NOWRITE, &ncid);
    if (rc != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_NETCDF, "products: cannot open %s: %s", nc_path, nc_strerror(rc));
    char ack[600], id[200], created[64], version[64], synth[16];
    gatt(ncid, "acknowledgement", ack, sizeof ack);
    if (!ack[0]) gatt(ncid, "source", ack, sizeof ack);
    gatt(ncid, "id", id, sizeof id);
    gatt(ncid, "date_created", created, sizeof created);
    gatt(ncid, "regia_version", version, sizeof version);
    gatt(ncid, "synthetic", synth, sizeof synth); /* "yes" ("true" in sensors outputs before 2026-12-04) */
    if (!synth[0]) gatt(ncid, "synthetic_data", synth, sizeof synth); /* waitlist */
    nc_close(ncid);
    /* about 170 characters fit under a 1200-pixel figure */
    if (strlen(ack) > 110) snprintf(ack + 104, sizeof ack - 104, " [...]");
    int synthetic = (!strcmp(synth, "yes") || !strcmp(synth, "true") || !strcmp(synth, "1")) &&
                    !strstr(ack, "synthetic");
    snprintf(buf, cap, "%s%s%s | run %s, %s | regia %s", synthetic ? "SYNTHETIC DATA. " : "", ack[0] ? "" : "Data: ",
             ack[0] ? ack : "not stated", id[0] ? id : "(no id)", created[0] ? created : "(no date)",
             version[0] ? version : "?");
    return REGIA_OK;
}

/* ---- removal -------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    int rc = (flag == FTW_DP) ? rmdir(path) : unlink(path);
    return rc != 0 && errno != ENOENT ? -1 : 0;
}

/* 0, or -1 with errno (no message: cleanup after another error keeps that error's). */
static int rmtree_raw(const char *dir)
{
    struct stat sb;
    if (lstat(dir, &sb) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(sb.st_mode)) return unlink(dir);
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 ? -1 : 0;
}

regia_status_t regia_products_rmtree(const char *dir)
{
    if (rmtree_raw(dir) != 0)
        return REGIA_FAIL(REGIA_ERR_IO, "cannot remove %s: %s", dir, strerror(errno));
    return REGIA_OK;
}

/* ---- the hook's add ------------------------------------------------------------------- */

static regia_status_t add_file(regia_products_t *p, const char *file, const char *role, const char *title)
{
    regia_products_run_t *pr = p->priv;
    if (!file || !*file || strchr(file, '/') || file[0] == '.' || strlen(file) >= sizeof pr->files[0].name)
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "products: '%s' is not a plain file name (no '/', not starting with '.', under 256 bytes)",
                          file ? file : "(null)");
    if (!role || !*role || strlen(role) >= sizeof pr->files[0].role)
        return REGIA_FAIL(REGIA_ERR_INVALID, "products: %s registered without a role", file);
    for (int i = 0; i < pr->n; i++)
        if (!strcmp(pr->files[i].name, file))
            return REGIA_FAIL(REGIA_ERR_INVALID, "products: %s registered twice", file);
    char path[4600];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", pr->dir, file);
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return REGIA_FAIL(REGIA_ERR_IO, "products: %s registered but not written in %s", file, pr->dir);
    if (pr->n == pr->cap) {
        int cap = pr->cap ? 2 * pr->cap : 32;
        regia_product_file_t *f = realloc(pr->files, (size_t)cap * sizeof *f);
        if (!f) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory registering the product %s", file);
        pr->files = f;
        pr->cap = cap;
    }
    regia_product_file_t *f = &pr->files[pr->n++];
    snprintf(f->name, sizeof f->name, "%s", file);
    snprintf(f->role, sizeof f->role, "%s", role);
    snprintf(f->title, sizeof f->title, "%s", title ? title : "");
    return REGIA_OK;
}

/* Every file in the directory is registered (a file a hook forgot would be published
 * without a checksum). */
static regia_status_t check_listed(const regia_products_run_t *pr, const char *domain)
{
    DIR *d = opendir(pr->dir);
    if (!d) return REGIA_FAIL(REGIA_ERR_IO, "products: cannot read the directory %s: %s", pr->dir, strerror(errno));
    regia_status_t st = REGIA_OK;
    struct dirent *e;
    while (!st && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        int found = 0;
        for (int i = 0; i < pr->n && !found; i++) found = !strcmp(pr->files[i].name, e->d_name);
        if (!found)
            st = REGIA_FAIL(REGIA_ERR_INVALID, "products of regia %s: %s/%s was written but not registered (p->add)",
                            domain, pr->dir, e->d_name);
    }
    closedir(d);
    return st;
}

regia_status_t regia_products_make(regia_products_run_t *pr, const regia_domain_t *dom, const char *nc_path,
                                   const char *output_name, const char *tmp_dir, const char *final_dir,
                                   int max_figures, const regia_log_t *log, int n_extra,
                                   const char *const *extra_path, const char *const *extra_role)
{
    regia_status_t st = REGIA_OK;
    char caption[1024];
    pr->n = 0;
    pr->made = 0;
    snprintf(pr->dir, sizeof pr->dir, "%s", tmp_dir);
    snprintf(pr->final_dir, sizeof pr->final_dir, "%s", final_dir);
    snprintf(pr->rel, sizeof pr->rel, "%s", regia_file_name(final_dir));
    if (!dom->products) return REGIA_FAIL(REGIA_ERR_INVALID, "regia %s makes no products", dom->name);
    {   /* an earlier run's products directory is replaced at commit; anything else is not ours */
        struct stat sb;
        if (lstat(final_dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
            return REGIA_FAIL(REGIA_ERR_INVALID, "products: %s exists and is not a directory: regia will not replace "
                              "it (move it away, or run with --products=no)", final_dir);
    }
    REGIA_TRY(regia_products_caption(nc_path, caption, sizeof caption));
    REGIA_TRY(regia_products_rmtree(tmp_dir)); /* a stale one of a killed run with the same pid */
    if (mkdir(tmp_dir, 0777) != 0) {
        st = REGIA_FAIL(REGIA_ERR_IO, "products: cannot create the directory %s: %s", tmp_dir, strerror(errno));
        pr->dir[0] = '\0';
        goto err;
    }
    regia_products_t p;
    memset(&p, 0, sizeof p);
    p.nc_path = nc_path;
    p.output_name = output_name;
    p.dir = pr->dir;
    p.caption = caption;
    p.max_figures = max_figures;
    p.log = log;
    p.n_extra = n_extra > REGIA_MAX_EXTRA ? REGIA_MAX_EXTRA : n_extra;
    for (int i = 0; i < p.n_extra; i++) {
        p.extra_path[i] = extra_path[i];
        p.extra_role[i] = extra_role[i];
    }
    p.add = add_file;
    p.priv = pr;
    st = dom->products(&p);
    if (st) {
        regia_error_prefix("products of regia %s (%s): ", dom->name, output_name);
        goto err;
    }
    REGIA_TRY(check_listed(pr, dom->name));
    pr->made = 1;
    return REGIA_OK;
err:
    regia_products_abort(pr);
    return st;
}

regia_status_t regia_products_manifest(const regia_products_run_t *pr, regia_manifest_t *m)
{
    regia_status_t st = REGIA_OK;
    if (!pr->made) return REGIA_OK;
    for (int i = 0; i < pr->n && !st; i++) {
        char rel[1024], path[4600];
        snprintf(rel, sizeof rel, "%s/%s", pr->rel, pr->files[i].name);
        snprintf(path, sizeof path, "%s/%s", pr->dir, pr->files[i].name);
        st = regia_manifest_product(m, pr->files[i].role, rel, path, pr->files[i].title);
    }
    return st;
}

regia_status_t regia_products_commit(regia_products_run_t *pr)
{
    struct stat sb;
    int old = lstat(pr->final_dir, &sb) == 0;
    if (!pr->made) {
        if (pr->remove_old && old) return regia_products_rmtree(pr->final_dir);
        return REGIA_OK;
    }
    char aside[4300] = "";
    if (old) {
        snprintf(aside, sizeof aside, "%s.old-%ld", pr->final_dir, (long)getpid());
        rmtree_raw(aside);
        if (rename(pr->final_dir, aside) != 0)
            return REGIA_FAIL(REGIA_ERR_IO, "products: cannot move the older %s aside: %s", pr->final_dir,
                              strerror(errno));
    }
    if (rename(pr->dir, pr->final_dir) != 0) {
        regia_status_t st = REGIA_FAIL(REGIA_ERR_IO, "products: cannot rename %s to %s: %s", pr->dir, pr->final_dir,
                                       strerror(errno));
        if (old) rename(aside, pr->final_dir);
        return st;
    }
    pr->dir[0] = '\0';
    if (old) rmtree_raw(aside); /* the new ones are in place; a leftover is only disk space */
    return REGIA_OK;
}

void regia_products_abort(regia_products_run_t *pr)
{
    if (pr->dir[0]) rmtree_raw(pr->dir);
    pr->dir[0] = '\0';
    pr->made = 0;
}

void regia_products_free(regia_products_run_t *pr)
{
    free(pr->files);
    pr->files = NULL;
    pr->n = pr->cap = 0;
}
