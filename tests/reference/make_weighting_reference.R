# Reference fixtures for analysis.weighting, computed by R survey 4.1.1 from the exported CSVs.
#   Rscript tests/reference/make_weighting_reference.R        (from the repository root)
# Reads tests/reference/data/*.csv (the same files the Python tests read) and writes, into
# tests/reference/weighting/:
# - margins_*.csv, poststrata_*.csv: the population targets used, as variable,level,target
#   (or cells + target), so Python calibrates to exactly these numbers;
# - weights_<case>.csv: per unit the final weight and the influence values of a mean and a
#   total before (infl_*) and after (adj_*) R's svyrecvar applies the calibration trace;
# - se.csv: estimate and SE of svymean / svytotal after each calibration of an API design;
# - trim_<case>.csv: weights after trimWeights (strict and not).
# Every number is written with 17 significant digits.
suppressMessages(library(survey))
stopifnot(packageVersion("survey") == "4.1.1")
data_dir <- "tests/reference/data"
out <- "tests/reference/weighting"
dir.create(out, showWarnings = FALSE)
num <- function(x) sprintf("%.17g", x)

apistrat <- read.csv(file.path(data_dir, "apistrat.csv"), stringsAsFactors = FALSE)
apiclus1 <- read.csv(file.path(data_dir, "apiclus1.csv"), stringsAsFactors = FALSE)
apipop <- read.csv(file.path(data_dir, "apipop.csv"), stringsAsFactors = FALSE)
gen <- read.csv(file.path(data_dir, "generated.csv"), stringsAsFactors = FALSE)

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dgen <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc_psu, data = gen)

# The influence values svyrecvar hands on to the variance formula, i.e. after it has applied
# every calibration trace: svyrecvar itself, run with `multistage` replaced by a recorder.
adjusted_influence <- function(x, design) {
  captured <- NULL
  recorder <- function(x, ...) {
    captured <<- x
    matrix(0, NCOL(x), NCOL(x))
  }
  f <- survey:::svyrecvar
  environment(f) <- list2env(list(multistage = recorder), parent = asNamespace("survey"))
  f(x, design$cluster, design$strata, design$fpc, postStrata = design$postStrata)
  captured
}

write_margins <- function(margins, name) {
  frame <- do.call(rbind, lapply(names(margins), function(v) {
    data.frame(variable = v, level = names(margins[[v]]), target = num(unname(margins[[v]])))
  }))
  write.csv(frame, file.path(out, paste0("margins_", name, ".csv")), row.names = FALSE,
            quote = FALSE)
}

# Population totals in model.matrix order (intercept, treatment-coded levels, numeric totals)
# from per-variable margins; `data` fixes R's (sorted) factor levels.
population_vector <- function(margins, numeric, data) {
  vars <- names(margins)
  pop <- c(`(Intercept)` = sum(margins[[1]]))
  for (v in vars) {
    lev <- sort(unique(data[[v]]))[-1]
    pop <- c(pop, setNames(unname(margins[[v]][lev]), paste0(v, lev)))
  }
  c(pop, numeric)
}

# Weights, and raw and adjusted influence of the mean of `mean_var` and total of `total_var`.
write_case <- function(design, name, mean_var, total_var) {
  w <- weights(design)
  y <- design$variables[[mean_var]]
  z <- design$variables[[total_var]]
  infl <- cbind((y - sum(w * y) / sum(w)) * w / sum(w), z * w)
  adj <- adjusted_influence(infl, design)
  frame <- data.frame(
    weight = num(w),
    infl_mean = num(infl[, 1]), infl_total = num(infl[, 2]),
    adj_mean = num(adj[, 1]), adj_total = num(adj[, 2])
  )
  write.csv(frame, file.path(out, paste0("weights_", name, ".csv")), row.names = FALSE,
            quote = FALSE)
}

se_rows <- list()
record_se <- function(design, name, mean_var, total_var) {
  m <- svymean(as.formula(paste0("~", mean_var)), design)
  t <- svytotal(as.formula(paste0("~", total_var)), design)
  se_rows[[length(se_rows) + 1]] <<- data.frame(
    case = name, statistic = c("mean", "total"), variable = c(mean_var, total_var),
    estimate = num(c(coef(m), coef(t))), se = num(c(SE(m), SE(t)))
  )
}

# --- post-stratification -----------------------------------------------------------------
stype_counts <- table(apipop$stype)
write_margins(list(stype = c(stype_counts)), "apistrat_stype")
ps_strat <- postStratify(dstrat, ~stype, as.data.frame(stype_counts, responseName = "Freq") |>
                           setNames(c("stype", "Freq")))
