# Reference values for tests/unit/test_k_ets.c, from R's forecast::ets.
# Run: Rscript tests/reference/ets_reference.R > tests/reference/ets_reference.csv
# (R 4.2.2, forecast 8.20 from Debian 12 produced the committed file.)
suppressMessages(library(forecast))
daily <- local({  # a fixed daily series with a weekly season: deterministic, no RNG
  t <- 1:200
  30 + 0.02 * t + 6 * sin(2 * pi * t / 7) + 3 * cos(2 * pi * t / 7 * 2) + 4 * sin(t * 1.7) + 2 * cos(t * 0.37)
})
cases <- list(
  list(name = "airpass", y = as.numeric(AirPassengers), m = 12, models = c("MAM", "ANN", "AAN", "MNM")),
  list(name = "lakehuron", y = as.numeric(LakeHuron), m = 1, models = c("ANN", "AAN", "MNN")),
  list(name = "wwwusage", y = as.numeric(WWWusage), m = 1, models = c("ANN", "AAdN", "MAdN")),
  list(name = "daily", y = daily, m = 7, models = c("ANA", "MNM", "AAA", "ANN"))
)
cat("case,model,damped,n,lik,aicc,mean1,mean7,lo95_1,hi95_1,auto_model,series\n")
for (c in cases) {
  y <- ts(c$y, frequency = c$m)
  auto <- ets(y)
  for (mod in c$models) {
    d <- grepl("d", mod); code <- gsub("d", "", mod)
    f <- ets(y, model = code, damped = d)
    fc <- forecast(f, h = 7, level = 95)
    cat(sprintf("%s,%s,%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%s,%s\n", c$name, mod, d, length(c$y),
                -2 * f$loglik, f$aicc, fc$mean[1], fc$mean[7], fc$lower[1], fc$upper[1],
                gsub("[(),]", "", auto$method), paste(sprintf("%.10g", c$y), collapse = " ")))
  }
}
