/* Quicklook figures drawn by PLplot 5.15 (see regia/plot.h).
 *
 * A figure records its drawing calls (data copied); regia_fig_save() replays them twice,
 * once on PLplot's "pngcairo" device and once on "svg" (or "svgcairo"), each into a
 * temporary file renamed into place when both are written.  PLplot keeps global state:
 * one stream is open at a time (plinit ... plend1 around each rendering), its exit
 * handler jumps back here instead of ending the process, and a device this PLplot lacks
 * is an error naming it, checked before plinit (which would otherwise prompt on stdin).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <plplot.h>

#include "regia/plot.h"
#include "regia/timeutil.h"

enum { MAX_PANELS = 6, COL_BASE = 1, COL_ALPHA0 = 16, N_COL0 = 96 };

typedef enum { OP_LINE, OP_POINTS, OP_BAND, OP_HLINE, OP_VLINE, OP_BARS, OP_SCATTER, OP_TEXT } op_kind_t;

typedef struct {
    op_kind_t kind;
    int panel;
    regia_color_t c;
    regia_line_t style;
    char *label;         /* legend entry (OP_TEXT: the text), or NULL      */
    size_t n;
    double *x, *y, *z;   /* band: y = lo, z = hi; scatter: z = values      */
    double a, b;         /* hline/vline/text: position; bars: width; band: opacity; scatter: vmin, vmax */
    char **names;        /* scatter point labels (n entries, may be NULL)  */
    int alpha_col;       /* band: the cmap0 index holding its translucent colour */
} op_t;

typedef struct {
    int set;
    regia_axes_t ax;
    char *title, *xlabel, *ylabel;
    size_t n_ticks;      /* regia_fig_xticks: names under the x axis */
    double *tick_x;
    char **tick_label;
} panel_t;

struct regia_fig {
    int np, w, h;
    char *caption;
    int cur;
    panel_t p[MAX_PANELS];
    op_t *ops;
    size_t nops, cap;
};

/* Okabe-Ito (2008), in regia_color_t order. */
static const int palette[REGIA_C_N][3] = {
    {0, 0, 0},       {230, 159, 0}, {86, 180, 233}, {0, 158, 115}, {240, 228, 66},
    {0, 114, 178},   {213, 94, 0},  {204, 121, 167}, {153, 153, 153},
};

/* ---------------------------------------------------------------- recording --- */

/* A copy of s with PLplot's escape character '#' doubled (titles, labels, names). */
static char *text_dup(const char *s)
{
    if (!s) return NULL;
    size_t n = 0;
    for (const char *c = s; *c; c++) n += (*c == '#') ? 2 : 1;
    char *d = malloc(n + 1), *o = d;
    if (!d) return NULL;
    for (const char *c = s; *c; c++) {
        *o++ = *c;
        if (*c == '#') *o++ = '#';
    }
    *o = '\0';
    return d;
}

static double *arr_dup(const double *a, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (d && n) memcpy(d, a, n * sizeof *d);
    return d;
}

static void op_free(op_t *o)
{
    free(o->label);
    free(o->x);
    free(o->y);
    free(o->z);
    if (o->names)
        for (size_t i = 0; i < o->n; i++) free(o->names[i]);
    free(o->names);
}

/* A new op in the current panel (zeroed), or NULL with the error set. */
static op_t *op_new(regia_fig_t *fig, op_kind_t kind, const char *label, regia_status_t *st)
{
    *st = REGIA_OK;
    if (!fig) {
        *st = REGIA_FAIL(REGIA_ERR_INVALID, "figure: drawing call on a NULL figure");
        return NULL;
    }
    if (fig->nops == fig->cap) {
        size_t cap = fig->cap ? 2 * fig->cap : 16;
        op_t *o = realloc(fig->ops, cap * sizeof *o);
        if (!o) {
            *st = REGIA_FAIL(REGIA_ERR_NOMEM, "figure: out of memory recording a drawing call");
            return NULL;
        }
        fig->ops = o;
        fig->cap = cap;
    }
    op_t *o = &fig->ops[fig->nops];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->panel = fig->cur;
    if (label && !(o->label = text_dup(label))) {
        *st = REGIA_FAIL(REGIA_ERR_NOMEM, "figure: out of memory recording a drawing call");
        return NULL;
    }
    fig->nops++;
    return o;
}

/* Drop the op just added (its arrays could not be copied). */
static regia_status_t op_drop(regia_fig_t *fig)
{
    op_free(&fig->ops[--fig->nops]);
    return REGIA_FAIL(REGIA_ERR_NOMEM, "figure: out of memory copying the data of a drawing call");
}

static int color_ok(regia_color_t c) { return c >= 0 && c < REGIA_C_N; }

regia_status_t regia_fig_begin(regia_fig_t **fig, int panels, int width, int height, const char *caption)
{
    *fig = NULL;
    if (panels < 1 || panels > MAX_PANELS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "figure: %d panels asked for, 1 to %d are possible", panels,
                          MAX_PANELS);
    if (width < 0 || height < 0 || (width > 0 && width < 200) || (height > 0 && height < 150) || width > 10000 ||
        height > 10000)
        return REGIA_FAIL(REGIA_ERR_INVALID, "figure: a size of %d x %d pixels (200 x 150 to 10000 x 10000)",
                          width, height);
    regia_fig_t *f = calloc(1, sizeof *f);
    if (!f) return REGIA_FAIL(REGIA_ERR_NOMEM, "figure: out of memory");
    f->np = panels;
    f->w = width ? width : 1200;
    f->h = height ? height : (panels == 1 ? 700 : 320 * panels + 80);
    if (caption && !(f->caption = text_dup(caption))) {
        free(f);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "figure: out of memory");
    }
    *fig = f;
    return REGIA_OK;
}

