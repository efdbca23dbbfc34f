"""The committed JSON Schema is the model's, and it agrees with the model on real files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from questionnaires.schema import SCHEMA_PATH, schema_text, write_schema

FIXTURES = Path(__file__).parent / "fixtures"
FORMS = Path(__file__).parents[2] / "questionnaires" / "forms"


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_write_schema_writes_the_text(tmp_path: Path) -> None:
    target = write_schema(tmp_path / "nested" / "schema.json")
    assert target.read_text(encoding="utf-8") == schema_text()


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(
    "path",
    sorted(FORMS.glob("*.yaml")) + sorted((FIXTURES / "features").glob("*.yaml")),
    ids=lambda path: path.stem,
)
def test_valid_files_satisfy_the_schema(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(_validator().iter_errors(data)) == []


@pytest.mark.parametrize(
    "stem", ["unknown_field", "unknown_item_type", "bad_item_code", "missing_translation"]
)
def test_files_the_model_refuses_break_the_schema_too(stem: str) -> None:
    data = yaml.safe_load((FIXTURES / "broken" / f"{stem}.yaml").read_text(encoding="utf-8"))
    assert list(_validator().iter_errors(data)) != []
