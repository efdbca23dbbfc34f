"""The JSON Schema of a questionnaire file, generated from the pydantic model (``model``).

Editors use it to complete and validate YAML as authors type; the checker does not need it. The
committed file ``schema/questionnaire.schema.json`` must equal :func:`schema_text`;
``python -m questionnaires schema`` rewrites it.
"""

from __future__ import annotations

import json
from pathlib import Path

from questionnaires.model import QuestionnaireDefinition

SCHEMA_PATH = Path(__file__).parent / "schema" / "questionnaire.schema.json"
"""Where the generated schema is committed."""

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_text() -> str:
    """The schema as the committed file's text: indented JSON ending in a newline."""
    schema = {"$schema": DIALECT, **QuestionnaireDefinition.model_json_schema()}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    """Write the schema to ``path`` (creating its folder) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    return path