write_case(ps_strat, "ps_apistrat", "api00", "enroll")
record_se(ps_strat, "ps_apistrat", "api00", "enroll")

gen_cells <- expand.grid(sex = c("female", "male"), age = c("18-29", "30-44", "45-59", "60+"),
                         stringsAsFactors = FALSE)
gen_cells$Freq <- c(6200, 5800, 7300, 6700, 6900, 6100, 5600, 5400)
write.csv(transform(gen_cells, target = num(Freq))[, c("sex", "age", "target")],
          file.path(out, "poststrata_generated.csv"), row.names = FALSE, quote = FALSE)
ps_gen <- postStratify(dgen, ~sex + age, gen_cells)
write_case(ps_gen, "ps_generated", "score", "income")

# --- calibration on apiclus1: ~stype + api99 --------------------------------------------
clus_margins <- list(stype = c(stype_counts))
api99_total <- sum(apipop$api99)
write.csv(rbind(
  data.frame(variable = "stype", level = names(stype_counts), target = num(c(stype_counts))),
  data.frame(variable = "api99", level = "", target = num(api99_total))
), file.path(out, "margins_apiclus1.csv"), row.names = FALSE, quote = FALSE)
clus_pop <- population_vector(clus_margins, c(api99 = api99_total), apiclus1)
calibrations <- list(
  cal_linear = list(calfun = "linear", bounds = c(-Inf, Inf)),
  cal_raking = list(calfun = "raking", bounds = c(-Inf, Inf)),
  cal_logit = list(calfun = "logit", bounds = c(0.7, 1.7)),
  cal_linear_bounded = list(calfun = "linear", bounds = c(0.5, 1.7))
)
for (name in names(calibrations)) {
  spec <- calibrations[[name]]
  cal <- calibrate(dclus1, ~stype + api99, clus_pop, calfun = spec$calfun,
                   bounds = spec$bounds, epsilon = 1e-12, maxit = 100)
  write_case(cal, paste0(name, "_apiclus1"), "api00", "enroll")
  record_se(cal, paste0(name, "_apiclus1"), "api00", "enroll")
}

# --- raking --------------------------------------------------------------------------------
strat_margins <- list(stype = c(stype_counts), sch.wide = c(table(apipop$sch.wide)),
                      awards = c(table(apipop$awards)))
write_margins(strat_margins, "apistrat")
rake_strat <- calibrate(dstrat, ~stype + sch.wide + awards,
                        population_vector(strat_margins, NULL, apistrat),
                        calfun = "raking", epsilon = 1e-12, maxit = 100)
write_case(rake_strat, "rake_apistrat", "api00", "enroll")
record_se(rake_strat, "rake_apistrat", "api00", "enroll")

gen_margins <- list(
  sex = c(female = 26000, male = 24000),
  age = c(`18-29` = 12000, `30-44` = 14000, `45-59` = 13000, `60+` = 11000),
  area = c(rural = 30000, urban = 20000)
)
write_margins(gen_margins, "generated")
gen_pop <- population_vector(gen_margins, NULL, gen)
rake_gen <- calibrate(dgen, ~sex + age + area, gen_pop, calfun = "raking", epsilon = 1e-12,
                      maxit = 100)
write_case(rake_gen, "rake_generated", "score", "income")
lin_gen <- calibrate(dgen, ~sex + age + area, gen_pop)
write_case(lin_gen, "cal_linear_generated", "score", "income")

write.csv(do.call(rbind, se_rows), file.path(out, "se.csv"), row.names = FALSE, quote = FALSE)

# --- trimming ------------------------------------------------------------------------------
trim_case <- function(design, name, lower, upper) {
  loose <- weights(trimWeights(design, lower = lower, upper = upper))
  strict <- weights(trimWeights(design, lower = lower, upper = upper, strict = TRUE))
  write.csv(data.frame(initial = num(weights(design)), lower = num(lower), upper = num(upper),
                       trimmed = num(loose), trimmed_strict = num(strict)),
            file.path(out, paste0("trim_", name, ".csv")), row.names = FALSE, quote = FALSE)
}
trim_case(calibrate(dclus1, ~stype + api99, clus_pop), "cal_linear_apiclus1", 20, 50)
trim_case(dgen, "generated", 30, 100)
cat("wrote weighting fixtures to", out, "\n")