regia_status_t regia_fig_panel(regia_fig_t *fig, int k, const regia_axes_t *axes)
{
    if (!fig || !axes) return REGIA_FAIL(REGIA_ERR_INVALID, "figure: regia_fig_panel with a NULL argument");
    if (k < 0 || k >= fig->np)
        return REGIA_FAIL(REGIA_ERR_INVALID, "figure: panel %d asked for, the figure has %d (0 to %d)", k, fig->np,
                          fig->np - 1);
    panel_t *p = &fig->p[k];
    free(p->title);
    free(p->xlabel);
    free(p->ylabel);
    p->ax = *axes;
    p->title = text_dup(axes->title ? axes->title : "");
    p->xlabel = text_dup(axes->xlabel ? axes->xlabel : "");
    p->ylabel = text_dup(axes->ylabel ? axes->ylabel : "");
    p->ax.title = p->ax.xlabel = p->ax.ylabel = NULL;
    p->set = 1;
    fig->cur = k;
    if (!p->title || !p->xlabel || !p->ylabel) return REGIA_FAIL(REGIA_ERR_NOMEM, "figure: out of memory");
    return REGIA_OK;
}

static regia_status_t xy_op(regia_fig_t *fig, op_kind_t kind, const double *x, const double *y, size_t n,
                            const char *label, regia_color_t c, regia_line_t style)
{
    regia_status_t st;
    if (n > 0 && (!x || !y)) return REGIA_FAIL(REGIA_ERR_INVALID, "figure: NULL data with %zu points", n);
    if (!color_ok(c)) return REGIA_FAIL(REGIA_ERR_INVALID, "figure: colour %d is not a regia_color_t", (int)c);
    op_t *o = op_new(fig, kind, label, &st);
    if (!o) return st;
    o->c = c;
    o->style = style;
    o->n = n;
    if (!(o->x = arr_dup(x, n)) || !(o->y = arr_dup(y, n))) return op_drop(fig);
    return REGIA_OK;
}

regia_status_t regia_fig_line(regia_fig_t *fig, const double *x, const double *y, size_t n, const char *label,
                              regia_color_t c, regia_line_t style)
{
    return xy_op(fig, OP_LINE, x, y, n, label, c, style);
}

regia_status_t regia_fig_points(regia_fig_t *fig, const double *x, const double *y, size_t n, const char *label,
                                regia_color_t c)
{
    return xy_op(fig, OP_POINTS, x, y, n, label, c, REGIA_LINE_SOLID);
}

regia_status_t regia_fig_band(regia_fig_t *fig, const double *x, const double *lo, const double *hi, size_t n,
                              const char *label, regia_color_t c, double opacity)
{
    regia_status_t st = xy_op(fig, OP_BAND, x, lo, n, label, c, REGIA_LINE_SOLID);
    if (st != REGIA_OK) return st;
    op_t *o = &fig->ops[fig->nops - 1];
    if (n > 0 && !hi) {
        op_free(o);
        fig->nops--;
        return REGIA_FAIL(REGIA_ERR_INVALID, "figure: band with NULL upper bounds");
    }
    if (!(o->z = arr_dup(hi, n))) return op_drop(fig);
    o->a = (opacity > 0 && opacity <= 1) ? opacity : 0.3;
    return REGIA_OK;
}

static regia_status_t ref_op(regia_fig_t *fig, op_kind_t kind, double v, const char *label, regia_color_t c,
                             regia_line_t style)
{
    regia_status_t st;
    if (!color_ok(c)) return REGIA_FAIL(REGIA_ERR_INVALID, "figure: colour %d is not a regia_color_t", (int)c);
    op_t *o = op_new(fig, kind, label, &st);
    if (!o) return st;
    o->c = c;
    o->style = style;
    o->a = v;
    return REGIA_OK;
}

regia_status_t regia_fig_hline(regia_fig_t *fig, double y, const char *label, regia_color_t c, regia_line_t style)
{
    return ref_op(fig, OP_HLINE, y, label, c, style);
}

regia_status_t regia_fig_vline(regia_fig_t *fig, double x, const char *label, regia_color_t c, regia_line_t style)
{
    return ref_op(fig, OP_VLINE, x, label, c, style);
}

regia_status_t regia_fig_bars(regia_fig_t *fig, const double *x, const double *y, size_t n, double width,
                              const char *label, regia_color_t c)
{
    if (!(width > 0)) return REGIA_FAIL(REGIA_ERR_INVALID, "figure: bars of width %g (must be > 0)", width);
    regia_status_t st = xy_op(fig, OP_BARS, x, y, n, label, c, REGIA_LINE_SOLID);
    if (st == REGIA_OK) fig->ops[fig->nops - 1].a = width;
    return st;
}

regia_status_t regia_fig_scatter_scale(regia_fig_t *fig, const double *x, const double *y, const double *v,
                                       size_t n, double vmin, double vmax, const char *vlabel,
                                       const char *const *names)
{
    if (!(vmax > vmin))
        return REGIA_FAIL(REGIA_ERR_INVALID, "figure: colour scale from %g to %g (needs vmin < vmax)", vmin, vmax);
    if (n > 0 && !v) return REGIA_FAIL(REGIA_ERR_INVALID, "figure: scatter with NULL values");
    regia_status_t st = xy_op(fig, OP_SCATTER, x, y, n, vlabel, REGIA_C_BLACK, REGIA_LINE_SOLID);
    if (st != REGIA_OK) return st;
    op_t *o = &fig->ops[fig->nops - 1];
    o->a = vmin;
    o->b = vmax;
    if (!(o->z = arr_dup(v, n))) return op_drop(fig);
    if (names) {
        if (!(o->names = calloc(n ? n : 1, sizeof *o->names))) return op_drop(fig);
        for (size_t i = 0; i < n; i++)
            if (names[i] && !(o->names[i] = text_dup(names[i]))) return op_drop(fig);
    }
    return REGIA_OK;
}

static void ticks_free(panel_t *p)
{
    for (size_t i = 0; i < p->n_ticks; i++) free(p->tick_label[i]);
    free(p->tick_label);
    free(p->tick_x);
    p->tick_label = NULL;
    p->tick_x = NULL;
    p->n_ticks = 0;
}

