# Reference estimates from R survey 4.1.1 for tests/analysis (run from the repository root):
#   Rscript tests/reference/make_estimation_reference.R
# Reads only tests/reference/data/*.csv and writes, with 17 significant digits, into
# tests/reference/estimation/:
#   designs.csv       one row per design: data, weights, strata, psu, fpc, nest, lonely-PSU
#                     policy, calibration, replicate method / file, scale, mse
#   calibrations.csv  the calibration steps of each calibrated design, in order
#   margins_*.csv     calibration targets (variable, level, target; empty level = numeric total)
#   estimates.csv     design, statistic, variable, by, domain, estimate, se, ci_low, ci_high,
#                     deff, df
#   regressions.csv   design, model, family, term, estimate, se, df
#   replicates_*.csv  R's bootstrap replicate weights (full analysis weights), so Python checks
#                     the variance formula on the same draws
# Conventions mirrored in Python: na.rm=TRUE per variable; domains as design[by == level, ];
# proportions on the design restricted to respondents with the variable present; two-stage
# designs use the ultimate-cluster variance (survey.ultimate.cluster=TRUE).
suppressMessages(library(survey))
options(survey.ultimate.cluster = TRUE)
set.seed(20261123)

inp <- "tests/reference/data"
out <- "tests/reference/estimation"
dir.create(out, showWarnings = FALSE)
num <- function(x) { x <- as.numeric(x); ifelse(is.na(x), "NA", sprintf("%.17g", x)) }
load_data <- function(name) {
  d <- read.csv(file.path(inp, paste0(name, ".csv")), stringsAsFactors = FALSE)
  if (name == "generated") d$psu_local <- sub(".*-", "", d$psu)
  d
}
datasets <- list(apistrat = load_data("apistrat"), apiclus1 = load_data("apiclus1"),
                 apiclus2 = load_data("apiclus2"), generated = load_data("generated"))
apipop <- load_data("apipop")

# ---------------------------------------------------------------- what is estimated, per data
jobs <- list(
  api = list(mean = c("api00", "enroll"), total = c("enroll", "api00"),
             proportion = list(c("sch.wide", "Yes"), c("awards", "No")),
             ratio = list(c("api00", "api99")), quantile = c("api00"), by = c("stype")),
  generated = list(mean = c("q1", "score", "income"), total = c("score", "income"),
                   proportion = list(c("satisfied", "1"), c("q1", "5")),
                   ratio = list(c("income", "score")), quantile = c("score", "q1"),
                   by = c("area", "sex")))
probs <- c(0.25, 0.5, 0.9)

rows <- list()
emit <- function(design, statistic, variable, by, domain, est, se, lo, hi, deff, df) {
  rows[[length(rows) + 1]] <<- data.frame(
    design = design, statistic = statistic, variable = variable, by = by, domain = domain,
    estimate = num(est), se = num(se), ci_low = num(lo), ci_high = num(hi), deff = num(deff),
    df = num(df), stringsAsFactors = FALSE)
}

stat_deff <- function(s) { d <- attr(s, "deff"); if (is.null(d)) NA else as.numeric(d)[1] }

estimate_all <- function(name, des, d, job) {
  groups <- c(list(list(by = "", domain = "", keep = rep(TRUE, nrow(d)))),
              unlist(lapply(job$by, function(b) lapply(sort(unique(d[[b]])), function(l)
                list(by = b, domain = as.character(l), keep = d[[b]] == l))), recursive = FALSE))
  for (g in groups) {
    sub <- des[g$keep, ]
    for (v in job$mean) {
      s <- svymean(as.formula(paste0("~", v)), sub, na.rm = TRUE, deff = TRUE)
      ci <- confint(s)
      emit(name, "mean", v, g$by, g$domain, coef(s), SE(s), ci[1], ci[2], stat_deff(s), Inf)
    }
    for (v in job$total) {
      s <- svytotal(as.formula(paste0("~", v)), sub, na.rm = TRUE, deff = TRUE)
      ci <- confint(s)
      emit(name, "total", v, g$by, g$domain, coef(s), SE(s), ci[1], ci[2], stat_deff(s), Inf)
    }
    for (p in job$proportion) {
      present <- des[g$keep & !is.na(d[[p[1]]]), ]
      f <- as.formula(sprintf("~I(as.numeric(%s == '%s'))", p[1], p[2]))
      m <- svymean(f, present, na.rm = TRUE, deff = TRUE)
      cp <- svyciprop(as.formula(sprintf("~I(%s == '%s')", p[1], p[2])), present,
                      na.rm = TRUE)
      emit(name, "proportion", paste0(p[1], "=", p[2]), g$by, g$domain, coef(m), SE(m),
           attr(cp, "ci")[1], attr(cp, "ci")[2], stat_deff(m), degf(present))
    }
    for (r in job$ratio) {
      s <- svyratio(as.formula(paste0("~", r[1])), as.formula(paste0("~", r[2])), sub,
                    na.rm = TRUE, deff = !inherits(sub, "svyrep.design"))  # R fails otherwise
      est <- as.numeric(coef(s)); se <- as.numeric(SE(s)); z <- qnorm(0.975)
      emit(name, "ratio", paste0(r[1], "/", r[2]), g$by, g$domain, est, se, est - z * se,
           est + z * se, stat_deff(s), Inf)
    }
    for (v in job$quantile) {
      q <- svyquantile(as.formula(paste0("~", v)), sub, probs, ci = TRUE, na.rm = TRUE)[[1]]
      present <- des[g$keep & !is.na(d[[v]]), ]
      for (k in seq_along(probs)) {
        emit(name, "quantile", sprintf("%s@%s", v, format(probs[k])), g$by, g$domain,
             q[k, 1], q[k, 4], q[k, 2], q[k, 3], NA, degf(present))
      }
    }
  }
}

