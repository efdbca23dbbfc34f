"""Finding the surveys a respondent can take: open rounds and the questionnaires they offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from questionnaires.loader import Questionnaire
from survey_app.catalogue import questionnaire_of
from survey_app.models import Access, QuestionnaireVersion, Round, RoundQuestionnaire, db


@dataclass(frozen=True)
class Survey:
    """A questionnaire offered in a round, with its loaded definition."""

    round: Round
    offer: RoundQuestionnaire
    questionnaire: Questionnaire

    @property
    def questionnaire_id(self) -> str:
        """The questionnaire's id, as used in URLs."""
        return self.offer.questionnaire_version.questionnaire_id

    @property
    def is_public(self) -> bool:
        """Whether anyone with the link may answer."""
        return self.offer.access == Access.PUBLIC

    def title(self, language: str) -> str:
        """The questionnaire's title in ``language``."""
        return self.questionnaire.definition.title.get(language)


def _survey(offer: RoundQuestionnaire) -> Survey:
    """Wrap an offer with its round and loaded questionnaire."""
    return Survey(offer.round, offer, questionnaire_of(offer.questionnaire_version))


def open_surveys(today: date) -> list[Survey]:
    """Every questionnaire of every round open on ``today``, by round then offer."""
    offers = db.session.scalars(
        select(RoundQuestionnaire)
        .join(RoundQuestionnaire.round)
        .options(
            joinedload(RoundQuestionnaire.round),
            joinedload(RoundQuestionnaire.questionnaire_version),
        )
        .order_by(Round.year.desc(), Round.code, RoundQuestionnaire.id)
    ).all()
    return [_survey(offer) for offer in offers if offer.round.is_open(today)]


def find_survey(round_code: str, questionnaire_id: str) -> Survey | None:
    """The survey at ``/r/<round_code>/<questionnaire_id>``, open or not; None if unknown."""
    offer = db.session.scalars(
        select(RoundQuestionnaire)
        .join(RoundQuestionnaire.round)
        .join(RoundQuestionnaire.questionnaire_version)
        .where(Round.code == round_code, QuestionnaireVersion.questionnaire_id == questionnaire_id)
    ).first()
    return _survey(offer) if offer is not None else None


def survey_of_offer(offer_id: int) -> Survey:
    """The survey of a stored offer id (a draft's)."""
    return _survey(db.get_or_404(RoundQuestionnaire, offer_id))
