# Reference values for tests/unit/test_k_boxcox.c, from R's forecast package:
# forecast(ets(y, model = M, lambda = L), h, level = c(80, 95), biasadj = TRUE) on fixed
# series, and Guerrero's lambda (BoxCox.lambda(y, method = "guerrero", ...)).
# Run: Rscript tests/reference/ets_boxcox_reference.R > tests/reference/ets_boxcox_reference.csv
# (R 4.2.2, forecast 8.20 from Debian 12 produced the committed file.)
suppressMessages(library(forecast))
# Not used as cases: lambda = 1 (R fits y - 1, which moves its optimiser's start: on
# WWWusage AAN it then finds -2logL 715.4 against 718.7 for y itself; regia's lambda 1 is
# the identity) and AirPassengers AAN with lambda 0.5 (a flat ridge in (l0, b0): R and
# regia reach -2logL within 0.04 with 5 % apart forecasts at step 12).
pm <- local({  # a skewed daily series with a weekly season, PM10-like: deterministic, no RNG
  t <- 1:300
  exp(3.2 + 0.35 * sin(2 * pi * t / 7) + 0.5 * sin(t * 1.3) * cos(t * 0.21) + 0.2 * cos(2 * pi * t / 61))
})
low <- local({  # small positive values near zero (bounds would go below 0 untransformed)
  t <- 1:120
  0.6 + 0.3 * sin(2 * pi * t / 7) + 0.25 * sin(t * 2.1)^3 + 0.001 * t
})
cases <- list(
  list(name = "airpass", y = as.numeric(AirPassengers), m = 12, h = 12,
       fits = list(c("ANA", 0), c("AAdA", 0), c("ANA", 0.3), c("AAA", 0.5), c("auto", 0))),
  list(name = "wwwusage", y = as.numeric(WWWusage), m = 1, h = 10,
       fits = list(c("ANN", 0), c("AAdN", 0.5), c("ANN", 0.8), c("auto", 0.7))),
  list(name = "pm", y = pm, m = 7, h = 14,
       fits = list(c("ANN", 0), c("ANA", 0), c("ANA", 0.25), c("AAdA", 0.5), c("auto", 0.2))),
  list(name = "low", y = low, m = 7, h = 7,
       fits = list(c("ANA", 0), c("ANN", 0.5), c("auto", 0)))
)
cat("case,m,h,model,lambda,n,lik,auto_model,guerrero01,guerrero,mean1,meanh,lo80_1,hi80_1,lo95_1,hi95_1,",
    "lo95_h,hi95_h,series\n", sep = "")
for (c in cases) {
  y <- ts(c$y, frequency = c$m)
  g01 <- BoxCox.lambda(y, method = "guerrero", lower = 0, upper = 1)
  g <- BoxCox.lambda(y, method = "guerrero")
  for (fm in c$fits) {
    mod <- fm[1]; lam <- as.numeric(fm[2])
    if (mod == "auto") {
      f <- ets(y, lambda = lam)
    } else {
      d <- grepl("d", mod); code <- gsub("d", "", mod)
      f <- ets(y, model = code, damped = d, lambda = lam)
    }
    fc <- forecast(f, h = c$h, level = c(80, 95), biasadj = TRUE)
    h <- c$h
    cat(sprintf("%s,%d,%d,%s,%g,%d,%.6f,%s,%.8f,%.8f,%.8f,%.8f,%.8f,%.8f,%.8f,%.8f,%.8f,%.8f,%s\n",
                c$name, c$m, h, mod, lam, length(c$y), -2 * f$loglik, gsub("[(),]", "", f$method), g01, g,
                fc$mean[1], fc$mean[h], fc$lower[1, 1], fc$upper[1, 1], fc$lower[1, 2], fc$upper[1, 2],
                fc$lower[h, 2], fc$upper[h, 2], paste(sprintf("%.10g", c$y), collapse = " ")))
  }
}