# ---------------------------------------------------------------- designs
designs <- list()
add_design <- function(name, data, weights = "", strata = "", psu = "", fpc = "", nest = FALSE,
                       lonely = "fail", calibration = "", replicates = "", rep_file = "",
                       scale = NA, mse = FALSE) {
  designs[[length(designs) + 1]] <<- data.frame(
    name = name, data = data, weights = weights, strata = strata, psu = psu, fpc = fpc,
    nest = nest, lonely_psu = lonely, calibration = calibration, replicates = replicates,
    rep_file = rep_file, scale = num(scale), mse = mse, stringsAsFactors = FALSE)
}
build <- function(data, weights, strata, psu, fpc, nest) {
  f <- function(x) if (x == "") NULL else as.formula(paste0("~", x))
  ids <- if (psu == "") ~1 else f(psu)
  svydesign(ids = ids, strata = f(strata), fpc = f(fpc), weights = f(weights), nest = nest,
            data = datasets[[data]])
}
job_of <- function(data) if (data == "generated") jobs$generated else jobs$api

plain <- list(
  list("strat", "apistrat", "pw", "stype", "", ""),
  list("strat_fpc", "apistrat", "pw", "stype", "", "fpc"),
  list("clus1", "apiclus1", "pw", "", "dnum", ""),
  list("clus1_fpc", "apiclus1", "pw", "", "dnum", "fpc"),
  list("clus2", "apiclus2", "pw", "", "dnum+snum", ""),
  list("clus2_fpc", "apiclus2", "pw", "", "dnum+snum", "fpc1+fpc2"))
for (p in plain) {
  des <- build(p[[2]], p[[3]], p[[4]], p[[5]], p[[6]], FALSE)
  fpc <- sub("\\+.*", "", p[[6]])
  add_design(p[[1]], p[[2]], p[[3]], p[[4]], p[[5]], fpc)
  estimate_all(p[[1]], des, datasets[[p[[2]]]], job_of(p[[2]]))
}

for (policy in c("adjust", "remove", "average", "certainty")) {
  options(survey.lonely.psu = policy)
  for (with_fpc in c(TRUE, FALSE)) {
    name <- paste0("gen_", policy, if (with_fpc) "_fpc" else "")
    fpc <- if (with_fpc) "fpc_psu" else ""
    des <- build("generated", "weight", "stratum", "psu", fpc, FALSE)
    add_design(name, "generated", "weight", "stratum", "psu", fpc, lonely = policy)
    estimate_all(name, des, datasets$generated, jobs$generated)
  }
}
options(survey.lonely.psu = "adjust")
des <- build("generated", "weight", "stratum", "psu_local", "fpc_psu", TRUE)
add_design("gen_nest", "generated", "weight", "stratum", "psu_local", "fpc_psu", nest = TRUE,
           lonely = "adjust")
estimate_all("gen_nest", des, datasets$generated, jobs$generated)

