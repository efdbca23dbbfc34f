"""Fuzzing every public POST endpoint (and the public GET entry points) through the test client.

The public endpoints are listed from the URL map (every rule outside the workspace that takes
POST), and a test fails when one appears that the fuzz does not reach. Hypothesis then posts,
in one browser that holds a live draft, bodies of random and real field names with random
values — long texts, Vietnamese, right-to-left and control characters, NUL, bytes that are not
UTF-8 (lone surrogates as CESU bytes), lists where one value is expected — with a valid,
missing or forged CSRF token. Proven:

* no request ever answers 500;
* every response stored meanwhile (submissions with a real submission key are among the
  examples) passes the questionnaire's validation (``invalid_responses``);
* a body over ``MAX_CONTENT_LENGTH``, or a form whose fields exceed ``MAX_FORM_MEMORY_SIZE``,
  is refused with 413 (and the error page) by every public POST endpoint, before it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote, quote_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from questionnaires.loader import Questionnaire
from tests.app.app_helpers import (
    CITIZENS,
    SUBMISSION_KEY,
    csrf_token,
    demo,
    fill_pages,
    questionnaire,
    start,
)
from tests.app.staff.test_staff_access import WORKSPACE_PREFIXES
from tests.security.security_helpers import invalid_responses, response_count

LEADERS = "/r/demo/par_leaders"
UNLIMITED = "1000000 per minute"
FORM = "application/x-www-form-urlencoded"

SURVEYS = (CITIZENS, LEADERS)
"""A public survey and an invitation-only one."""

FUZZED_ENDPOINTS = frozenset(
    {
        "survey.start",
        "survey.page",
        "survey.visible",
        "survey.submit_answers",
        "invitations.code_entry",
        "public.resume",
        "auth.login",
        "auth.logout",
        "auth.password",
    }
)
"""Every POST endpoint a visitor without an account can reach, as the fuzz below posts them."""

TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "Ý kiến của tôi về thủ tục hành chính",
            "\u202eتجربة\u202c",
            "a\x00b",
            "\r\n\t",
            "-1",
            "1e309",
            "NaN",
            "99999999999999999999999",
            "2024-02-30",
            "0x10",
            "９",
            "[]",
            "{}",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "../../etc/passwd",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example/",
        ]
    ),
    st.integers(min_value=1, max_value=20).map(lambda n: "x" * (1000 * n)),
)
"""Form values: random, Vietnamese, RTL, control characters, numbers out of range, huge."""

RAW = st.one_of(
    TEXT.map(lambda text: text.encode("utf-8")),
    st.sampled_from([b"\xed\xa0\x80", b"\xff\xfe", b"\xc3", b"caf\xe9", b"\x00"]),
)
"""Raw value bytes: UTF-8 of the texts above, or bytes that are not UTF-8 at all."""


def _post_rules(app: Flask) -> list[Rule]:
    """The URL rules outside the workspace that take POST."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set()) and not rule.rule.startswith(WORKSPACE_PREFIXES)
    ]


def _paths(questionnaires: dict[str, Questionnaire]) -> list[str]:
    """Every public POST path of the demo's two surveys, plus missing pages."""
    paths = ["/code", "/resume", "/auth/login", "/auth/logout", "/auth/password"]
    for base, questionnaire_id in zip(SURVEYS, ("sipas_citizens", "par_leaders"), strict=True):
        paths += [f"{base}/", f"{base}/submit", f"{base}/p/no-such-page"]
        for page in questionnaires[questionnaire_id].pages:
            paths += [f"{base}/p/{page.id}", f"{base}/p/{page.id}/visible"]
    return paths


def _field_names(questionnaires: dict[str, Questionnaire]) -> list[str]:
    """The real field names of every form (answers are ``q_<item>``)."""
    names = ["csrf_token", "action", "from", "submission_key", "code", "username", "password"]
    names += ["next", "current_password", "new_password", "confirm"]
    for questionnaire_ in questionnaires.values():
        names += [f"q_{item.code}" for item in questionnaire_.items]
    return names


