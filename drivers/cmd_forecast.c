/* TEMPORARY scaffold: replaced by the real subcommand in this issue. */
#include "driver_impl.h"
int regia_cmd_forecast(regia_ctx_t *ctx, int argc, char **argv)
{
    (void)argc; (void)argv;
    return regia_usage_error(ctx, "forecast", "not built yet");
}