# ---------------------------------------------------------------- calibrations
calibrations <- list()
write_margins <- function(file, df) {
  write.csv(transform(df, target = num(target)), file.path(out, file), row.names = FALSE,
            quote = TRUE, na = "")
}
add_step <- function(name, step, method, by = "", margins = "", lower = -Inf, upper = Inf) {
  calibrations[[length(calibrations) + 1]] <<- data.frame(
    calibration = name, step = step, method = method, by = by, margins = margins,
    lower = num(lower), upper = num(upper), stringsAsFactors = FALSE)
}
api_margins <- data.frame(
  variable = c("stype", "stype", "stype", "sch.wide", "sch.wide"),
  level = c("E", "H", "M", "No", "Yes"),
  target = c(4421, 755, 1018, 1072, 5122))
write_margins("margins_api_stype_schwide.csv", api_margins)
write_margins("margins_api_stype.csv", api_margins[1:3, ])
api_greg <- rbind(api_margins[1:3, ], data.frame(variable = "api99", level = NA,
                                                 target = sum(apipop$api99)))
write_margins("margins_api_stype_api99.csv", api_greg)
gen_margins <- data.frame(
  variable = c("sex", "sex", "age", "age", "age", "age", "area", "area"),
  level = c("female", "male", "18-29", "30-44", "45-59", "60+", "rural", "urban"),
  target = c(17000, 14000, 7800, 7600, 8000, 7600, 19000, 12000))
write_margins("margins_gen_sex_age_area.csv", gen_margins)
write_margins("margins_gen_sex_age.csv", gen_margins[1:6, ])
gen_cells <- data.frame(variable = c("sex:area"), level = c("female:rural", "female:urban",
                        "male:rural", "male:urban"), target = c(10500, 6500, 8500, 5500))
write_margins("margins_gen_sex_area_cells.csv", gen_cells)
write_margins("margins_gen_area.csv", gen_margins[7:8, ])

pop_vector <- function(des, formula, margins) {
  # R's calibrate wants totals for its model matrix columns (intercept + dummies + numerics)
  mm <- model.matrix(formula, model.frame(formula, model.frame(des)))
  total <- sum(margins$target[margins$variable == margins$variable[1]])
  sapply(colnames(mm), function(col) {
    if (col == "(Intercept)") return(total)
    hit <- which(paste0(margins$variable, ifelse(is.na(margins$level), "", margins$level)) == col)
    margins$target[hit]
  })
}
cal_cases <- list(
  list(name = "clus1_post", data = "apiclus1", base = list("pw", "", "dnum", "fpc"),
       apply = function(des) postStratify(des, ~stype, data.frame(stype = c("E", "H", "M"),
                                                                  Freq = c(4421, 755, 1018))),
       steps = list(list("poststratify", "stype", "margins_api_stype.csv"))),
  list(name = "clus1_raking", data = "apiclus1", base = list("pw", "", "dnum", "fpc"),
       apply = function(des) calibrate(des, ~stype + sch.wide,
                                       pop_vector(des, ~stype + sch.wide, api_margins),
                                       calfun = "raking", epsilon = 1e-12),
       steps = list(list("raking", "", "margins_api_stype_schwide.csv"))),
  list(name = "clus1_linear", data = "apiclus1", base = list("pw", "", "dnum", ""),
       apply = function(des) calibrate(des, ~stype + api99,
                                       pop_vector(des, ~stype + api99, api_greg),
                                       calfun = "linear", epsilon = 1e-12),
       steps = list(list("linear", "", "margins_api_stype_api99.csv"))),
  list(name = "strat_logit", data = "apistrat", base = list("pw", "stype", "", "fpc"),
       apply = function(des) calibrate(des, ~stype + sch.wide,
                                       pop_vector(des, ~stype + sch.wide, api_margins),
                                       calfun = "logit", bounds = c(0.7, 1.7), epsilon = 1e-12),
       steps = list(list("logit", "", "margins_api_stype_schwide.csv", 0.7, 1.7))),
  list(name = "gen_raking", data = "generated", base = list("weight", "stratum", "psu", "fpc_psu"),
       apply = function(des) calibrate(des, ~sex + age + area,
                                       pop_vector(des, ~sex + age + area, gen_margins),
                                       calfun = "raking", epsilon = 1e-12),
       steps = list(list("raking", "", "margins_gen_sex_age_area.csv"))),
  list(name = "gen_linear_bounded", data = "generated",
       base = list("weight", "stratum", "psu", "fpc_psu"),
       apply = function(des) calibrate(des, ~sex + age + area,
                                       pop_vector(des, ~sex + age + area, gen_margins),
                                       calfun = "linear", bounds = c(0.6, 1.6), epsilon = 1e-12),
       steps = list(list("linear", "", "margins_gen_sex_age_area.csv", 0.6, 1.6))),
  list(name = "gen_post_cells", data = "generated",
       base = list("weight", "stratum", "psu", "fpc_psu"),
       apply = function(des) postStratify(des, ~sex + area, data.frame(
         sex = c("female", "female", "male", "male"), area = c("rural", "urban", "rural", "urban"),
         Freq = c(10500, 6500, 8500, 5500))),
       steps = list(list("poststratify", "sex+area", "margins_gen_sex_area_cells.csv"))),
  list(name = "gen_post_then_rake", data = "generated",
       base = list("weight", "stratum", "psu", "fpc_psu"),
       apply = function(des) {
         des <- postStratify(des, ~area, data.frame(area = c("rural", "urban"),
                                                    Freq = c(19000, 12000)))
         calibrate(des, ~sex + age, pop_vector(des, ~sex + age, gen_margins[1:6, ]),
                   calfun = "raking", epsilon = 1e-12, compress = FALSE)
       },
       steps = list(list("poststratify", "area", "margins_gen_area.csv"),
                    list("raking", "", "margins_gen_sex_age.csv"))))
