"""Round monitoring: how collection is going, aggregated in the database.

* ``rules``: the quality rules (speeders, straight-liners) read from a questionnaire, their
  per-round settings and the duration bins;
* ``expressions``: the SQL over the stored JSON, efficient on SQLite and on PostgreSQL;
* ``queries``: counts, flags, durations and denominators, grouped in SQL;
* ``cache``: figures of responses kept while the counts they came from stay the same;
* ``dashboard``: the figures of a round put together, per unit × group and per group;
* ``flags``: the flagged responses themselves, listed without anything that identifies;
* ``quotas``: cells that stop taking respondents once full, and the respondent-side check.

The staff pages are ``survey_app.staff.monitoring`` and ``survey_app.staff.monitoring_quotas``.
"""
