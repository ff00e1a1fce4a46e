# R's forecast::ets fit of every model in its default candidate set (m = 7, positive
# data: 15 models) on the first K benchmark series: -2 log L, AICc, k, parameters and the
# MASE of the point forecasts on the held-back days.  ets(y) chooses the row with the
# smallest AICc among these.  Used by ets_compare_selection.py.
#
# Usage: Rscript ets_r_candidates.R SERIES.csv K HORIZON OUT.csv
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4) stop("usage: Rscript ets_r_candidates.R SERIES.csv K HORIZON OUT.csv")
d <- read.csv(args[1], stringsAsFactors = FALSE)
k <- as.integer(args[2]); h <- as.integer(args[3])
y_all <- as.matrix(d[, -1]); n_train <- ncol(y_all) - h
models <- c("ANN", "AAN", "AAdN", "ANA", "AAA", "AAdA", "MNN", "MAN", "MAdN",
            "MNA", "MAA", "MAdA", "MNM", "MAM", "MAdM")
rows <- "id,model,neg2loglik,aicc,k,alpha,beta,gamma,phi,mase"
for (s in seq_len(min(k, nrow(d)))) {
  y <- ts(y_all[s, seq_len(n_train)], frequency = 7)
  held <- y_all[s, n_train + seq_len(h)]
  scale <- mean(abs(diff(as.numeric(y), lag = 7)))
  for (code in models) {
    damped <- grepl("d", code)
    fit <- tryCatch(ets(y, model = sub("d", "", code), damped = damped), error = function(e) NULL)
    if (is.null(fit)) { rows <- c(rows, sprintf("%s,%s,NA,NA,NA,NA,NA,NA,NA,NA", d[s, 1], code)); next }
    p <- fit$par
    get <- function(nm) if (nm %in% names(p)) p[[nm]] else NA
    fc <- as.numeric(forecast(fit, h = h, PI = FALSE)$mean)
    rows <- c(rows, sprintf("%s,%s,%.8f,%.8f,%d,%.10g,%.10g,%.10g,%.10g,%.8f", d[s, 1], code,
                            -2 * fit$loglik, fit$aicc, length(p) + 1L, get("alpha"), get("beta"),
                            get("gamma"), get("phi"), mean(abs(held - fc)) / scale))
  }
}
writeLines(rows, args[4])