options(survey.lonely.psu = "adjust")
calibrated <- list()
for (case in cal_cases) {
  b <- case$base
  des <- case$apply(build(case$data, b[[1]], b[[2]], b[[3]], b[[4]], FALSE))
  calibrated[[case$name]] <- des
  add_design(case$name, case$data, b[[1]], b[[2]], b[[3]], b[[4]],
             lonely = if (case$data == "generated") "adjust" else "fail",
             calibration = case$name)
  for (k in seq_along(case$steps)) {
    s <- case$steps[[k]]
    add_step(case$name, k, s[[1]], s[[2]], s[[3]],
             if (length(s) > 3) s[[4]] else -Inf, if (length(s) > 3) s[[5]] else Inf)
  }
  estimate_all(case$name, des, datasets[[case$data]], job_of(case$data))
}

# ---------------------------------------------------------------- replicate weights
export_replicates <- function(file, rep) {
  w <- weights(rep, "analysis")
  colnames(w) <- sprintf("rep%03d", seq_len(ncol(w)))
  w <- apply(w, 2, num)
  write.csv(data.frame(w), file.path(out, file), row.names = FALSE, quote = FALSE)
}
rep_cases <- list(
  list("clus1_jk1", "apiclus1", list("pw", "", "dnum", ""), "JK1", FALSE, "fail"),
  list("clus1_jk1_fpc", "apiclus1", list("pw", "", "dnum", "fpc"), "JK1", FALSE, "fail"),
  list("strat_jkn_fpc", "apistrat", list("pw", "stype", "", "fpc"), "JKn", FALSE, "fail"),
  list("gen_jkn_adjust", "generated", list("weight", "stratum", "psu", "fpc_psu"), "JKn", FALSE,
       "adjust"),
  list("gen_jkn_average", "generated", list("weight", "stratum", "psu", ""), "JKn", FALSE,
       "average"),
  list("gen_jkn_remove_mse", "generated", list("weight", "stratum", "psu", ""), "JKn", TRUE,
       "remove"),
  list("strat_boot", "apistrat", list("pw", "stype", "", ""), "bootstrap", FALSE, "fail"),
  list("strat_boot_fpc_mse", "apistrat", list("pw", "stype", "", "fpc"), "bootstrap", TRUE,
       "fail"),
  list("gen_subboot", "generated", list("weight", "stratum", "psu", ""), "subbootstrap", FALSE,
       "adjust"))
for (case in rep_cases) {
  name <- case[[1]]; b <- case[[3]]; method <- case[[4]]; mse <- case[[5]]
  options(survey.lonely.psu = case[[6]])
  base <- build(case[[2]], b[[1]], b[[2]], b[[3]], b[[4]], FALSE)
  d <- datasets[[case[[2]]]]
  if (method == "subbootstrap") {
    # R draws n_h - 1 of n_h PSUs; the lonely stratum S08 would give NaN: merge it into S07
    d$stratum_merged <- ifelse(d$stratum == "S08", "S07", d$stratum)
    datasets$generated_merged <- d
    base <- svydesign(ids = ~psu, strata = ~stratum_merged, weights = ~weight, data = d)
  }
  rep <- as.svrepdesign(base, type = method, replicates = 50, mse = mse)
  if (method %in% c("bootstrap", "subbootstrap")) {
    file <- paste0("replicates_", name, ".csv")
    export_replicates(file, rep)
    add_design(name, if (method == "subbootstrap") "generated" else case[[2]], b[[1]],
               if (method == "subbootstrap") "stratum_merged" else b[[2]], b[[3]], b[[4]],
               lonely = case[[6]], replicates = "file", rep_file = file, scale = rep$scale,
               mse = mse)
  } else {
    add_design(name, case[[2]], b[[1]], b[[2]], b[[3]], b[[4]], lonely = case[[6]],
               replicates = method, mse = mse)
  }
  estimate_all(name, rep, d, job_of(case[[2]]))
}
# replicate designs re-calibrated on every replicate
options(survey.lonely.psu = "adjust")
base <- build("apiclus1", "pw", "", "dnum", "", FALSE)
rep <- as.svrepdesign(base, type = "JK1")
rep <- calibrate(rep, ~stype + sch.wide, pop_vector(base, ~stype + sch.wide, api_margins),
                 calfun = "raking", epsilon = 1e-12, compress = FALSE)