regia_status_t regia_fig_xticks(regia_fig_t *fig, const double *x, const char *const *labels, size_t n)
{
    if (!fig || (n > 0 && (!x || !labels)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "figure: regia_fig_xticks with a NULL argument");
    panel_t *p = &fig->p[fig->cur];
    ticks_free(p);
    if (n == 0) return REGIA_OK;
    if (!(p->tick_x = arr_dup(x, n)) || !(p->tick_label = calloc(n, sizeof *p->tick_label))) {
        ticks_free(p);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "figure: out of memory copying x labels");
    }
    p->n_ticks = n;
    for (size_t i = 0; i < n; i++)
        if (!(p->tick_label[i] = text_dup(labels[i] ? labels[i] : ""))) {
            ticks_free(p);
            return REGIA_FAIL(REGIA_ERR_NOMEM, "figure: out of memory copying x labels");
        }
    return REGIA_OK;
}

regia_status_t regia_fig_text(regia_fig_t *fig, double x, double y, const char *text)
{
    regia_status_t st;
    if (!text) return REGIA_FAIL(REGIA_ERR_INVALID, "figure: NULL text");
    op_t *o = op_new(fig, OP_TEXT, text, &st);
    if (!o) return st;
    o->a = x;
    o->b = y;
    return REGIA_OK;
}

void regia_fig_free(regia_fig_t *fig)
{
    if (!fig) return;
    for (size_t i = 0; i < fig->nops; i++) op_free(&fig->ops[i]);
    free(fig->ops);
    for (int k = 0; k < MAX_PANELS; k++) {
        free(fig->p[k].title);
        free(fig->p[k].xlabel);
        free(fig->p[k].ylabel);
        ticks_free(&fig->p[k]);
    }
    free(fig->caption);
    free(fig);
}

void regia_plot_slug(const char *s, char *buf, size_t cap)
{
    if (!buf || cap == 0) return;
    size_t o = 0;
    int dash = 0;
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c && o + 1 < cap; c++) {
        int ch = *c;
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            if (dash && o > 0 && o + 2 < cap) buf[o++] = '-';
            buf[o++] = (char)ch;
            dash = 0;
        } else if (ch >= 'A' && ch <= 'Z') {
            if (dash && o > 0 && o + 2 < cap) buf[o++] = '-';
            buf[o++] = (char)(ch - 'A' + 'a');
            dash = 0;
        } else {
            dash = 1;
        }
    }
    buf[o] = '\0';
}

/* ---------------------------------------------------------------- rendering --- */

/* y as drawn: log10 on a log axis (NaN for y <= 0). */
static double ty(const panel_t *p, double y)
{
    if (!p->ax.ylog) return y;
    return y > 0 ? log10(y) : NAN;
}

static void grow(double *lo, double *hi, double v)
{
    if (!isfinite(v)) return;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
}

/* The drawn window of panel k: the axes' ranges, or the data's with a margin. */
static void panel_window(const regia_fig_t *fig, int k, double w[4])
{
    const panel_t *p = &fig->p[k];
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    int scatter = 0;
    for (size_t i = 0; i < fig->nops; i++) {
        const op_t *o = &fig->ops[i];
        if (o->panel != k) continue;
        switch (o->kind) {
        case OP_LINE:
        case OP_POINTS:
        case OP_SCATTER:
            scatter |= o->kind == OP_SCATTER;
            for (size_t j = 0; j < o->n; j++)
                if (isfinite(o->x[j]) && isfinite(ty(p, o->y[j]))) {
                    grow(&x0, &x1, o->x[j]);
                    grow(&y0, &y1, ty(p, o->y[j]));
                }
            break;
        case OP_BAND:
            for (size_t j = 0; j < o->n; j++)
                if (isfinite(o->x[j]) && isfinite(o->y[j]) && isfinite(o->z[j])) {
                    grow(&x0, &x1, o->x[j]);
                    grow(&y0, &y1, ty(p, o->y[j]));
                    grow(&y0, &y1, ty(p, o->z[j]));
                }
            break;
        case OP_BARS:
            for (size_t j = 0; j < o->n; j++)
                if (isfinite(o->x[j]) && isfinite(ty(p, o->y[j]))) {
                    grow(&x0, &x1, o->x[j] - o->a / 2);
                    grow(&x0, &x1, o->x[j] + o->a / 2);
                    grow(&y0, &y1, ty(p, o->y[j]));
                    if (!p->ax.ylog) grow(&y0, &y1, 0.0);
                }
            break;
        case OP_HLINE: grow(&y0, &y1, ty(p, o->a)); break;
        case OP_VLINE: grow(&x0, &x1, o->a); break;
        case OP_TEXT: break;
        }
    }
    if (!(x1 >= x0)) x0 = 0, x1 = 1;
    if (!(y1 >= y0)) y0 = 0, y1 = 1;
    if (x1 == x0) x0 -= 1, x1 += 1;
    if (y1 == y0) {
        double d = fabs(y0) > 0 ? fabs(y0) * 0.1 : 1;
        y0 -= d, y1 += d;
    }
    double mx = scatter ? 0.06 * (x1 - x0) : 0.0, my = 0.06 * (y1 - y0);
    x0 -= mx, x1 += mx; /* names get their room in names_room() */
    if (!(p->ax.ylog) && y0 == 0) y1 += my; /* bars and counts start at zero */
    else y0 -= my, y1 += my;
    if (p->ax.xmax > p->ax.xmin) x0 = p->ax.xmin, x1 = p->ax.xmax;
    if (p->ax.ymax > p->ax.ymin) {
        y0 = ty(p, p->ax.ymin), y1 = ty(p, p->ax.ymax);
        if (!isfinite(y0) || !(y1 > y0)) y0 = y1 - 1;
    }
    w[0] = x0, w[1] = x1, w[2] = y0, w[3] = y1;
}

/* Room for the names right of the scatter points: widen the window until the longest
 * name of a point near the right edge ends inside it (the viewport clips text). */
