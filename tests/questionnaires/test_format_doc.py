"""FORMAT.md stays true: its complete example passes the checker and its example rules parse."""

from __future__ import annotations

import re
from pathlib import Path

from questionnaires import load_questionnaire, parse
from questionnaires.checks import check_paths

FORMAT = Path(__file__).parents[2] / "questionnaires" / "FORMAT.md"


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", FORMAT.read_text(encoding="utf-8"), flags=re.S)


def test_the_complete_example_is_a_clean_questionnaire(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(yaml_blocks()[-1], encoding="utf-8")
    assert check_paths([path]) == []
    example = load_questionnaire(path)
    answers: dict[str, object] = {"district": "hue", "visits": 2}
    assert [item.code for item in example.visible_items(answers)] == [
        "district",
        "visits",
        "received",
    ]
    answers.update(received="2024-05-02", satisfaction="2")
    assert example.visible_items(answers)[-1].code == "why"


def test_every_example_rule_parses() -> None:
    examples = next(block for block in yaml_blocks() if block.startswith("relevant:"))
    sources = re.findall(r'(?:relevant|required|expression): "([^"]+)"', examples)
    assert len(sources) == 8
    for source in sources:
        parse(source)