add_design("clus1_jk1_raking", "apiclus1", "pw", "", "dnum", "", replicates = "JK1",
           calibration = "clus1_raking")
estimate_all("clus1_jk1_raking", rep, datasets$apiclus1, jobs$api)

base <- build("generated", "weight", "stratum", "psu", "", FALSE)
rep <- as.svrepdesign(base, type = "bootstrap", replicates = 50)
export_replicates("replicates_gen_boot.csv", rep)
rep <- calibrate(rep, ~sex + age + area, pop_vector(base, ~sex + age + area, gen_margins),
                 calfun = "raking", epsilon = 1e-12, compress = FALSE)
add_design("gen_boot_raking", "generated", "weight", "stratum", "psu", "", lonely = "adjust",
           calibration = "gen_raking", replicates = "file", rep_file = "replicates_gen_boot.csv",
           scale = rep$scale)
estimate_all("gen_boot_raking", rep, datasets$generated, jobs$generated)

# ---------------------------------------------------------------- regressions
reg_rows <- list()
fit_model <- function(design_name, model, des, formula, family) {
  fam <- if (family == "gaussian") gaussian() else quasibinomial()
  m <- svyglm(formula, des, family = fam)
  s <- summary(m)$coefficients
  for (term in rownames(s)) {
    reg_rows[[length(reg_rows) + 1]] <<- data.frame(
      design = design_name, model = model, family = family, term = term,
      estimate = num(s[term, 1]), se = num(s[term, 2]), df = num(m$df.residual),
      stringsAsFactors = FALSE)
  }
}
options(survey.lonely.psu = "adjust")
strat <- build("apistrat", "pw", "stype", "", "fpc", FALSE)
clus2 <- build("apiclus2", "pw", "", "dnum+snum", "fpc1+fpc2", FALSE)
clus1 <- build("apiclus1", "pw", "", "dnum", "fpc", FALSE)
gen <- build("generated", "weight", "stratum", "psu", "fpc_psu", FALSE)
fit_model("strat_fpc", "api00~ell+meals+mobility", strat, api00 ~ ell + meals + mobility,
          "gaussian")
fit_model("clus2_fpc", "api00~ell+meals+mobility", clus2, api00 ~ ell + meals + mobility,
          "gaussian")
fit_model("clus1_fpc", "sch.wide~ell+meals", clus1, I(sch.wide == "Yes") ~ ell + meals,
          "binomial")
fit_model("gen_adjust_fpc", "satisfied~sex+age+area", gen, satisfied ~ sex + age + area,
          "binomial")
fit_model("gen_adjust_fpc", "score~area+income", gen, score ~ area + income, "gaussian")
fit_model("gen_adjust_fpc", "q1~sex+age", gen, q1 ~ sex + age, "gaussian")
fit_model("gen_raking", "satisfied~sex+area+income", calibrated$gen_raking,
          satisfied ~ sex + area + income, "binomial")
fit_model("clus1_linear", "api00~ell+meals", calibrated$clus1_linear, api00 ~ ell + meals,
          "gaussian")

write.csv(do.call(rbind, designs), file.path(out, "designs.csv"), row.names = FALSE)
write.csv(do.call(rbind, calibrations), file.path(out, "calibrations.csv"), row.names = FALSE)
write.csv(do.call(rbind, rows), file.path(out, "estimates.csv"), row.names = FALSE)
write.csv(do.call(rbind, reg_rows), file.path(out, "regressions.csv"), row.names = FALSE)
cat("wrote", length(rows), "estimates,", length(reg_rows), "coefficients\n")