static void names_room(const regia_fig_t *fig, int k, const double vp[4], double w[4])
{
    PLFLT def, ht, sx0, sx1, sy0, sy1;
    plgchr(&def, &ht);
    plgspa(&sx0, &sx1, &sy0, &sy1);
    double vp_mm = (vp[1] - vp[0]) * (sx1 - sx0);
    for (int it = 0; it < 4; it++) {
        double need = w[1];
        for (size_t i = 0; i < fig->nops; i++) {
            const op_t *o = &fig->ops[i];
            if (o->panel != k || o->kind != OP_SCATTER || !o->names) continue;
            double per_mm = (w[1] - w[0]) / vp_mm, gap = 0.03 * (w[1] - w[0]);
            for (size_t j = 0; j < o->n; j++) {
                if (!o->names[j] || !isfinite(o->x[j])) continue;
                size_t chars = 0;
                for (const unsigned char *c = (const unsigned char *)o->names[j]; *c; c++) chars += (*c & 0xC0) != 0x80;
                double end = o->x[j] + gap + 0.72 * def * (double)chars * per_mm; /* cairo sans, measured */
                if (end > need) need = end;
            }
        }
        if (need <= w[1]) break;
        w[1] = need + 0.01 * (w[1] - w[0]);
    }
}

/* A panel of scatter_scale points in longitude/latitude range is a map: widen the window
 * so that a degree of latitude and cos(latitude) degrees of longitude look the same. */
static void map_aspect(const regia_fig_t *fig, int k, const double vp[4], double w[4])
{
    const panel_t *p = &fig->p[k];
    int scatter = 0;
    for (size_t i = 0; i < fig->nops; i++)
        if (fig->ops[i].panel == k) {
            if (fig->ops[i].kind == OP_SCATTER) scatter = 1;
            else if (fig->ops[i].kind != OP_TEXT) return;
        }
    if (!scatter || p->ax.ylog || p->ax.x_is_date || (p->ax.xmax > p->ax.xmin) || (p->ax.ymax > p->ax.ymin)) return;
    if (w[0] < -180 || w[1] > 180 || w[2] < -90 || w[3] > 90) return;
    double c = cos((w[2] + w[3]) / 2 * M_PI / 180);
    double wp = (vp[1] - vp[0]) * fig->w, hp = (vp[3] - vp[2]) * fig->h;
    double dx = (w[1] - w[0]) * c, dy = w[3] - w[2];
    if (dx / dy < wp / hp) {
        double add = (dy * wp / hp / c - (w[1] - w[0])) / 2;
        w[0] -= add, w[1] += add;
    } else {
        double add = (dx * hp / wp - dy) / 2;
        w[2] -= add, w[3] += add;
    }
}

static void set_color(regia_color_t c) { plcol0(COL_BASE + (int)c); }

static void set_style(regia_line_t s)
{
    if (s == REGIA_LINE_DASHED) {
        PLINT mark = 5000, space = 3000;
        plstyl(1, &mark, &space);
    } else if (s == REGIA_LINE_DOTTED) {
        PLINT mark = 800, space = 1600;
        plstyl(1, &mark, &space);
    } else {
        plstyl(0, NULL, NULL);
    }
}

/* A round marker of radius `size` x 0.3 character heights at (x, y) of the current
 * window, as a polygon (a text glyph would take its size from each renderer's font), filled
 * in the current colour; outlined in black when `outline`. */
static void marker(double x, double y, double size, int outline)
{
    PLFLT def, ht, sx0, sx1, sy0, sy1, vx0, vx1, vy0, vy1, wx0, wx1, wy0, wy1;
    plgchr(&def, &ht);
    plgspa(&sx0, &sx1, &sy0, &sy1);
    plgvpd(&vx0, &vx1, &vy0, &vy1);
    plgvpw(&wx0, &wx1, &wy0, &wy1);
    double r = 0.3 * def * size; /* mm */
    double rx = r * (wx1 - wx0) / ((vx1 - vx0) * (sx1 - sx0)), ry = r * (wy1 - wy0) / ((vy1 - vy0) * (sy1 - sy0));
    enum { N = 24 };
    double xs[N + 1], ys[N + 1];
    for (int i = 0; i <= N; i++) {
        double a = 2 * M_PI * i / N;
        xs[i] = x + rx * cos(a);
        ys[i] = y + ry * sin(a);
    }
    plfill(N, xs, ys);
    if (outline) {
        plcol0(COL_BASE + REGIA_C_BLACK);
        plwidth(1.0);
        plline(N + 1, xs, ys);
    }
}

/* The runs of consecutive drawable points [j0, j1) of a line (NaN breaks it). */
static void draw_line(const panel_t *p, const op_t *o)
{
    double *xs = malloc((o->n ? o->n : 1) * sizeof *xs), *ys = malloc((o->n ? o->n : 1) * sizeof *ys);
    if (!xs || !ys) goto done;
    size_t m = 0;
    for (size_t j = 0; j <= o->n; j++) {
        int ok = j < o->n && isfinite(o->x[j]) && isfinite(ty(p, o->y[j]));
        if (ok) {
            xs[m] = o->x[j];
            ys[m] = ty(p, o->y[j]);
            m++;
        } else if (m > 0) {
            if (m == 1) marker(xs[0], ys[0], 0.6, 0); /* an isolated value between gaps */
            else plline((PLINT)m, xs, ys);
            m = 0;
        }
    }
done:
    free(xs);
    free(ys);
}

static void draw_band(const panel_t *p, const op_t *o)
{
    double *xs = malloc((2 * o->n + 1) * sizeof *xs), *ys = malloc((2 * o->n + 1) * sizeof *ys);
    if (!xs || !ys) goto done;
    size_t j0 = 0;
    while (j0 < o->n) {
        size_t j1 = j0;
        while (j1 < o->n && isfinite(o->x[j1]) && isfinite(ty(p, o->y[j1])) && isfinite(ty(p, o->z[j1]))) j1++;
        if (j1 - j0 >= 2) {
            size_t m = 0;
            for (size_t j = j0; j < j1; j++) xs[m] = o->x[j], ys[m++] = ty(p, o->z[j]);
            for (size_t j = j1; j-- > j0;) xs[m] = o->x[j], ys[m++] = ty(p, o->y[j]);
            plfill((PLINT)m, xs, ys);
        }
        j0 = j1 + 1;
    }
done:
    free(xs);
    free(ys);
}

