"""The responses export: one row per response, one typed column per item code, in CSV, XLSX,
Parquet or SPSS, with a codebook beside it.

Layers, each in its own module:

* ``formats`` — the file formats (:class:`ExportFormat`);
* ``errors`` — the typed errors (:class:`ExportError` and its kinds);
* ``records`` — a stored response as plain values (:class:`ResponseRecord`);
* ``definitions`` — a questionnaire version recovered from its stored YAML text;
* ``layout`` — the columns: fixed leading columns, item columns in a stable merged order, kinds
  by item type, choice lists merged across versions (:func:`build_layout`);
* ``frame`` — records → the typed pandas frame (:func:`build_frame`);
* ``codebook``, ``spss_names`` — the codebook files and the SPSS name mapping;
* ``writers`` — one streaming writer per format;
* ``source`` — rounds, versions and responses read from the database in chunks;
* ``run`` — plan, then write atomically (:func:`plan_export`, :func:`write_export`);
* ``suppression`` — small-cell suppression before writing (rows dropped or grouping blanked);
* ``manifest`` — the manifest of an export zip (files and hashes, filters, who and when).

Everything up to ``writers`` is pure (no Flask, no database); ``source`` and ``run`` take a
SQLAlchemy session. ``flask --app wsgi responses export`` (``survey_app.cli.responses``) is the
command line. Import from the modules themselves: this package file imports nothing, so that
registering the command does not load pandas, pyarrow and the writers into every app process.
"""
