"""The floor for ``load.py``: a bare Flask app that answers every GET with one fixed page.

Served by gunicorn with the same settings as the survey app, it measures what the server, the
loopback and the load client cost on their own; the survey app's throughput is reported as a
share of this app's.
"""

from __future__ import annotations

from flask import Flask

PAGE = (
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fixed</title></head>"
    "<body><main><h1>A fixed page</h1><p>Nothing is read or written.</p></main></body></html>"
)
"""The page every request gets."""

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def fixed(path: str) -> str:
    """The fixed page, whatever the path."""
    return PAGE
