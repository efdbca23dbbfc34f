"""What each role sees of the evaluators' workspace: a unit officer only its unit (anything else
is 404, like a missing id), never the ranking or the index; rounds without a scheme are not
listed; the menu and the staff round page lead here."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from survey_app.models import Role, Round, db
from tests.app.evaluate.evaluate_helpers import (
    accept_all,
    add_round,
    add_self_scores,
    full_marks,
    publish_index,
    signed_in,
    unit_id,
)


def test_a_unit_officer_sees_only_its_unit(app: Flask) -> None:
    """Rounds of its unit only; another unit's pages are 404; the ranking and index are 403."""
    shared = add_round(app, "shared", ("justice", "finance"))
    other = add_round(app, "other", ("finance",))
    add_self_scores(app, shared, {"justice": full_marks(), "finance": full_marks(0.5)})
    accept_all(app, shared)
    evaluator = signed_in(app, "eva", Role.EVALUATOR)
    publish_index(evaluator, shared)
    officer = signed_in(app, "officer", Role.UNIT_OFFICER, "justice")
    home = officer.get("/evaluate/")
    assert "Appraisal shared" in home.text and "Appraisal other" not in home.text
    assert officer.get(f"/evaluate/rounds/{other}").status_code == 404
    overview = officer.get(f"/evaluate/rounds/{shared}")
    assert "Unit justice" in overview.text and "Unit finance" not in overview.text
    assert ">Ranking<" not in overview.text
    finance = unit_id(app, "finance")
    for page in ("self-assessment", "appraisal", "report", "criteria/1.1"):
        assert officer.get(f"/evaluate/rounds/{shared}/units/{finance}/{page}").status_code == 404
        assert officer.get(f"/evaluate/rounds/{shared}/units/98765/{page}").status_code == 404
    own = officer.get(f"/evaluate/rounds/{shared}/units/{unit_id(app, 'justice')}/report")
    assert own.status_code == 200 and "Results: Unit justice" in own.text
    assert officer.get(f"/evaluate/rounds/{shared}/ranking").status_code == 403
    assert officer.get(f"/evaluate/rounds/{shared}/ranking.csv").status_code == 403
    assert officer.get(f"/evaluate/rounds/{shared}/index").status_code == 403


def test_rounds_without_a_scheme_stay_out(app: Flask) -> None:
    """A round with no scheme is not listed and its evaluation pages are 404."""
    plain = add_round(app, "plain", ("justice",))
    with app.app_context():
        round_ = db.session.scalars(select(Round).where(Round.id == plain)).one()
        round_.scheme_id = None
        db.session.commit()
    scored = add_round(app, "scored", ("justice",))
    evaluator = signed_in(app, "eva", Role.EVALUATOR)
    home = evaluator.get("/evaluate/")
    assert "Appraisal scored" in home.text and "Appraisal plain" not in home.text
    assert evaluator.get(f"/evaluate/rounds/{plain}").status_code == 404
    assert evaluator.get(f"/evaluate/rounds/{scored}/ranking").status_code == 200
    assert (
        "The index is not published yet" in evaluator.get(f"/evaluate/rounds/{scored}/ranking").text
    )


def test_the_menu_and_the_round_page_lead_here(app: Flask) -> None:
    """Every role has the menu entry; the staff round page links to the round's evaluation."""
    round_id = add_round(app, "dept", ("justice",))
    staff = signed_in(app, "lan", Role.STAFF)
    page = staff.get(f"/staff/rounds/{round_id}")
    assert '<a href="/evaluate/">Index and appraisal</a>' in page.text
    assert f'href="/evaluate/rounds/{round_id}"' in page.text
    officer = signed_in(app, "officer", Role.UNIT_OFFICER, "justice")
    assert '<a href="/evaluate/">Index and appraisal</a>' in officer.get("/staff/").text
