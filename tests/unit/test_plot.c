/* regia/plot.h on PLplot: every drawing call, PNG and SVG written (PNG signature, IHDR
 * size, SVG is XML with the caption's text), errors for bad arguments and an unwritable
 * stem, the slug rule, and one figure after another (PLplot's state released each time). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "regia/plot.h"

static char dir[] = "/tmp/regia-test-plot.XXXXXX";

/* The PNG's width and height from its IHDR chunk; 0 when the file is not a PNG. */
static int png_size(const char *path, uint32_t *w, uint32_t *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n < 24 || memcmp(b, sig, 8) || memcmp(b + 12, "IHDR", 4)) return 0;
    *w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
    *h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
    return 1;
}

/* The SVG device writes text as character references (&#x4d;): decode the ASCII ones. */
static void decode_refs(char *s)
{
    char *o = s;
    for (char *c = s; *c;) {
        unsigned v;
        int n = 0;
        if (c[0] == '&' && c[1] == '#' && c[2] == 'x' && sscanf(c + 3, "%x;%n", &v, &n) == 1 && n > 0 && v < 128) {
            *o++ = (char)v;
            c += 3 + n;
        } else {
            *o++ = *c++;
        }
    }
    *o = '\0';
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

/* A figure with every call; panels = 3. */
static int draw_all(const char *stem, int width, int height)
{
    regia_fig_t *f = NULL;
    double x[60], y[60], lo[60], hi[60], v[60];
    for (int i = 0; i < 60; i++) {
        x[i] = 20300 + i; /* days since 1970: 2025-07-31 on */
        y[i] = 40 + 10 * sin(i / 6.0);
        lo[i] = y[i] - 8;
        hi[i] = y[i] + 8;
        v[i] = i / 59.0;
    }
    y[20] = NAN; /* a gap */
    lo[30] = NAN;
    const char *names[60] = {"Milano Senato", NULL, "Bergamo #1"};
    int st = 0;
    st |= regia_fig_begin(&f, 3, width, height, "Data: test (synthetic) | run t, 2026-12-01 | regia test");
    regia_axes_t a0 = {"Daily means with 80 % interval", "date", "PM10 (ug m-3)", 1, 0, 0, 0, 0, 0};
    st |= regia_fig_panel(f, 0, &a0);
    st |= regia_fig_band(f, x, lo, hi, 60, "80 % interval", REGIA_C_SKYBLUE, 0.4);
    st |= regia_fig_line(f, x, y, 60, "daily mean", REGIA_C_BLACK, REGIA_LINE_SOLID);
    st |= regia_fig_points(f, x, hi, 10, "maxima", REGIA_C_ORANGE);
    st |= regia_fig_hline(f, 50, "limit 50", REGIA_C_VERMILION, REGIA_LINE_DASHED);
    st |= regia_fig_vline(f, 20330, "origin", REGIA_C_GREY, REGIA_LINE_DOTTED);
    st |= regia_fig_text(f, 20301, 55, "note");
    regia_axes_t a1 = {"Bars on a log axis", "class (1)", "count (1)", 0, 1, 0, 0, 0, 0};
    st |= regia_fig_panel(f, 1, &a1);
    st |= regia_fig_bars(f, v, hi, 60, 0.01, "count", REGIA_C_GREEN);
    double tx[5] = {0, 0.25, 0.5, 0.75, 1};
    const char *tl[5] = {"Distretto Uno (D1)", "Distretto Due (D2)", "Distretto Tre (D3), a long name", "ASL Uno",
                         NULL}; /* the long one makes two rows */
    st |= regia_fig_xticks(f, tx, tl, 5);
    regia_axes_t a2 = {"Map", "longitude (degrees east)", "latitude (degrees north)", 0, 0, 0, 0, 0, 0};
    st |= regia_fig_panel(f, 2, &a2);
    double lon[60], lat[60];
    for (int i = 0; i < 60; i++) lon[i] = 9 + i * 0.03, lat[i] = 45 + 0.5 * sin(i);
    st |= regia_fig_scatter_scale(f, lon, lat, v, 60, 0, 1, "P(breach)", names);
    st |= regia_fig_save(f, stem);
    regia_fig_free(f);
    return st;
}

int main(void)
{
    if (!mkdtemp(dir)) SKIP("cannot make a temporary directory");
    char stem[256], png[300], svg[300];
    snprintf(stem, sizeof stem, "%s/all", dir);
    snprintf(png, sizeof png, "%s.png", stem);
    snprintf(svg, sizeof svg, "%s.svg", stem);

    CHECK_OK(draw_all(stem, 1000, 900));
    uint32_t w = 0, h = 0;
    CHECK_MSG(png_size(png, &w, &h), "%s is not a PNG", png);
    CHECK_MSG(w == 1000 && h == 900, "PNG size %u x %u, expected 1000 x 900", w, h);
    char *s = slurp(svg);
    CHECK_MSG(s && !strncmp(s, "<?xml", 5) && strstr(s, "<svg") && strstr(s, "</svg>"), "%s is not SVG", svg);
    /* sized in pixels like the PNG (PLplot writes points) */
    CHECK_MSG(s && strstr(s, "width=\"1000\"") && strstr(s, "height=\"900\""), "%s is not sized 1000 x 900 px", svg);
    /* the native svg device keeps text as text: the caption and a station name are there */
    if (s && strstr(s, "<text")) {
        decode_refs(s);
        CHECK(strstr(s, "Milano Senato") != NULL);
        CHECK(strstr(s, "regia test") != NULL);
        CHECK(strstr(s, "Distretto Tre (D3)") != NULL);
    }
    free(s);
    /* no temporary file is left */
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s.png.tmp%ld", stem, (long)getpid());
    CHECK(access(tmp, F_OK) != 0);

    /* default size, and a second and third figure in the same process */
    CHECK_OK(draw_all(stem, 0, 0));
    CHECK(png_size(png, &w, &h) && w == 1200 && h == 3 * 320 + 80);
    regia_fig_t *f = NULL;
    CHECK_OK(regia_fig_begin(&f, 1, 0, 0, NULL));
    CHECK_OK(regia_fig_save(f, stem)); /* an empty figure still renders */
    regia_fig_free(f);
    CHECK(png_size(png, &w, &h) && w == 1200 && h == 700);

    /* errors */
    CHECK(regia_fig_begin(&f, 0, 0, 0, NULL) == REGIA_ERR_INVALID && f == NULL);
    CHECK(regia_fig_begin(&f, 7, 0, 0, NULL) == REGIA_ERR_INVALID);
    CHECK(regia_fig_begin(&f, 1, 50, 50, NULL) == REGIA_ERR_INVALID);
    CHECK_OK(regia_fig_begin(&f, 2, 0, 0, "c"));
    regia_axes_t a = {"t", "x", "y", 0, 0, 0, 0, 0, 0};
    CHECK(regia_fig_panel(f, 2, &a) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "panel 2") != NULL);
    double xs[2] = {0, 1};
    CHECK(regia_fig_line(f, xs, xs, 2, "l", (regia_color_t)99, REGIA_LINE_SOLID) == REGIA_ERR_INVALID);
    CHECK(regia_fig_bars(f, xs, xs, 2, 0, "b", REGIA_C_BLUE) == REGIA_ERR_INVALID);
    CHECK(regia_fig_scatter_scale(f, xs, xs, xs, 2, 1, 1, "v", NULL) == REGIA_ERR_INVALID);
    CHECK(regia_fig_line(f, NULL, NULL, 2, "l", REGIA_C_BLUE, REGIA_LINE_SOLID) == REGIA_ERR_INVALID);
    CHECK(regia_fig_xticks(f, NULL, NULL, 2) == REGIA_ERR_INVALID);
    CHECK(regia_fig_save(f, "/nonexistent-dir/x") == REGIA_ERR_IO);
    CHECK_MSG(strstr(regia_error_msg(), "/nonexistent-dir/x") != NULL, "message: %s", regia_error_msg());
    regia_fig_free(f);
    /* after a failed save, PLplot still works */
    CHECK_OK(draw_all(stem, 800, 600));
    CHECK(png_size(png, &w, &h) && w == 800 && h == 600);

    /* slugs */
    char b[32];
    regia_plot_slug("Milano - Senato", b, sizeof b);
    CHECK(!strcmp(b, "milano-senato"));
    regia_plot_slug("  São Paulo / Vila  ", b, sizeof b);
    CHECK_MSG(!strcmp(b, "s-o-paulo-vila"), "slug '%s'", b);
    regia_plot_slug("abcdefghij", b, 5);
    CHECK(!strcmp(b, "abcd"));
    regia_plot_slug("", b, sizeof b);
    CHECK(b[0] == '\0');

    CHECK_OK(draw_all(stem, 0, 0)); /* the default-size figure, to look at with KEEP_TMP=1 */
    if (getenv("KEEP_TMP")) {
        printf("figures kept in %s\n", dir);
    } else {
        unlink(png);
        unlink(svg);
        rmdir(dir);
    }
    return check_done();
}