/* Colour-vision-safe continuous scale (viridis, sampled) for scatter_scale. */
static void set_cmap1(void)
{
    static const double pos[] = {0.0, 0.25, 0.5, 0.75, 1.0};
    static const double r[] = {68, 59, 33, 94, 253}, g[] = {1, 82, 145, 201, 231}, b[] = {84, 139, 140, 98, 37};
    double rr[5], gg[5], bb[5];
    for (int i = 0; i < 5; i++) rr[i] = r[i] / 255, gg[i] = g[i] / 255, bb[i] = b[i] / 255;
    plscmap1n(256);
    plscmap1l(1, 5, pos, rr, gg, bb, NULL);
}

static double scale01(const op_t *o, double v)
{
    double t = (v - o->a) / (o->b - o->a);
    return t < 0 ? 0 : t > 1 ? 1 : t;
}

/* Markers first (smaller when there are many), then the names over them. */
static void draw_scatter(const panel_t *p, const op_t *o, const double w[4])
{
    double dx = 0.012 * (w[1] - w[0]), size = o->n <= 30 ? 1.9 : o->n <= 100 ? 1.4 : o->n <= 400 ? 1.0 : 0.7;
    for (size_t j = 0; j < o->n; j++) {
        double x = o->x[j], y = ty(p, o->y[j]);
        if (!isfinite(x) || !isfinite(y)) continue;
        if (isfinite(o->z[j])) plcol1(scale01(o, o->z[j]));
        else set_color(REGIA_C_GREY); /* no value */
        marker(x, y, size, 1);
    }
    set_color(REGIA_C_BLACK);
    for (size_t j = 0; o->names && j < o->n; j++) {
        double x = o->x[j], y = ty(p, o->y[j]);
        if (isfinite(x) && isfinite(y) && o->names[j]) plptex(x + dx * size / 1.9 + dx * 0.5, y, 1, 0, 0, o->names[j]);
    }
}

/* Labels of a log axis spanning less than a decade (PLplot labels decades only): the
 * values themselves at its ticks. */
static void log_label(PLINT axis, PLFLT value, char *label, PLINT length, PLPointer data)
{
    (void)axis;
    (void)data;
    snprintf(label, (size_t)length, "%.3g", pow(10.0, value));
}

/* The panel's legend entries, drawn at the top of the strip right of the panel (the
 * current viewport is that strip).  Returns the legend's height (strip fraction). */
static double draw_legend(const regia_fig_t *fig, int k)
{
    PLINT opt[64], tcol[64], bcol[64], bpat[64], lcol[64], lsty[64], scol[64], snum[64];
    PLFLT bscale[64], bwidth[64], lwidth[64], sscale[64];
    const char *text[64], *sym[64];
    int n = 0;
    for (size_t i = 0; i < fig->nops && n < 64; i++) {
        const op_t *o = &fig->ops[i];
        if (o->panel != k || !o->label || !*o->label || o->kind == OP_TEXT || o->kind == OP_SCATTER) continue;
        int col = o->kind == OP_BAND ? o->alpha_col : COL_BASE + (int)o->c;
        text[n] = o->label;
        tcol[n] = COL_BASE + REGIA_C_BLACK;
        bcol[n] = col, bpat[n] = 0, bscale[n] = 0.9, bwidth[n] = 1;
        lcol[n] = col, lsty[n] = 1, lwidth[n] = 2.0;
        scol[n] = col, sscale[n] = 1.0, snum[n] = 1, sym[n] = "●";
        if (o->kind == OP_BAND || o->kind == OP_BARS) opt[n] = PL_LEGEND_COLOR_BOX;
        else if (o->kind == OP_POINTS) opt[n] = PL_LEGEND_SYMBOL;
        else opt[n] = PL_LEGEND_LINE;
        if (opt[n] == PL_LEGEND_LINE) lsty[n] = o->style == REGIA_LINE_DASHED ? 3 : o->style == REGIA_LINE_DOTTED ? 8 : 1;
        n++;
    }
    if (n == 0) return 0;
    PLFLT lw = 0, lh = 0;
    plstyl(0, NULL, NULL);
    pllegend(&lw, &lh, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_INSIDE | PL_POSITION_LEFT | PL_POSITION_TOP | PL_POSITION_VIEWPORT, 0.0, 0.0, 0.10, 0,
             COL_BASE + REGIA_C_GREY, 1, 0, 1, n, opt, 0.8, 0.85, 2.0, 0.0, tcol, (const char *const *)text, bcol,
             bpat, bscale, bwidth, lcol, lsty, lwidth, scol, sscale, snum, (const char *const *)sym);
    return lh;
}

/* The colour bar of a scatter_scale, in the strip right of the panel below its legend. */
static void draw_colorbar(const op_t *o, double top)
{
    PLFLT cw, ch;
    PLINT lopt[1] = {PL_COLORBAR_LABEL_RIGHT}, sub[1] = {0}, nv[1] = {2};
    const char *labels[1] = {o->label ? o->label : ""};
    const char *axis[1] = {"bcvtm"};
    PLFLT ticks[1] = {0.0};
    PLFLT vals[2] = {o->a, o->b};
    const PLFLT *values[1] = {vals};
    double len = top - 0.05 < 0.75 ? top - 0.05 : 0.75;
    if (len < 0.2) len = 0.2;
    plcol0(COL_BASE + REGIA_C_BLACK);
    plschr(0, 1.0);
    plcolorbar(&cw, &ch, PL_COLORBAR_GRADIENT | PL_COLORBAR_CAP_NONE,
               PL_POSITION_INSIDE | PL_POSITION_LEFT | PL_POSITION_TOP | PL_POSITION_VIEWPORT, 0.02, 1.0 - top,
               0.08, len, 0, COL_BASE + REGIA_C_BLACK, 1, 0, 0, 0, 0, 1, lopt, labels, 1, axis, ticks, sub, nv,
               values);
    plschr(0, 1.0);
}

