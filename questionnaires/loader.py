"""Loading questionnaires and answering the questions the app asks of one at run time.

:func:`load_questionnaire` reads a file, runs every check (``form_checks``) and raises
:class:`DefinitionError` listing the problems, or returns a :class:`Questionnaire`: the validated
definition with its ``path`` and ``content_hash`` (sha256 of the file's bytes), look-ups, and
the expressions compiled once.

Visibility. An item is shown when its page's ``relevant`` and its own ``relevant`` hold (no rule
means always). Rules are evaluated over the answers of the items already shown, walking the form
in order: an answer to a hidden item is not there for later rules, so hiding q1 also hides a q2
that depends on it, and a q3 that depends on q2 (chains). Because the checker only lets a rule
use earlier items (earlier pages for a page's rule), this one pass reaches the stable state that
repeated pruning seeks: an answer is kept exactly when its item is shown given the answers kept.

:func:`bundled_questionnaires` loads ``forms/*.yaml`` once per process.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType

from questionnaires.answers import REQUIRED_MESSAGE, is_blank, value_problem
from questionnaires.expressions import Expression, parse
from questionnaires.form_checks import check_reading, read_and_check
from questionnaires.model import Choice, Item, Page, QuestionnaireDefinition, Text
from questionnaires.problems import DefinitionError, Problem, UnknownItemError
from questionnaires.reading import Reading, read_file, read_source

FORMS_DIRECTORY = Path(__file__).parent / "forms"
"""Where the bundled questionnaires live."""


VISIBILITY_MEMO_SIZE = 64
"""Visibility results a questionnaire remembers (see ``Questionnaire._visibility``)."""


_PLAIN_ANSWER_TYPES = frozenset({str, int, float, bool, date, datetime, type(None)})
"""The usual answer types, recognised by a set look-up before the slower ``isinstance``."""

_PLAIN_ELEMENT_TYPES = frozenset({str, int, float})


def _answers_key(answers: Mapping[str, object], day: date) -> Hashable | None:
    """A hashable copy of ``answers`` and ``day`` (each value with its type, lists as tuples),
    or None when an answer is of a type the memo does not know. Subclasses of the known types
    are kept with their own type; values of exactly the usual types skip ``isinstance``."""
    parts: list[tuple[str, object]] = []
    for code, value in answers.items():
        kind = type(value)
        if kind in _PLAIN_ANSWER_TYPES or isinstance(value, str | int | float | date):
            parts.append((code, (kind, value)))
        elif isinstance(value, list) and all(
            type(element) in _PLAIN_ELEMENT_TYPES or isinstance(element, str | int | float)
            for element in value
        ):
            parts.append((code, (list, *((type(element), element) for element in value))))
        else:
            return None
    parts.sort()  # codes are unique, so only they are compared
    return (day, *parts)


@dataclass(frozen=True)
class ItemRules:
    """An item's compiled rules: ``relevant``, ``required`` and ``constraint``."""

    relevant: Expression | None
    required: bool | Expression
    constraint: Expression | None


ItemOrCode = Item | str


