"""``python -m questionnaires`` and ``flask --app wsgi questionnaires check``: exit statuses and
output, run as real subprocesses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
FLASK = Path(sys.executable).parent / "flask"


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "questionnaires", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_of_clean_files_prints_ok_lines_and_exits_0() -> None:
    result = run("check", "questionnaires/forms", str(FIXTURES / "features" / "sampling.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "questionnaires/forms/par_leaders.yaml: OK (par_leaders version 2024.2, 46 items)",
        "questionnaires/forms/par_ministry_leaders.yaml: OK "
        "(par_ministry_leaders version 2024.1, 43 items)",
        "questionnaires/forms/province_department.yaml: OK "
        "(province_department version 2024.1, 19 items)",
        "questionnaires/forms/sipas_citizens.yaml: OK (sipas_citizens version 2024.1, 44 items)",
        f"{FIXTURES / 'features' / 'sampling.yaml'}: OK (sampling version 1, 3 items)",
    ]


def test_check_with_a_problem_prints_it_and_exits_1() -> None:
    broken = FIXTURES / "broken" / "minimum_above_maximum.yaml"
    clean = FIXTURES / "features" / "sampling.yaml"
    result = run("check", str(broken), str(clean))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{clean}: OK (sampling version 1, 3 items)",
        f'{broken}: page "p1", item q2 (minimum): minimum 10 is greater than maximum 5',
    ]
    assert "1 problem found" in result.stderr


def test_check_of_a_missing_path_exits_1() -> None:
    result = run("check", "no/such/form.yaml")
    assert result.returncode == 1
    assert result.stdout.strip() == "no/such/form.yaml: file: does not exist"


def test_usage_errors_exit_2() -> None:
    assert run().returncode == 2
    assert run("check").returncode == 2
    assert run("frobnicate").returncode == 2


def test_schema_check_reports_the_committed_schema_current() -> None:
    result = run("schema", "--check")
    assert result.returncode == 0, result.stdout
    assert "up to date" in result.stdout


def broken_scheme_directory(tmp_path: Path) -> tuple[Path, Path]:
    """A directory with a clean questionnaire and, one level down, a scheme whose survey leaf
    names an item the questionnaire lacks; returns (the form, the scheme)."""
    tmp_path.mkdir(exist_ok=True)
    form = tmp_path / "counter_check.yaml"
    shutil.copy(FIXTURES / "together" / "counter_check.yaml", form)
    scheme = tmp_path / "schemes" / "counter_index.yaml"
    scheme.parent.mkdir()
    text = (FIXTURES / "together" / "counter_index.yaml").read_text(encoding="utf-8")
    scheme.write_text(text.replace("items: [satisfaction]", "items: [satisfied]"), "utf-8")
    return form, scheme


BROKEN_SCHEME_LINE = (
    ': field "2", criterion "2.1", group "citizen" (items: satisfied): '
    "questionnaire counter_check version 1 has no item satisfied"
)


def test_check_of_the_whole_package_covers_forms_and_schemes() -> None:
    result = run("check", "questionnaires")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 7
    assert all(": OK (" in line for line in lines)
    assert (
        "questionnaires/schemes/par_ministry_2022.yaml: OK "
        "(scheme par_ministry_2022 version 2022.2, 7 fields, 54 leaves)"
    ) in lines


def test_check_reports_a_broken_scheme_in_a_directory(tmp_path: Path) -> None:
    form, scheme = broken_scheme_directory(tmp_path)
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{form}: OK (counter_check version 1, 1 item)",
        f"{scheme}{BROKEN_SCHEME_LINE}",
    ]
    assert "1 problem found" in result.stderr


def test_flask_check_reports_a_broken_scheme_in_a_directory(tmp_path: Path) -> None:
    _, scheme = broken_scheme_directory(tmp_path / "definitions")
    environment = {
        **os.environ,
        "FLASK_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLASK_SECRET_KEY": "test",
    }
    command = [str(FLASK), "--app", "wsgi", "questionnaires", "check"]
    result = subprocess.run(
        [*command, str(tmp_path / "definitions")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{scheme}{BROKEN_SCHEME_LINE}" in result.stderr.splitlines()
    clean = subprocess.run(
        [*command, "questionnaires"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