@pytest.fixture
def fuzzed(sqlite_app_with: Callable[..., Flask]) -> Iterator[tuple[Flask, FlaskClient, str]]:
    """The demo on SQLite with limits out of the way, and a browser holding a filled draft
    of the public survey: ``(app, client, its CSRF token)``."""
    app = sqlite_app_with(
        RATELIMIT_CODE_ENTRY=UNLIMITED, RATELIMIT_SUBMISSION=UNLIMITED, RATELIMIT_LOGIN=UNLIMITED
    )
    demo(app)
    client = app.test_client()
    fill_pages(client, start(client), questionnaire())
    yield app, client, csrf_token(client.get("/code").text)


def test_the_fuzz_reaches_every_public_post_endpoint(app: Flask) -> None:
    """A new public POST endpoint fails here until the fuzz posts to it."""
    assert {rule.endpoint for rule in _post_rules(app)} == FUZZED_ENDPOINTS


def _body(fields: list[tuple[str, bytes]]) -> bytes:
    """An urlencoded body of raw name/value bytes (repeated names kept)."""
    return b"&".join(
        quote(name).encode("ascii") + b"=" + quote_from_bytes(value).encode("ascii")
        for name, value in fields
    )


def _submission_key(client: FlaskClient) -> bytes:
    """The submission key on this browser's review page, or nothing."""
    review = client.get(f"{CITIZENS}/review")
    found = SUBMISSION_KEY.search(review.text) if review.status_code == 200 else None
    return found.group(1).encode() if found else b""


def test_random_posts_never_fail_nor_store_invalid_answers(
    fuzzed: tuple[Flask, FlaskClient, str],
) -> None:
    """Hypothesis posts a few hundred random bodies to every public POST path: never a 500,
    and whatever was stored validates."""
    app, client, token = fuzzed
    bundled = {q: questionnaire(q) for q in ("sipas_citizens", "par_leaders")}
    paths = _paths(bundled)
    names = st.one_of(st.sampled_from(_field_names(bundled)), st.text(max_size=30))
    csrf = st.sampled_from(["valid", "missing", "forged", "twice"])
    action = st.sampled_from([b"next", b"back", b"save", b"", b"delete"])
    seen: dict[int, int] = {}

    @settings(
        max_examples=200,
        # naming any check replaces the suite's list, so too_slow is named again
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        path=st.sampled_from(paths),
        fields=st.lists(st.tuples(names, RAW), max_size=12),
        token_kind=csrf,
        chosen_action=action,
        real_key=st.booleans(),
    )
    def post(
        path: str,
        fields: list[tuple[str, bytes]],
        token_kind: str,
        chosen_action: bytes,
        real_key: bool,
    ) -> None:
        body = list(fields) + [("action", chosen_action)]
        if token_kind in ("valid", "twice"):
            body.append(("csrf_token", token.encode()))
        if token_kind in ("forged", "twice"):
            body.append(("csrf_token", b"IjAwMCI.forged.token"))
        if path.endswith("/submit") and real_key:
            body.append(("submission_key", _submission_key(client)))
        response = client.post(path, data=_body(body), content_type=FORM)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code < 500, f"{path}: {response.status_code}"

    post()
    assert invalid_responses(app) == []
    assert sum(seen.values()) >= 150 and 200 in seen and 302 in seen, seen


def test_fuzzed_pages_then_submit_store_only_valid_answers(
    fuzzed: tuple[Flask, FlaskClient, str],
) -> None:
    """Random values for a page's own items, posted with Next and a valid token, then a submit
    with the real key: each submit either stores answers that validate or is refused."""
    app, client, token = fuzzed
    citizens = questionnaire()
    pages = [page for page in citizens.pages if page.items]
    stored_before = response_count(app)
    counts = [stored_before]

    @settings(max_examples=25)
    @given(
        page_index=st.integers(min_value=0, max_value=len(pages) - 1),
        values=st.lists(st.tuples(st.integers(min_value=0, max_value=200), RAW), max_size=8),
        submit=st.booleans(),
    )
    # the filled draft submitted as it is: at least one submission goes through whatever the
    # random examples do (a valid fuzzed value can reveal required items and leave the draft
    # incomplete for every later submit)
    @example(page_index=0, values=[], submit=True)
    def answer(page_index: int, values: list[tuple[int, bytes]], submit: bool) -> None:
        page = pages[page_index]
        fields = [(f"q_{page.items[i % len(page.items)].code}", value) for i, value in values]
        fields += [("csrf_token", token.encode()), ("action", b"next")]
        response = client.post(f"{CITIZENS}/p/{page.id}", data=_body(fields), content_type=FORM)
        assert response.status_code < 500
        if submit:
            key = _submission_key(client)
            sent = client.post(
                f"{CITIZENS}/submit",
                data=_body([("csrf_token", token.encode()), ("submission_key", key)]),
                content_type=FORM,
            )
            assert sent.status_code < 500
            stored = response_count(app)
            if stored > counts[-1]:
                counts.append(stored)
                fill_pages(client, start(client), citizens)

    answer()
    assert response_count(app) > stored_before, "no submission went through: nothing proven"
    assert invalid_responses(app) == []


