/* regia: one executable, subcommands like cdo or git; every subcommand is MPI-capable. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "products_impl.h"
#include "regia/kernels.h"
#include "regia/version.h"

typedef struct {
    const char *name;
    int (*run)(regia_ctx_t *, int, char **);
    const char *summary;
} command_t;

/* Tools that are not batch domains; the domains come from the registry (domains.c). */
static const command_t commands[] = {
    {"gen", regia_cmd_gen, "generate synthetic data sets (gen env: ARPA-layout station data)"},
    {"ingest", regia_cmd_ingest, "convert raw CSV to analysis-ready NetCDF (ingest env, ingest waitlist)"},
    {"submit", regia_cmd_submit, "write the sbatch script(s) of a job file and submit them (SLURM)"},
    {"modal", regia_cmd_modal, "modes of one record (.npy, CSV, sensor store, miniSEED) by SSI and FDD"},
    {"publish", regia_cmd_publish, "publish outputs as a STAC catalog with web pages, extracts and checksums"},
    {"stage", regia_cmd_stage, "copy a finished job's outputs to [slurm] stage_to, checked by SHA-256"},
    {"quicklook", regia_cmd_quicklook, "make a run's products (summary CSV, figures) again from its output"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: regia COMMAND [ARGS...]            (run under mpirun or srun for several ranks)\n"
            "\n"
            "regia %s: batch analytics for regional data on supercomputers.\n\ncommands:\n",
            REGIA_VERSION);
    for (int i = 0; regia_domains[i]; i++) /* "ingest env": listed under its command, ingest */
        if (!strchr(regia_domains[i]->name, ' '))
            fprintf(f, "  %-10s %s\n", regia_domains[i]->name, regia_domains[i]->summary);
    for (const command_t *c = commands; c->name; c++) fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "  %-10s %s\n", "version", "print version, build and backends");
    fprintf(f, "\n'regia COMMAND --help' documents each command's options.\n");
}

static void version(void)
{
    printf("regia %s (git %s)\nbackends:", REGIA_VERSION, regia_git_rev);
    for (int i = 0; regia_backends[i]; i++)
        printf(" %s%s", regia_backends[i]->name, regia_backends[i]->available() ? "" : " (no device)");
    printf("\n");
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    regia_blas_single_thread(); /* OpenBLAS threads would compete with regia's own */
    regia_ctx_t ctx = {.comm = MPI_COMM_WORLD};
    MPI_Comm_rank(ctx.comm, &ctx.rank);
    MPI_Comm_size(ctx.comm, &ctx.size);
    regia_log_init(&ctx.log, ctx.comm, "regia", 0);
    int rc = REGIA_EXIT_USAGE;
    if (argc < 2) {
        if (ctx.rank == 0) usage(stderr);
    } else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        if (ctx.rank == 0) usage(stdout);
        rc = REGIA_EXIT_OK;
    } else if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        if (ctx.rank == 0) version();
        rc = REGIA_EXIT_OK;
    } else {
        const command_t *c = commands;
        while (c->name && strcmp(c->name, argv[1]) != 0) c++;
        const regia_domain_t *d = regia_domain_find(argv[1]);
        if (d) {
            rc = regia_run_domain(d, &ctx, argc - 1, argv + 1);
        } else if (c->name) {
            rc = c->run(&ctx, argc - 1, argv + 1);
        } else if (ctx.rank == 0) {
            fprintf(stderr, "regia: unknown command '%s'\n\n", argv[1]);
            usage(stderr);
        }
    }
    MPI_Finalize();
    return rc;
}
