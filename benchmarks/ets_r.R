# R's forecast::ets on the benchmark series: automatic model selection (R's defaults),
# 14-day forecast with 80/95 % intervals.  Times the fit + forecast loop only (not R's
# start-up or reading the CSV).
#
# Usage: Rscript ets_r.R SERIES.csv K HORIZON OUT_FORECASTS.csv OUT_TIMING.json
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 5) stop("usage: Rscript ets_r.R SERIES.csv K HORIZON OUT_FORECASTS.csv OUT_TIMING.json")
csv <- args[1]; k <- as.integer(args[2]); h <- as.integer(args[3])
out_fc <- args[4]; out_tm <- args[5]

d <- read.csv(csv, stringsAsFactors = FALSE)
if (nrow(d) < k) stop(sprintf("%s has %d series, %d asked", csv, nrow(d), k))
ids <- d[[1]]
y_all <- as.matrix(d[, -1])
n_train <- ncol(y_all) - h

set.seed(1)   # forecast() simulates the intervals of multiplicative-season models
res <- vector("list", k)
t0 <- proc.time()[["elapsed"]]
for (s in seq_len(k)) {
  y <- ts(y_all[s, seq_len(n_train)], frequency = 7)
  fit <- ets(y)
  fc <- forecast(fit, h = h, level = c(80, 95))
  res[[s]] <- list(model = fit$method, mean = as.numeric(fc$mean),
                   lo80 = as.numeric(fc$lower[, 1]), hi80 = as.numeric(fc$upper[, 1]),
                   lo95 = as.numeric(fc$lower[, 2]), hi95 = as.numeric(fc$upper[, 2]))
}
secs <- proc.time()[["elapsed"]] - t0

# "ETS(M,Ad,M)" -> "MAdM"
code <- function(m) gsub("[^A-Za-z]", "", sub("^ETS", "", m))
hdr <- c("id", "model",
         sprintf("mean_%d", 1:h), sprintf("lo80_%d", 1:h), sprintf("hi80_%d", 1:h),
         sprintf("lo95_%d", 1:h), sprintf("hi95_%d", 1:h))
con <- file(out_fc, "w")
writeLines(paste(hdr, collapse = ","), con)
for (s in seq_len(k)) {
  r <- res[[s]]
  v <- sprintf("%.10g", c(r$mean, r$lo80, r$hi80, r$lo95, r$hi95))
  writeLines(paste(c(ids[s], code(r$model), v), collapse = ","), con)
}
close(con)
writeLines(sprintf(paste0('{"tool": "R forecast::ets", "n_series": %d, "seconds": %.6f, ',
                          '"r_version": "%s", "forecast_version": "%s"}'),
                   k, secs, paste(R.version$major, R.version$minor, sep = "."),
                   as.character(packageVersion("forecast"))), out_tm)
cat(sprintf("R forecast::ets: %d series in %.2f s (%.3f series/s)\n", k, secs, k / secs))
