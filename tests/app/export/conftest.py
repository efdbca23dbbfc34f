"""Export tests: the collection app's respondent helpers (``tests/app/app_helpers.py``) are
importable here too, so a response can be stored by filling the survey through the real app."""

from __future__ import annotations

import sys
from pathlib import Path

APP_TESTS = str(Path(__file__).resolve().parent.parent)
if APP_TESTS not in sys.path:
    sys.path.insert(0, APP_TESTS)
