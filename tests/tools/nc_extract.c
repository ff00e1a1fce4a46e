/* nc_extract: the command-line face of regia/extract.h for tests/cli/test_nc_extract.sh and
 * test_points_csv.sh (not installed; regia publish is the users' way to extracts).
 *   nc_extract regions FILE DIM VAR             one line per region: NAME<TAB>i,j,k
 *   nc_extract region  IN OUT DIM VAR NAME      the extract of region NAME
 *   nc_extract items   IN OUT DIM i,j,k [NAME]  the extract of these items, in this order
 *   nc_extract points  FILE DIM CSV             the points CSV
 * Exit status 0, or 1 with regia's message on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/extract.h"

static int failed(void)
{
    fprintf(stderr, "nc_extract: %s\n", regia_error_msg());
    return 1;
}

int main(int argc, char **argv)
{
    regia_nc_regions_t r = {0};
    if (argc == 5 && strcmp(argv[1], "regions") == 0) {
        if (regia_nc_regions(argv[2], argv[3], argv[4], &r) != REGIA_OK) return regia_nc_regions_free(&r), failed();
        for (int k = 0; k < r.n; k++) {
            printf("%s\t", r.region[k].name);
            for (size_t i = 0; i < r.region[k].n_items; i++) printf("%s%zu", i ? "," : "", r.region[k].items[i]);
            printf("\n");
        }
        printf("# %zu items, %zu in no region\n", r.dim_len, r.n_unassigned);
        regia_nc_regions_free(&r);
        return 0;
    }
    if (argc == 7 && strcmp(argv[1], "region") == 0) {
        int rc = 1;
        if (regia_nc_regions(argv[2], argv[4], argv[5], &r) != REGIA_OK) return regia_nc_regions_free(&r), failed();
        for (int k = 0; k < r.n; k++)
            if (strcmp(r.region[k].name, argv[6]) == 0) {
                rc = regia_nc_extract(argv[2], argv[3], argv[4], r.region[k].items, r.region[k].n_items, argv[6]) == REGIA_OK
                         ? 0 : failed();
                regia_nc_regions_free(&r);
                return rc;
            }
        fprintf(stderr, "nc_extract: %s: no region '%s' in %s\n", argv[2], argv[6], argv[5]);
        regia_nc_regions_free(&r);
        return 1;
    }
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "items") == 0) {
        size_t items[4096], n = 0;
        for (char *p = argv[5]; *p && n < 4096;) {
            items[n++] = strtoul(p, &p, 10);
            if (*p == ',') p++;
        }
        return regia_nc_extract(argv[2], argv[3], argv[4], items, n, argc == 7 ? argv[6] : NULL) == REGIA_OK ? 0 : failed();
    }
    if (argc == 5 && strcmp(argv[1], "points") == 0)
        return regia_points_csv(argv[2], argv[3], argv[4]) == REGIA_OK ? 0 : failed();
    fprintf(stderr, "usage: nc_extract regions FILE DIM VAR | region IN OUT DIM VAR NAME | items IN OUT DIM i,j,k [NAME] | "
                    "points FILE DIM CSV\n");
    return 2;
}