class Questionnaire:
    """A checked questionnaire definition with its source and the run-time helpers."""

    def __init__(self, definition: QuestionnaireDefinition, *, path: Path, content_hash: str):
        problems = check_reading(Reading(path, content_hash, None, definition, ()))
        if problems:
            raise DefinitionError(problems)
        self.definition = definition
        self.path = path
        self.content_hash = content_hash
        self.pages: tuple[Page, ...] = tuple(definition.pages)
        self.items: tuple[Item, ...] = tuple(item for page in self.pages for item in page.items)
        self._items = {item.code: item for item in self.items}
        self._page_of = {item.code: page for page in self.pages for item in page.items}
        self._pages = {page.id: page for page in self.pages}
        self._choices = {item.code: self._resolve_choices(item) for item in self.items}
        self._rules = {item.code: self._compile(item) for item in self.items}
        self._page_rules = {
            page.id: None if page.relevant is None else parse(page.relevant) for page in self.pages
        }
        self._visibility_memo: dict[Hashable, Mapping[str, bool]] = {}

    def __repr__(self) -> str:
        return f"<Questionnaire {self.id} version {self.version} from {self.path}>"

    # -- identity ----------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The questionnaire id."""
        return self.definition.id

    @property
    def version(self) -> str:
        """The questionnaire version."""
        return self.definition.version

    @property
    def respondent_group(self) -> str:
        """Who answers it: ``leader``, ``citizen``, ``delegate``…"""
        return self.definition.respondent_group

    @property
    def title(self) -> Text:
        """The bilingual title."""
        return self.definition.title

    # -- look-ups ----------------------------------------------------------------------------

    def item(self, code: ItemOrCode) -> Item:
        """The item with ``code``; raises :class:`UnknownItemError`."""
        key = code.code if isinstance(code, Item) else code
        found = self._items.get(key)
        if found is None:
            raise UnknownItemError(
                f"questionnaire {self.id} version {self.version} has no item {key}"
            )
        return found

    def page(self, page_id: str) -> Page:
        """The page with ``page_id``; raises :class:`UnknownItemError`."""
        found = self._pages.get(page_id)
        if found is None:
            raise UnknownItemError(
                f"questionnaire {self.id} version {self.version} has no page {page_id}"
            )
        return found

    def page_of(self, code: ItemOrCode) -> Page:
        """The page an item is on."""
        return self._page_of[self.item(code).code]

    def choices(self, item: ItemOrCode) -> tuple[Choice, ...]:
        """The item's choices, a named list resolved; empty for items without choices."""
        return self._choices[self.item(item).code]

    def choice(self, item: ItemOrCode, code: str) -> Choice:
        """The choice ``code`` of a choice item; raises :class:`UnknownItemError`."""
        for choice in self.choices(item):
            if choice.code == code:
                return choice
        raise UnknownItemError(f"item {self.item(item).code} of {self.id} has no choice {code!r}")

    def rules(self, item: ItemOrCode) -> ItemRules:
        """The item's compiled ``relevant``, ``required`` and ``constraint``."""
        return self._rules[self.item(item).code]

    def items_for_criterion(self, criterion: str) -> tuple[Item, ...]:
        """The items that name ``criterion`` (e.g. ``"3.2"``) in their ``criteria``."""
        return tuple(item for item in self.items if criterion in item.criteria)

    # -- run time ----------------------------------------------------------------------------

    def is_relevant(
        self, item: ItemOrCode, answers: Mapping[str, object], *, today: date | None = None
    ) -> bool:
        """Whether ``item`` is shown, given ``answers`` (item code → stored answer)."""
        return self._visibility(answers, today)[self.item(item).code]

    def is_page_relevant(
        self, page_id: str, answers: Mapping[str, object], *, today: date | None = None
    ) -> bool:
        """Whether any item of the page is shown (a page whose rule fails shows none)."""
        shown = self._visibility(answers, today)
        return any(shown[item.code] for item in self.page(page_id).items)

    def visible_items(
        self, answers: Mapping[str, object], *, today: date | None = None
    ) -> tuple[Item, ...]:
        """The items shown, in form order."""
        shown = self._visibility(answers, today)
        return tuple(item for item in self.items if shown[item.code])

    def prune_hidden(
        self, answers: Mapping[str, object], *, today: date | None = None
    ) -> dict[str, object]:
        """The answers of shown items only; an answer naming no item raises UnknownItemError."""
        unknown = sorted(code for code in answers if code not in self._items)
        if unknown:
            raise UnknownItemError(
                f"answers name items that questionnaire {self.id} version {self.version} "
                f"does not have: {', '.join(unknown)}"
            )
        shown = self._visibility(answers, today)
        return {code: value for code, value in answers.items() if shown[code]}

    def is_required(
        self, item: ItemOrCode, answers: Mapping[str, object], *, today: date | None = None
    ) -> bool:
        """Whether ``item`` must be answered: it is shown and its ``required`` holds."""
        shown = self._visibility(answers, today)
        return self._is_required(self.item(item).code, shown, self._kept(answers, shown), today)

    def required_codes(
        self,
        answers: Mapping[str, object],
        *,
        today: date | None = None,
        only: Collection[str] | None = None,
    ) -> frozenset[str]:
        """Codes of the items that must be answered given ``answers`` (:meth:`is_required` of
        every item, from one pass over the form); with ``only`` (item codes, such as one
        page's), of those items alone."""
        shown = self._visibility(answers, today)
        kept = self._kept(answers, shown)
        return frozenset(
            item.code
            for item in self._targets(only)
            if self._is_required(item.code, shown, kept, today)
        )

    def constraint_message(
        self,
        item: ItemOrCode,
        value: object,
        answers: Mapping[str, object],
        *,
        today: date | None = None,
    ) -> Text | None:
        """Why ``value`` is not acceptable for ``item`` given the other ``answers``, or None.

        The value must first fit the item's type, choices and bounds (``answers.value_problem``);
        then the author's ``constraint`` must hold, with ``.`` standing for ``value`` and other
        items read from the shown ``answers``. A blank value is never refused here.
        """
        target = self.item(item)
        if is_blank(value):
            return None
        return self._constraint_problem(
            target, value, lambda: self._shown_answers(answers, today), today
        )

    def answer_problems(
        self,
        answers: Mapping[str, object],
        *,
        today: date | None = None,
        only: Collection[str] | None = None,
    ) -> dict[str, Text]:
        """For a whole response: item code → message for every shown item that is required
        but unanswered or whose answer is refused by :meth:`constraint_message`. With ``only``
        (item codes, such as one page's; an unknown code raises UnknownItemError), just those
        items are checked: the same messages as the whole check gives them, since every rule
        reads the whole response."""
        shown = self._visibility(answers, today)
        kept = self._kept(answers, shown)
        found: dict[str, Text] = {}
        for target in self._targets(only):
            if not shown[target.code]:
                continue
            value = answers.get(target.code)
            if is_blank(value):
                if self._is_required(target.code, shown, kept, today):
                    found[target.code] = REQUIRED_MESSAGE
                continue
            message = self._constraint_problem(target, value, lambda: kept, today)
            if message is not None:
                found[target.code] = message
        return found

    # -- internals ---------------------------------------------------------------------------

    def _targets(self, only: Collection[str] | None) -> tuple[Item, ...]:
        """Every item, or those ``only`` names, in form order; an unknown code raises
        UnknownItemError."""
        if only is None:
            return self.items
        wanted = {self.item(code).code for code in only}
        return tuple(item for item in self.items if item.code in wanted)

    def _resolve_choices(self, item: Item) -> tuple[Choice, ...]:
        if isinstance(item.choices, str):
            return tuple(self.definition.choice_lists[item.choices])
        return tuple(item.choices or ())

    @staticmethod
    def _compile(item: Item) -> ItemRules:
        required = item.required if isinstance(item.required, bool) else parse(item.required)
        return ItemRules(
            relevant=None if item.relevant is None else parse(item.relevant),
            required=required,
            constraint=None if item.constraint is None else parse(item.constraint.expression),
        )

    def _visibility(
        self, answers: Mapping[str, object], today: date | None
    ) -> Mapping[str, bool]:
        """Item code → shown (read-only), from one pass over the form (see the module
        docstring); the last :data:`VISIBILITY_MEMO_SIZE` results are kept by answers and day,
        since one request asks several questions of the same answers."""
        day = date.today() if today is None else today
        key = _answers_key(answers, day)
        if key is not None:
            remembered = self._visibility_memo.get(key)
            if remembered is not None:
                return remembered
        kept: dict[str, object] = {}
        shown: dict[str, bool] = {}
        for page in self.pages:
            page_rule = self._page_rules[page.id]
            page_shown = page_rule is None or page_rule.holds(kept, today=day)
            for item in page.items:
                rule = self._rules[item.code].relevant
                visible = page_shown and (rule is None or rule.holds(kept, today=day))
                shown[item.code] = visible
                if visible and item.code in answers:
                    kept[item.code] = answers[item.code]
        result = MappingProxyType(shown)
        if key is not None:
            if len(self._visibility_memo) >= VISIBILITY_MEMO_SIZE:
                self._visibility_memo.clear()
            self._visibility_memo[key] = result
        return result

    def _is_required(
        self,
        code: str,
        shown: Mapping[str, bool],
        kept: Mapping[str, object],
        today: date | None,
    ) -> bool:
        """``is_required`` given the visibility and the kept answers already worked out."""
        if not shown[code]:
            return False
        required = self._rules[code].required
        if isinstance(required, bool):
            return required
        return required.holds(kept, today=today)

    def _constraint_problem(
        self,
        target: Item,
        value: object,
        kept: Callable[[], Mapping[str, object]],
        today: date | None,
    ) -> Text | None:
        """``constraint_message`` for a non-blank value; ``kept`` gives the shown answers,
        worked out only when the author's constraint needs them."""
        problem = value_problem(target, self.choices(target), value)
        if problem is not None:
            return problem
        constraint = target.constraint
        rule = self._rules[target.code].constraint
        if constraint is None or rule is None:
            return None
        if rule.holds(kept(), own_value=value, today=today):
            return None
        return constraint.message

    def _shown_answers(
        self, answers: Mapping[str, object], today: date | None
    ) -> dict[str, object]:
        """The answers of the items shown for ``answers``."""
        return self._kept(answers, self._visibility(answers, today))

    @staticmethod
    def _kept(answers: Mapping[str, object], shown: Mapping[str, bool]) -> dict[str, object]:
        return {code: value for code, value in answers.items() if shown.get(code, False)}


