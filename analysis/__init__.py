"""Survey weighting, design-based estimation and index scoring over pandas frames.

This package never imports Flask or the database: it takes frames and definition objects
(``questionnaires``) and returns frames and small result dataclasses, so the same functions
serve the web app, a notebook and the command line (``python -m analysis``). The design,
weighting and estimation functions also take :class:`analysis.columns.Columns`, a file read
straight into arrays, which is how the command line avoids importing pandas.
"""
