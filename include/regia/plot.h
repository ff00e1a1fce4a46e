/* regia/plot.h - quicklook figures people read (issue 12), drawn by PLplot 5.15 (its cairo
 * drivers: PNG and SVG), never by hand-written image code.
 *
 * A figure is built as a list of drawing calls, then regia_fig_save() renders it twice,
 * as STEM.png and STEM.svg, so both show the same.  A figure has one or more panels
 * stacked top to bottom, each with its own axes, title, labels and legend; one caption
 * line (data source and run) runs under the whole figure.
 *
 * Not collective, no MPI: the products step calls it on rank 0.  Not thread-safe (PLplot
 * keeps global state): one figure is drawn at a time per process.  Library code: returns a
 * status, never exits.  The data arrays are copied at each call; the caller keeps its own.
 */
#ifndef REGIA_PLOT_H
#define REGIA_PLOT_H

#include <stddef.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct regia_fig regia_fig_t;

/* Colours: the Okabe-Ito palette, told apart by readers with colour-vision deficiency. */
typedef enum {
    REGIA_C_BLACK = 0,
    REGIA_C_ORANGE,
    REGIA_C_SKYBLUE,
    REGIA_C_GREEN,
    REGIA_C_YELLOW,
    REGIA_C_BLUE,
    REGIA_C_VERMILION,
    REGIA_C_PURPLE,
    REGIA_C_GREY,
    REGIA_C_N
} regia_color_t;

typedef enum { REGIA_LINE_SOLID = 0, REGIA_LINE_DASHED, REGIA_LINE_DOTTED } regia_line_t;

/* The axes of one panel.  Labels carry their units: "PM10 daily mean (ug m-3)". */
typedef struct {
    const char *title;      /* the panel's title (the first panel's is the figure's title) */
    const char *xlabel;     /* x axis label with units                                      */
    const char *ylabel;     /* y axis label with units                                      */
    int x_is_date;          /* 1: x are days since 1970-01-01, labelled as dates            */
    int ylog;               /* 1: logarithmic y axis (values <= 0 are left out)             */
    double xmin, xmax;      /* the x range; xmin == xmax (e.g. both 0): from the data       */
    double ymin, ymax;      /* the y range; ymin == ymax: from the data, with a margin      */
} regia_axes_t;

/* Begin a figure of `panels` panels (1..6), width x height pixels (0, 0: 1200 x 700 per
 * figure), with `caption` (e.g. "Data: ARPA Lombardia (synthetic demo); run
 * demo-lombardia-env 2026-12-01T16:22Z, regia 0.1.0") under it.  *fig is the caller's,
 * freed by regia_fig_free. */
regia_status_t regia_fig_begin(regia_fig_t **fig, int panels, int width, int height, const char *caption);

/* Select panel k (0 = top) and set its axes; later calls draw into it. */
regia_status_t regia_fig_panel(regia_fig_t *fig, int k, const regia_axes_t *axes);

/* Draw into the current panel.  NaN values break lines and are left out of points and
 * bands.  `label` names the series in the panel's legend (NULL: not in the legend). */
regia_status_t regia_fig_line(regia_fig_t *fig, const double *x, const double *y, size_t n, const char *label,
                              regia_color_t c, regia_line_t style);
regia_status_t regia_fig_points(regia_fig_t *fig, const double *x, const double *y, size_t n, const char *label,
                                regia_color_t c);
/* A shaded band between lo and hi (prediction intervals; draw the wider band first). */
regia_status_t regia_fig_band(regia_fig_t *fig, const double *x, const double *lo, const double *hi, size_t n,
                              const char *label, regia_color_t c, double opacity);
/* A horizontal (limit, target) or vertical (forecast origin, alert time) reference line. */
regia_status_t regia_fig_hline(regia_fig_t *fig, double y, const char *label, regia_color_t c, regia_line_t style);
regia_status_t regia_fig_vline(regia_fig_t *fig, double x, const char *label, regia_color_t c, regia_line_t style);
/* Vertical bars of width `width` (x units) centred at x. */
regia_status_t regia_fig_bars(regia_fig_t *fig, const double *x, const double *y, size_t n, double width,
                              const char *label, regia_color_t c);
/* Points coloured by v on a continuous scale from vmin to vmax (a colour bar titled
 * `vlabel` is drawn beside the panel), each with an optional text label (names[i] may be
 * NULL; names NULL: no labels).  For maps: x = longitude, y = latitude. */
regia_status_t regia_fig_scatter_scale(regia_fig_t *fig, const double *x, const double *y, const double *v,
                                       size_t n, double vmin, double vmax, const char *vlabel,
                                       const char *const *names);
/* Label the current panel's x axis with names instead of numbers: labels[i] under x[i]
 * (areas, provinces, classes), in two staggered rows when they would overlap. */
regia_status_t regia_fig_xticks(regia_fig_t *fig, const double *x, const char *const *labels, size_t n);
/* Text at data coordinates (x, y) of the current panel. */
regia_status_t regia_fig_text(regia_fig_t *fig, double x, double y, const char *text);

/* Render the figure as STEM.png and STEM.svg (both or neither: each is written under a
 * temporary name and renamed).  Error naming the file when PLplot cannot write it. */
regia_status_t regia_fig_save(regia_fig_t *fig, const char *stem);

void regia_fig_free(regia_fig_t *fig);

/* A file-name-safe form of `s` ("Milano - Senato" -> "milano-senato"), at most cap-1
 * bytes: ASCII letters and digits, other runs become one '-'.  For figure stems. */
void regia_plot_slug(const char *s, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
