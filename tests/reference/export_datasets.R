# Exports the datasets every reference script uses, so Python tests read exactly what R read.
#   Rscript tests/reference/export_datasets.R        (from the repository root)
# - apistrat, apiclus1, apiclus2, apipop: R survey's bundled California API data.
# - generated.csv: a stratified two-stage survey with sex/age/area margins, unequal weights,
#   a lonely-PSU stratum and missing values, from a fixed seed.
suppressMessages(library(survey))
out <- "tests/reference/data"
data(api)
write.csv(apistrat, file.path(out, "apistrat.csv"), row.names = FALSE, na = "")
write.csv(apiclus1, file.path(out, "apiclus1.csv"), row.names = FALSE, na = "")
write.csv(apiclus2, file.path(out, "apiclus2.csv"), row.names = FALSE, na = "")
write.csv(apipop, file.path(out, "apipop.csv"), row.names = FALSE, na = "")

set.seed(20261122)
strata <- sprintf("S%02d", 1:8)
rows <- list()
for (h in seq_along(strata)) {
  n_psu <- if (h == 8) 1 else sample(3:6, 1)        # stratum S08 has a single PSU
  N_psu <- n_psu * sample(4:10, 1)
  for (j in seq_len(n_psu)) {
    m <- sample(8:20, 1)
    rows[[length(rows) + 1]] <- data.frame(
      stratum = strata[h],
      psu = sprintf("%s-P%02d", strata[h], j),
      fpc_psu = N_psu,
      sex = sample(c("female", "male"), m, replace = TRUE, prob = c(0.55, 0.45)),
      age = sample(c("18-29", "30-44", "45-59", "60+"), m, replace = TRUE),
      area = sample(c("urban", "rural"), m, replace = TRUE, prob = c(0.4, 0.6)),
      weight = round(runif(m, 20, 120), 3)
    )
  }
}
gen <- do.call(rbind, rows)
n <- nrow(gen)
gen$id <- seq_len(n)
lin <- 0.5 + 0.3 * (gen$area == "urban") - 0.2 * (gen$age == "60+") + 0.1 * (gen$sex == "female")
gen$q1 <- pmin(5, pmax(1, round(3 + lin + rnorm(n))))          # 5-level satisfaction
gen$satisfied <- as.integer(gen$q1 >= 4)
gen$score <- round(runif(n) * 100 * (0.5 + 0.5 * (gen$area == "urban")), 2)
gen$income <- round(exp(rnorm(n, 2 + 0.3 * (gen$area == "urban"), 0.6)), 2)
gen$q1[sample(n, 6)] <- NA                                     # item non-response
gen <- gen[, c("id", "stratum", "psu", "fpc_psu", "sex", "age", "area", "weight",
               "q1", "satisfied", "score", "income")]
write.csv(gen, file.path(out, "generated.csv"), row.names = FALSE, na = "")
cat("wrote", n, "generated rows\n")
