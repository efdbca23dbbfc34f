# Reference numbers for raking within groups and for trimming after a calibration, from R
# survey 4.1.1. Run from the repository root: Rscript tests/reference/make_grouped_reference.R
#
# The generated design (strata, PSUs, first-stage fpc) is raked within the groups of `area`:
# urban respondents to sex and age, rural respondents to sex only. R has no per-group raking;
# it is one calibrate() on the group-interacted margins, written with derived variables that
# hold a level only inside their group and a placeholder level ("0rural", "0urban", sorted
# first so that treatment coding drops it) elsewhere. Writes to tests/reference/weighting:
# - margins_grouped_generated.csv: group, variable, level, target;
# - weights_grouped_generated.csv: the raked weights, the influence of the mean of `score` and
#   the total of `income` before (infl_*) and after (adj_*) svyrecvar applies the trace;
# - se_grouped_generated.csv: svymean(~score), svytotal(~income) and svyby(~score, ~sex,
#   svymean) after raking (case "raked") and after trimWeights(strict = TRUE) of the raked
#   design (case "trimmed"; bounds in trim_bounds_grouped_generated.csv).
# Single-PSU strata: survey.lonely.psu = "adjust". Every number is written with 17 significant
# digits.
suppressMessages(library(survey))
stopifnot(packageVersion("survey") == "4.1.1")
data_dir <- "tests/reference/data"
out <- "tests/reference/weighting"
num <- function(x) sprintf("%.17g", x)
options(survey.lonely.psu = "adjust")  # stratum S08 has a single PSU

gen <- read.csv(file.path(data_dir, "generated.csv"), stringsAsFactors = FALSE)
inside <- function(group, variable, other) ifelse(gen$area == group, gen[[variable]], other)
gen$u_sex <- inside("urban", "sex", "0rural")
gen$u_age <- inside("urban", "age", "0rural")
gen$r_sex <- inside("rural", "sex", "0urban")
dgen <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc_psu, data = gen)

margins <- rbind(
  data.frame(group = "urban", variable = "sex", level = c("female", "male"),
             target = c(11000, 9000)),
  data.frame(group = "urban", variable = "age", level = c("18-29", "30-44", "45-59", "60+"),
             target = c(5000, 6000, 5000, 4000)),
  data.frame(group = "rural", variable = "sex", level = c("female", "male"),
             target = c(15000, 15000))
)
write.csv(transform(margins, target = num(target)),
          file.path(out, "margins_grouped_generated.csv"), row.names = FALSE, quote = FALSE)
column_of <- c(urban.sex = "u_sex", urban.age = "u_age", rural.sex = "r_sex")
totals <- c(`(Intercept)` = 50000)
for (i in seq_len(nrow(margins))) {
  name <- paste0(column_of[[paste(margins$group[i], margins$variable[i], sep = ".")]],
                 margins$level[i])
  totals[[name]] <- margins$target[i]
}
formula <- ~u_sex + u_age + r_sex
population <- totals[colnames(model.matrix(formula, gen))]
stopifnot(!anyNA(population))
raked <- calibrate(dgen, formula, population, calfun = "raking", epsilon = 1e-12, maxit = 100)

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
w <- weights(raked)
infl <- cbind((gen$score - sum(w * gen$score) / sum(w)) * w / sum(w), gen$income * w)
adj <- adjusted_influence(infl, raked)
write.csv(data.frame(weight = num(w), infl_mean = num(infl[, 1]), infl_total = num(infl[, 2]),
                     adj_mean = num(adj[, 1]), adj_total = num(adj[, 2])),
          file.path(out, "weights_grouped_generated.csv"), row.names = FALSE, quote = FALSE)

lower <- 40
upper <- 160
write.csv(data.frame(lower = num(lower), upper = num(upper)),
          file.path(out, "trim_bounds_grouped_generated.csv"), row.names = FALSE, quote = FALSE)
trimmed <- trimWeights(raked, lower = lower, upper = upper, strict = TRUE)
stopifnot(any(w < lower | w > upper))

rows <- list()
for (case in c("raked", "trimmed")) {
  design <- if (case == "raked") raked else trimmed
  m <- svymean(~score, design)
  t <- svytotal(~income, design)
  b <- svyby(~score, ~sex, design, svymean)
  rows[[case]] <- data.frame(
    case = case,
    statistic = c("mean", "total", "mean", "mean"),
    variable = c("score", "income", "score", "score"),
    domain = c("", "", paste0("sex=", b$sex)),
    estimate = num(c(coef(m), coef(t), coef(b))),
    se = num(c(SE(m), SE(t), SE(b)))
  )
}
write.csv(do.call(rbind, rows), file.path(out, "se_grouped_generated.csv"), row.names = FALSE,
          quote = FALSE)
cat("wrote grouped raking fixtures to", out, "\n")