/* Calendar ticks of a date axis [x0, x1] (days since 1970-01-01): days, weeks, months or
 * years, at most about 8, labelled ISO (days), "Sep 2025" (months) or "2025" (years).
 * Draws grid lines (grid = 1) or tick marks and labels (grid = 0) in the current window. */
static void date_axis(const double w[4], int grid)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const int day_steps[] = {1, 2, 7, 14};
    static const int month_steps[] = {1, 2, 3, 6, 12, 24, 60, 120};
    double span = w[1] - w[0];
    int dstep = 0, mstep = 0;
    for (size_t i = 0; i < 4 && !dstep; i++)
        if (span / day_steps[i] <= 8) dstep = day_steps[i];
    if (!dstep)
        for (size_t i = 0; i < 8 && !mstep; i++)
            if (span / (30.44 * month_steps[i]) <= 8) mstep = month_steps[i];
    if (!dstep && !mstep) mstep = 12 * (int)ceil(span / 365.25 / 8 / 10) * 10;
    int y, m, d;
    regia_civil_from_days((int64_t)floor(w[0]), &y, &m, &d);
    double tl = 0.018 * (w[3] - w[2]);
    for (int it = 0; it < 400; it++) {
        double x;
        char lab[32];
        if (dstep) {
            long t0 = (long)ceil(w[0]);
            if (dstep == 7) t0 += ((4 - t0) % 7 + 7) % 7; /* Mondays (1970-01-01 was a Thursday) */
            else if (dstep == 14) t0 += ((4 - t0) % 7 + 7) % 7 + 7 * (((t0 + 3) / 7) % 2);
            x = (double)(t0 + (long)it * dstep);
            int yy, mm, dd;
            regia_civil_from_days((int64_t)x, &yy, &mm, &dd);
            snprintf(lab, sizeof lab, "%04d-%02d-%02d", yy, mm, dd);
        } else {
            int mm0 = (y * 12 + (m - 1)) / mstep * mstep + it * mstep; /* months since year 0, aligned */
            int yy = mm0 / 12, mm = mm0 % 12 + 1;
            x = (double)regia_days_from_civil(yy, mm, 1);
            if (mstep >= 12) snprintf(lab, sizeof lab, "%d", yy);
            else snprintf(lab, sizeof lab, "%s %d", mon[mm - 1], yy);
        }
        if (x > w[1]) break;
        if (x < w[0]) continue;
        if (grid) {
            double xs[2] = {x, x}, ys[2] = {w[2], w[3]};
            plline(2, xs, ys);
        } else {
            double xs[2] = {x, x}, ys[2] = {w[2], w[2] + tl}, yt[2] = {w[3] - tl, w[3]};
            plline(2, xs, ys);
            plline(2, xs, yt);
            plmtex("b", 1.5, (x - w[0]) / span, 0.5, lab);
        }
    }
}

/* Names under the x axis (regia_fig_xticks), staggered in two rows when the widest does
 * not fit between neighbouring ticks.  Returns the line the axis label goes on. */
static double name_axis(const panel_t *p, const double w[4])
{
    PLFLT sx0, sx1, sy0, sy1, vx0, vx1, vy0, vy1, def, ch;
    plgchr(&def, &ch);
    plgspa(&sx0, &sx1, &sy0, &sy1);
    plgvpd(&vx0, &vx1, &vy0, &vy1);
    double mm_per_x = (vx1 - vx0) * (sx1 - sx0) / (w[1] - w[0]), gap = INFINITY, widest = 0;
    size_t shown = 0;
    for (size_t i = 0; i < p->n_ticks; i++) {
        if (!(p->tick_x[i] >= w[0] && p->tick_x[i] <= w[1])) continue;
        size_t chars = 0;
        for (const unsigned char *c = (const unsigned char *)p->tick_label[i]; *c; c++) chars += (*c & 0xC0) != 0x80;
        double len = 0.65 * ch * (double)chars; /* sans-serif: at most about 0.65 of the height per character */
        if (len > widest) widest = len;
        for (size_t j = 0; j < i; j++)
            if (p->tick_x[j] >= w[0] && p->tick_x[j] <= w[1] && fabs(p->tick_x[i] - p->tick_x[j]) * mm_per_x < gap)
                gap = fabs(p->tick_x[i] - p->tick_x[j]) * mm_per_x;
        shown++;
    }
    int stagger = shown > 1 && widest > 0.9 * gap;
    double tl = 0.018 * (w[3] - w[2]);
    size_t r = 0;
    for (size_t i = 0; i < p->n_ticks; i++) {
        double x = p->tick_x[i];
        if (!(x >= w[0] && x <= w[1])) continue;
        double xs[2] = {x, x}, ys[2] = {w[2], w[2] + tl};
        plline(2, xs, ys);
        plmtex("b", stagger && (r++ % 2) ? 2.7 : 1.5, (x - w[0]) / (w[1] - w[0]), 0.5, p->tick_label[i]);
    }
    return stagger ? 4.2 : 3.0;
}