def _from_reading(reading: Reading) -> Questionnaire:
    if reading.definition is None:
        raise DefinitionError(reading.problems)
    return Questionnaire(reading.definition, path=reading.path, content_hash=reading.content_hash)


def load_questionnaire(path: Path | str) -> Questionnaire:
    """Read, check and wrap one definition file; raises :class:`DefinitionError`."""
    return _from_reading(read_file(Path(path)))


def questionnaire_from_source(raw: bytes, *, path: Path) -> Questionnaire:
    """Check and wrap a definition's bytes kept elsewhere (e.g. stored with the responses);
    ``path`` names it in problems. Raises :class:`DefinitionError`."""
    return _from_reading(read_source(raw, path=path))


def load_directory(path: Path | str) -> dict[str, Questionnaire]:
    """Every ``*.yaml`` questionnaire in a directory, by id; raises :class:`DefinitionError`
    for any problem, including two files with the same id."""
    directory = Path(path)
    readings, problems = read_and_check([directory])
    if problems:
        raise DefinitionError(problems)
    loaded: dict[str, Questionnaire] = {}
    clashes: list[Problem] = []
    for reading in readings:
        questionnaire = _from_reading(reading)
        if questionnaire.id in loaded:
            clashes.append(
                Problem(
                    reading.path,
                    "id",
                    f"questionnaire {questionnaire.id} is also defined in "
                    f"{loaded[questionnaire.id].path}; keep one version per directory",
                )
            )
        loaded.setdefault(questionnaire.id, questionnaire)
    if clashes:
        raise DefinitionError(clashes)
    return loaded


@cache
def bundled_questionnaires() -> Mapping[str, Questionnaire]:
    """The questionnaires shipped in ``questionnaires/forms/``, by id (loaded once)."""
    return MappingProxyType(load_directory(FORMS_DIRECTORY))