def test_entry_links_and_language_switch_take_any_text(
    fuzzed: tuple[Flask, FlaskClient, str],
) -> None:
    """The public GET entry points with random codes, languages and ``next`` targets: never a
    500, and the language switch never sends anyone off the site."""
    _app, client, _token = fuzzed

    @settings(max_examples=80)
    @given(code=st.text(min_size=1, max_size=80), target=TEXT)
    def open_links(code: str, target: str) -> None:
        linked = client.get(f"/i/{quote(code, safe='')}")
        assert linked.status_code < 500
        for language in ("vi", "en", quote(code, safe="")):
            switched = client.get(f"/lang/{language}", query_string={"next": target})
            assert switched.status_code < 500
            if switched.status_code == 302:
                location = switched.headers["Location"]
                assert location.startswith("/"), location
                assert not location.startswith(("//", "/\\")), location

    open_links()


def _public_paths() -> list[str]:
    """One path of every public POST endpoint (a page of each survey stands for its pages)."""
    citizens, leaders = questionnaire("sipas_citizens"), questionnaire("par_leaders")
    paths = ["/code", "/resume", "/auth/login", "/auth/logout", "/auth/password"]
    for base, first in ((CITIZENS, citizens.pages[0].id), (LEADERS, leaders.pages[0].id)):
        paths += [f"{base}/", f"{base}/submit", f"{base}/p/{first}", f"{base}/p/{first}/visible"]
    return paths


FORM_READERS = frozenset(
    {"/code", "/resume", "/auth/login", f"{CITIZENS}/", f"{CITIZENS}/submit"}
    | {f"{CITIZENS}/p/{questionnaire().pages[0].id}{end}" for end in ("", "/visible")}
)
"""The paths above whose view reads the form for this browser (the others redirect a visitor
without an account or an invitation before reading anything)."""


def test_bodies_over_the_caps_are_refused_with_413(app: Flask, client: FlaskClient) -> None:
    """Every public POST endpoint refuses a body over MAX_CONTENT_LENGTH with 413 and the error
    page; every one that reads the form refuses a multipart field over MAX_FORM_MEMORY_SIZE
    (Werkzeug applies that cap to multipart fields only; an urlencoded body is held by the
    content cap) the same way. The draft is untouched and nothing is stored."""
    demo(app)
    fill_pages(client, start(client), questionnaire())
    content_cap = int(app.config["MAX_CONTENT_LENGTH"])
    field_cap = int(app.config["MAX_FORM_MEMORY_SIZE"])
    assert field_cap < content_cap
    over_content = b"csrf_token=x&q_comment=" + b"a" * content_cap
    paths = _public_paths()
    assert FORM_READERS < set(paths)
    wrong = []
    for path in paths:
        refused = {
            "body over the content cap": client.post(path, data=over_content, content_type=FORM)
        }
        if path in FORM_READERS:
            refused["field over the form cap"] = client.post(
                path,
                data={"csrf_token": "x", "q_comment": "a" * (field_cap + 1)},
                content_type="multipart/form-data",
            )
        wrong += [
            f"{path} ({what}): {response.status_code}"
            for what, response in refused.items()
            if response.status_code != 413 or "413)" not in response.text
        ]
    assert wrong == []
    assert response_count(app) == 0
    assert client.get(f"{CITIZENS}/review").status_code == 200