static void draw_panel(const regia_fig_t *fig, int k, const double vp[4], const double strip[2])
{
    const panel_t *p = &fig->p[k];
    double w[4];
    panel_window(fig, k, w);
    names_room(fig, k, vp, w); /* also past a given xmax: a clipped name is unreadable */
    map_aspect(fig, k, vp, w);
    plvpor(vp[0], vp[1], vp[2], vp[3]);
    plwind(w[0], w[1], w[2], w[3]);
    int named = p->n_ticks > 0;
    const char *xopt = p->ax.x_is_date || named ? "bc" : "bcnst", *xg = p->ax.x_is_date || named ? "" : "g";
    int short_log = p->ax.ylog && w[3] - w[2] < 1.0;
    const char *yopt = !p->ax.ylog ? "bcnstv" : short_log ? "bcnstvo" : "bcnstvl", *yg = p->ax.ylog && !short_log ? "gl" : "g";
    if (short_log) plslabelfunc(log_label, NULL);
    /* grid first, in light grey, under the data */
    plscol0(COL_BASE + REGIA_C_N, 225, 225, 225);
    plcol0(COL_BASE + REGIA_C_N);
    plwidth(0.8);
    plbox(xg, 0, 0, yg, 0, 0);
    if (p->ax.x_is_date && !named) date_axis(w, 1);

    for (size_t i = 0; i < fig->nops; i++) {
        const op_t *o = &fig->ops[i];
        if (o->panel != k) continue;
        plwidth(2.0);
        set_style(REGIA_LINE_SOLID);
        switch (o->kind) {
        case OP_BAND:
            plcol0(o->alpha_col);
            draw_band(p, o);
            break;
        case OP_LINE:
            set_color(o->c);
            set_style(o->style);
            draw_line(p, o);
            break;
        case OP_POINTS:
            for (size_t j = 0; j < o->n; j++) {
                double x = o->x[j], y = ty(p, o->y[j]);
                set_color(o->c);
                if (isfinite(x) && isfinite(y)) marker(x, y, 1.2, 0);
            }
            break;
        case OP_BARS:
            set_color(o->c);
            for (size_t j = 0; j < o->n; j++) {
                double y = ty(p, o->y[j]), x = o->x[j], h = o->a / 2;
                if (!isfinite(x) || !isfinite(y)) continue;
                double base = p->ax.ylog ? w[2] : 0.0;
                double bx[4] = {x - h, x + h, x + h, x - h}, by[4] = {base, base, y, y};
                plfill(4, bx, by);
            }
            break;
        case OP_HLINE: {
            double y = ty(p, o->a);
            if (!isfinite(y)) break;
            set_color(o->c);
            set_style(o->style);
            double xs[2] = {w[0], w[1]}, ys[2] = {y, y};
            plline(2, xs, ys);
            break;
        }
        case OP_VLINE: {
            if (!isfinite(o->a)) break;
            set_color(o->c);
            set_style(o->style);
            double xs[2] = {o->a, o->a}, ys[2] = {w[2], w[3]};
            plline(2, xs, ys);
            break;
        }
        case OP_SCATTER: draw_scatter(p, o, w); break;
        case OP_TEXT: {
            double y = ty(p, o->b);
            if (!isfinite(o->a) || !isfinite(y)) break;
            set_color(REGIA_C_BLACK);
            plschr(0, 0.9);
            plptex(o->a, y, 1, 0, 0, o->label);
            plschr(0, 1.0);
            break;
        }
        }
    }
    set_style(REGIA_LINE_SOLID);
    plwidth(1.0);
    set_color(REGIA_C_BLACK);
    plbox(xopt, 0, 0, yopt, 0, 0);
    if (short_log) plslabelfunc(NULL, NULL);
    double xl_line = 3.0;
    if (named) xl_line = name_axis(p, w);
    else if (p->ax.x_is_date) date_axis(w, 0);
    plschr(0, 1.0);
    plmtex("b", xl_line, 0.5, 0.5, p->xlabel ? p->xlabel : "");
    plmtex("l", 5.2, 0.5, 0.5, p->ylabel ? p->ylabel : "");
    plschr(0, 1.2);
    plmtex("t", 1.0, 0.0, 0.0, p->title ? p->title : "");
    plschr(0, 1.0);
    if (strip[1] <= strip[0]) return;
    plvpor(strip[0], strip[1], vp[2], vp[3]);
    plwind(0, 1, 0, 1);
    double lh = draw_legend(fig, k);
    for (size_t i = 0; i < fig->nops; i++)
        if (fig->ops[i].panel == k && fig->ops[i].kind == OP_SCATTER) {
            draw_colorbar(&fig->ops[i], lh > 0 ? 1.0 - lh - 0.08 : 1.0);
            break;
        }
}

static jmp_buf plot_jump;
static char plot_exit_msg[512];

/* PLplot's exit handler: remember the message and return to render() instead of exiting. */
static int plot_exit(const char *msg)
{
    snprintf(plot_exit_msg, sizeof plot_exit_msg, "%s", msg ? msg : "");
    longjmp(plot_jump, 1);
    return 0;
}

/* 1 when this PLplot has the device `dev` (plgDevs fills arrays of the caller's size). */
static int have_device(const char *dev)
{
    enum { MAX_DEVS = 128 };
    const char *menu[MAX_DEVS], *names[MAX_DEVS];
    const char **pm = menu, **pn = names;
    int n = MAX_DEVS;
    plgDevs(&pm, &pn, &n);
    for (int i = 0; i < n && i < MAX_DEVS; i++)
        if (pn[i] && strcmp(pn[i], dev) == 0) return 1;
    return 0;
}

static int has_right_items(const regia_fig_t *fig)
{
    for (size_t i = 0; i < fig->nops; i++) {
        const op_t *o = &fig->ops[i];
        if (o->kind == OP_SCATTER || (o->label && *o->label && o->kind != OP_TEXT)) return 1;
    }
    return 0;
}

