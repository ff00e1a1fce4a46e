# Reference values for tests/unit/test_k_ets_horizon.c: R's forecast::ets prediction
# intervals at long horizons (classes 1, 2 and 3 of Hyndman et al. 2008, ch. 6, which R
# computes in closed form).  R fits each model; the test takes R's smoothing parameters,
# sigma2 and final state as fixed inputs and compares regia's variances at the listed
# steps with the ones R's 95 % intervals imply, var = ((upper - lower) / (2 qnorm(.975)))^2.
# Run: Rscript tests/reference/ets_horizon_reference.R > tests/reference/ets_horizon_reference.csv
# (the committed file: R 4.2.2, forecast 8.20, Debian 12 r-cran-forecast; the first line
# of the output records the versions that produced it).
#
# Columns: case, model, m, h (horizon forecast), alpha, beta, gamma, phi (NA when absent),
# sigma2, state (R's order: level, trend, then the seasonal terms s1 .. sm, s1 the most
# recent, sm the one step 1 uses), steps, mean, lower95, upper95 (space-separated, one
# value per step).  Rows "...,class3_phi" are not R's output: R 8.20's class3() writes the
# damped trend as l + b (F1 = [1 1; 0 phi], H1 = (1, 1), G1 rows (alpha, alpha), (beta,
# beta)) although the model's one-step forecast is (l + phi b) s; those rows run R's own
# class3() code with the damped matrices F1 = [1 phi; 0 phi], H1 = (1, phi),
# G1 = (alpha, beta)' H1, to check regia's recursion for M,Ad,M against R's Kronecker form.
# Rows "...,class1_gamma" are not R's output either: R 8.20's class1() (which class2()
# calls) puts gamma into G[3, 1], the first seasonal state only when there is a trend;
# without one (A,N,A and M,N,A) it lands on the second, so gamma enters c_j at
# j = m - 1, 2m - 1, ... instead of j = m, 2m, ... (Hyndman et al. 2008, Table 6.1), and
# R's variances from step m on are off.  Those rows run R's class1()/class2() code with
# G[p - m + 1, 1], the first seasonal state, in its place.
suppressMessages(library(forecast))
cat(sprintf("# R %s.%s, forecast %s\n", R.version$major, R.version$minor, packageVersion("forecast")))
daily <- local({  # the fixed daily series of ets_reference.R (deterministic, no RNG)
  t <- 1:200
  30 + 0.02 * t + 6 * sin(2 * pi * t / 7) + 3 * cos(2 * pi * t / 7 * 2) + 4 * sin(t * 1.7) + 2 * cos(t * 0.37)
})
steps_for <- function(h) { s <- c(1, 2, 7, 12, 63, 64, 65, 66, 100, 199, 200, 1023, 1024, 1025, 1026, 1499, 1500); s[s <= h] }
fmt <- function(x) paste(sprintf("%.17g", x), collapse = " ")
par_or_na <- function(f, k) if (k %in% names(f$par)) unname(f$par[k]) else NA
emit <- function(name, code, fit, h, mean, lower, upper, tag = "R") {
  st <- fit$states[nrow(fit$states), ]
  s <- steps_for(h)
  cat(sprintf("%s,%s,%d,%d,%.17g,%.17g,%.17g,%.17g,%.17g,%s,%s,%s,%s,%s,%s\n", name, code, fit$m, h,
              par_or_na(fit, "alpha"), par_or_na(fit, "beta"), par_or_na(fit, "gamma"), par_or_na(fit, "phi"),
              fit$sigma2, fmt(st), fmt(s), fmt(mean[s]), fmt(lower[s]), fmt(upper[s]), tag))
}
# R's class3() with the damped-trend matrices in place (see above)
class3_phi <- function(h, last.state, m, sigma2, par) {
  p <- length(last.state); phi <- par["phi"]
  H1 <- matrix(c(1, phi), nrow = 1)
  H2 <- matrix(c(rep(0, m - 1), 1), nrow = 1)
  F1 <- rbind(c(1, phi), c(0, phi))
  G1 <- matrix(c(par["alpha"], par["beta"])) %*% H1
  F2 <- rbind(c(rep(0, m - 1), 1), cbind(diag(m - 1), rep(0, m - 1)))
  G2 <- matrix(0, m, m); G2[1, m] <- par["gamma"]
  Mh <- matrix(last.state[1:(p - m)]) %*% matrix(last.state[(p - m + 1):p], nrow = 1)
  Vh <- matrix(0, length(Mh), length(Mh))
  H21 <- H2 %x% H1; F21 <- F2 %x% F1; G21 <- G2 %x% G1
  K <- (G2 %x% F1) + (F2 %x% G1)
  mu <- var <- numeric(h)
  for (i in 1:h) {
    mu[i] <- H1 %*% Mh %*% t(H2)
    var[i] <- (1 + sigma2) * H21 %*% Vh %*% t(H21) + sigma2 * mu[i]^2
    vecMh <- c(Mh)
    Vh <- F21 %*% Vh %*% t(F21) + sigma2 * (F21 %*% Vh %*% t(G21) + G21 %*% Vh %*% t(F21) +
      K %*% (Vh + vecMh %*% t(vecMh)) %*% t(K) + sigma2 * G21 %*% (3 * Vh + 2 * vecMh %*% t(vecMh)) %*% t(G21))
    Mh <- F1 %*% Mh %*% t(F2) + G1 %*% Mh %*% t(G2) * sigma2
  }
  list(mu = mu, var = var)
}
# R's class1() and class2() with gamma on the first seasonal state (see above)
class1_gamma <- eval(parse(text = sub("G[3, 1]", "G[p - m + 1, 1]", deparse(forecast:::class1), fixed = TRUE)))
class2_gamma <- forecast:::class2
environment(class2_gamma) <- list2env(list(class1 = class1_gamma), parent = asNamespace("forecast"))
cases <- list(
  list(name = "lakehuron", y = as.numeric(LakeHuron), m = 1, model = "AAN", h = 1500),   # class 1
  list(name = "daily", y = daily, m = 7, model = "ANA", h = 1500),                       # class 1, season
  list(name = "daily", y = daily, m = 7, model = "AAdA", h = 1500),                      # class 1, damped
  list(name = "wwwusage", y = as.numeric(WWWusage), m = 1, model = "MAdN", h = 1500),    # class 2
  list(name = "daily", y = daily, m = 7, model = "MNA", h = 1500),                       # class 2, season
  list(name = "airpass", y = as.numeric(AirPassengers), m = 12, model = "MAN", h = 200), # class 2, trend
  list(name = "airpass", y = as.numeric(AirPassengers), m = 12, model = "MAM", h = 100), # class 3
  list(name = "airpass", y = as.numeric(AirPassengers), m = 12, model = "MNM", h = 1500),# class 3
  list(name = "daily", y = daily, m = 7, model = "MNM", h = 1500),                       # class 3, m = 7
  list(name = "airpass", y = as.numeric(AirPassengers), m = 12, model = "MAdM", h = 1500)# class 3, damped
)
cat("case,model,m,h,alpha,beta,gamma,phi,sigma2,state,steps,mean,lower95,upper95,source\n")
for (c in cases) {
  y <- ts(c$y, frequency = c$m)
  d <- grepl("d", c$model); code <- gsub("d", "", c$model)
  fit <- ets(y, model = code, damped = d)
  fc <- forecast(fit, h = c$h, level = 95)
  emit(c$name, c$model, fit, c$h, as.numeric(fc$mean), as.numeric(fc$lower), as.numeric(fc$upper))
  if (substr(code, 2, 2) == "N" && substr(code, 3, 3) == "A") {
    cls <- if (substr(code, 1, 1) == "A") class1_gamma else class2_gamma
    f1 <- cls(c$h, fit$states[nrow(fit$states), ], "N", "A", FALSE, fit$m, fit$sigma2, fit$par)
    z <- qnorm(0.975) * sqrt(f1$var)
    emit(c$name, c$model, fit, c$h, f1$mu, f1$mu - z, f1$mu + z, "class1_gamma")
  }
  if (d && substr(code, 3, 3) == "M") {
    f3 <- class3_phi(c$h, fit$states[nrow(fit$states), ], fit$m, fit$sigma2, fit$par)
    z <- qnorm(0.975) * sqrt(f3$var)
    emit(c$name, c$model, fit, c$h, f3$mu, f3$mu - z, f3$mu + z, "class3_phi")
  }
}
