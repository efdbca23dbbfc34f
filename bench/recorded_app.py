"""The client's ceiling for ``load.py``: a bare Flask app that answers each request of a survey
walk with what the survey app answered to it once (``live_survey.record_walk``).

Every respondent of the load then gets our real pages (the same bodies, cookies, redirects and
security headers, so the load client parses and follows exactly what it does against the
survey app) at the cost of a fixed page: no database, no template, no form. Its throughput is
the most the load client can drive through a survey on this machine, whatever the server.
The recording is the JSON file named by ``RECORDED_WALK``: ``"METHOD path"`` → status, headers,
body. A request the walk did not make is answered 404.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

RECORDING: dict[str, dict[str, Any]] = json.loads(
    Path(os.environ["RECORDED_WALK"]).read_text(encoding="utf-8")
)
"""The walk's answers by ``"METHOD path"``: status, headers (name-value pairs), body."""

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def recorded(path: str) -> Response:
    """The recorded answer to this method and path."""
    answer = RECORDING.get(f"{request.method} {request.path}")
    if answer is None:
        return Response("not in the recording", status=404)
    return Response(answer["body"], status=answer["status"], headers=answer["headers"])
