#!/usr/bin/env Rscript
# gev_evd.R - reference GEV fits by R's evd::fgev (evd 2.3.6.1, Debian r-cran-evd) for
# tests/cli/test_gev_evd.sh, on the series of tests/reference/gev_series.csv.
#
#   Rscript gev_evd.R gev_series.csv          print the reference values (CSV on stdout)
#   Rscript gev_evd.R --write-data OUT.csv    write gev_series.csv (the data) again
#
# The data (series_id,time,value):
#   portpirie  annual maximum sea levels (m) at Port Pirie, South Australia, 1923-1987:
#              evd's data(portpirie), the example of Coles, S. (2001) An Introduction to
#              Statistical Modeling of Extreme Values, Springer, section 3.4.1;
#   heavy      60 draws of evd::rgev(loc 10, scale 2, shape 0.3)   (set.seed(11));
#   gumbel     100 draws of evd::rgev(loc 0, scale 1, shape 0)      (set.seed(12));
#   bounded    80 draws of evd::rgev(loc 20, scale 3, shape -0.3)  (set.seed(14));
#   short      12 draws of evd::rgev(loc 5, scale 1, shape 0.1)     (set.seed(13));
# the drawn values rounded to 6 decimals (the CSV holds exactly what is fitted).
#
# Output rows: series_id,fit,quantity,T,estimate,std_error where fit is
#   default  fgev(x) as shipped: optim BFGS (reltol 1e-8, gradient by differences of
#            1e-3) and optim's Hessian; its estimates stop about 1e-5 from the maximum
#            (Port Pirie: shape -0.050117 instead of -0.050110);
#   tight    the estimates of fgev(x, control = list(reltol = 1e-14, ndeps = rep(1e-6, 3),
#            maxit = 10000)), converged to about 1e-9, and the standard errors from
#            stats::optimHess (steps 1e-4) of -sum(evd::dgev(x, ..., log = TRUE)) at them
#            (fgev's own Hessian would then use the steps of 1e-6 too, whose rounding
#            error reaches 1e-4 of the standard errors);
# quantity loc, scale, shape (T empty) or return_level with T: evd::qgev(1 - 1/T) at the
# tight estimates with its delta-method standard error (Coles 2001, eq. 3.10), the
# gradient of qgev by central differences (steps 1e-6) and the covariance above.
suppressMessages(library(evd))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) == 2 && args[1] == "--write-data") {
  data(portpirie, package = "evd")
  rows <- data.frame(series_id = "portpirie",
                     time = sprintf("%d-01-01T00:00:00Z", 1923:1987),
                     value = sprintf("%.2f", as.numeric(portpirie)))
  draw <- function(id, seed, n, loc, scale, shape) {
    set.seed(seed)
    v <- rgev(n, loc, scale, shape)
    data.frame(series_id = id, time = sprintf("%d-01-01T00:00:00Z", 1900 + seq_len(n)),
               value = sprintf("%.6f", v))
  }
  rows <- rbind(rows, draw("heavy", 11, 60, 10, 2, 0.3), draw("gumbel", 12, 100, 0, 1, 0),
                draw("bounded", 14, 80, 20, 3, -0.3), draw("short", 13, 12, 5, 1, 0.1))
  write.csv(rows, args[2], row.names = FALSE, quote = FALSE)
  quit(status = 0)
}
if (length(args) != 1) stop("usage: gev_evd.R gev_series.csv | --write-data OUT.csv")
d <- read.csv(args[1], stringsAsFactors = FALSE)
tight <- list(reltol = 1e-14, ndeps = rep(1e-6, 3), maxit = 10000)
periods <- c(10, 50, 100)
cat("series_id,fit,quantity,T,estimate,std_error\n")
put <- function(id, fit, q, T, e, s) cat(sprintf("%s,%s,%s,%s,%.12g,%.12g\n", id, fit, q, T, e, s))
for (id in unique(d$series_id)) {
  x <- d$value[d$series_id == id]
  f <- fgev(x)
  for (k in 1:3) put(id, "default", names(f$estimate)[k], "", f$estimate[k], f$std.err[k])
  e <- fgev(x, control = tight)$estimate
  nll <- function(p) if (p[2] <= 0) 1e10 else -sum(dgev(x, p[1], p[2], p[3], log = TRUE))
  V <- solve(optimHess(e, nll, control = list(ndeps = rep(1e-4, 3))))
  for (k in 1:3) put(id, "tight", names(e)[k], "", e[k], sqrt(V[k, k]))
  for (T in periods) {
    zp <- function(p) qgev(1 - 1 / T, p[1], p[2], p[3])
    g <- sapply(1:3, function(k) { h <- 1e-6 * c(1, 1, 1)[k]; d1 <- replace(e, k, e[k] + h)
                                   d2 <- replace(e, k, e[k] - h); (zp(d1) - zp(d2)) / (2 * h) })
    put(id, "tight", "return_level", T, zp(e), sqrt(drop(t(g) %*% V %*% g)))
  }
}