/* Render the figure on device `dev` into `path`. */
static regia_status_t render(regia_fig_t *fig, const char *dev, const char *path)
{
    volatile int started = 0;
    FILE *probe = fopen(path, "wb"); /* PLplot retries a file it cannot open, then exits */
    if (!probe) return REGIA_FAIL(REGIA_ERR_IO, "figure: cannot create %s: %s", path, strerror(errno));
    fclose(probe);
    if (setjmp(plot_jump)) {
        if (started) plend1();
        return REGIA_FAIL(REGIA_ERR_IO, "figure: PLplot failed writing %s with the %s device: %s", path, dev,
                          plot_exit_msg);
    }
    plsexit(plot_exit);
    plsdev(dev);
    plsfnam(path);
    plspage(0, 0, fig->w, fig->h, 0, 0);
    plscolbg(255, 255, 255);
    plscmap0n(N_COL0);
    set_cmap1();
    for (int c = 0; c < REGIA_C_N; c++) plscol0(COL_BASE + c, palette[c][0], palette[c][1], palette[c][2]);
    int na = 0;
    for (size_t i = 0; i < fig->nops; i++) {
        op_t *o = &fig->ops[i];
        if (o->kind != OP_BAND) continue;
        o->alpha_col = COL_ALPHA0 + (na < N_COL0 - COL_ALPHA0 ? na++ : na - 1);
        const int *rgb = palette[o->c];
        plscol0a(o->alpha_col, rgb[0], rgb[1], rgb[2], o->a);
    }
    plsfam(0, 0, 0);
    plinit();
    started = 1;
    pladv(0);
    /* text height: about 15 px labels on a 1200 x 700 figure, scaled with the size */
    double px = fig->w < fig->h * 12.0 / 7 ? fig->w : fig->h * 12.0 / 7;
    if (px < 1000) px = 1000; /* small figures keep readable text */
    plschr(px / 1200.0 * 4.2, 1.0);
    double right = has_right_items(fig) ? 0.72 : 0.96;
    double bottom = 44.0 / fig->h, top = 1.0 - 10.0 / fig->h;
    double ph = (top - bottom) / fig->np;
    for (int k = 0; k < fig->np; k++) {
        double y1 = top - k * ph, y0 = y1 - ph;
        double vp[4] = {0.085, right, y0 + 62.0 / fig->h, y1 - 40.0 / fig->h};
        double strip[2] = {right + 0.012, 0.995};
        draw_panel(fig, k, vp, strip);
    }
    if (fig->caption && *fig->caption) {
        plvpor(0, 1, 0, 1);
        plwind(0, 1, 0, 1);
        set_color(REGIA_C_BLACK);
        plschr(0, 0.8);
        plptex(0.01, 12.0 / fig->h, 1, 0, 0, fig->caption);
    }
    plend1();
    started = 0;
    plsexit(NULL);
    return REGIA_OK;
}

/* PLplot's SVG devices size the page in points (width="1200pt"): a browser then shows it
 * a third larger than the PNG.  Size it in pixels, as the viewBox already is. */
static regia_status_t svg_pixels(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return REGIA_FAIL(REGIA_ERR_IO, "figure: cannot read back %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(s);
        return REGIA_FAIL(REGIA_ERR_IO, "figure: cannot read back %s", path);
    }
    fclose(f);
    s[n] = '\0';
    char *end = strstr(s, "<svg");
    end = end ? strchr(end, '>') : NULL;
    long drop[2] = {-1, -1};
    for (int i = 0; i < 2 && end; i++) {
        const char *key = i ? " height=\"" : " width=\"";
        char *a = strstr(s, key);
        if (!a || a > end) continue;
        char *v = a + strlen(key), *q = strchr(v, '"');
        if (q && q < end && q - v > 2 && q[-2] == 'p' && q[-1] == 't') drop[i] = (long)(q - 2 - s);
    }
    regia_status_t st = REGIA_OK;
    if (drop[0] >= 0 || drop[1] >= 0) {
        f = fopen(path, "wb");
        if (!f) st = REGIA_FAIL(REGIA_ERR_IO, "figure: cannot rewrite %s: %s", path, strerror(errno));
        for (long i = 0; f && i < n; i++) {
            int skip = 0; /* the two letters "pt" of each unit dropped */
            for (int k = 0; k < 2; k++) skip |= drop[k] >= 0 && (i == drop[k] || i == drop[k] + 1);
            if (!skip) fputc(s[i], f);
        }
        if (f && fclose(f) != 0) st = REGIA_FAIL(REGIA_ERR_IO, "figure: cannot write %s: %s", path, strerror(errno));
    }
    free(s);
    return st;
}

regia_status_t regia_fig_save(regia_fig_t *fig, const char *stem)
{
    if (!fig || !stem || !*stem) return REGIA_FAIL(REGIA_ERR_INVALID, "figure: regia_fig_save without a file stem");
    static const char *const svg_devs[] = {"svg", "svgcairo"};
    const char *svg = NULL;
    for (int i = 0; i < 2 && !svg; i++)
        if (have_device(svg_devs[i])) svg = svg_devs[i];
    if (!have_device("pngcairo"))
        return REGIA_FAIL(REGIA_ERR_UNSUPPORTED,
                          "figure %s.png: this PLplot has no \"pngcairo\" device (install PLplot with its cairo "
                          "driver: Debian/Ubuntu plplot-driver-cairo, spack plplot +cairo)",
                          stem);
    if (!svg)
        return REGIA_FAIL(REGIA_ERR_UNSUPPORTED,
                          "figure %s.svg: this PLplot has neither the \"svg\" nor the \"svgcairo\" device (install "
                          "PLplot with its svg or cairo driver)",
                          stem);
    size_t n = strlen(stem) + 32;
    char *png = malloc(n), *png_t = malloc(n), *svg_f = malloc(n), *svg_t = malloc(n);
    regia_status_t st = REGIA_OK;
    if (!png || !png_t || !svg_f || !svg_t) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "figure %s: out of memory", stem);
        goto err;
    }
    snprintf(png, n, "%s.png", stem);
    snprintf(svg_f, n, "%s.svg", stem);
    snprintf(png_t, n, "%s.png.tmp%ld", stem, (long)getpid());
    snprintf(svg_t, n, "%s.svg.tmp%ld", stem, (long)getpid());
    REGIA_TRY(render(fig, "pngcairo", png_t));
    REGIA_TRY(render(fig, svg, svg_t));
    REGIA_TRY(svg_pixels(svg_t));
    if (rename(png_t, png) != 0) {
        st = REGIA_FAIL(REGIA_ERR_IO, "figure: cannot rename %s to %s: %s", png_t, png, strerror(errno));
        goto err;
    }
    if (rename(svg_t, svg_f) != 0) {
        st = REGIA_FAIL(REGIA_ERR_IO, "figure: cannot rename %s to %s: %s", svg_t, svg_f, strerror(errno));
        unlink(png);
        goto err;
    }
err:
    if (png_t) unlink(png_t);
    if (svg_t) unlink(svg_t);
    free(png);
    free(png_t);
    free(svg_f);
    free(svg_t);
    return st;
}
