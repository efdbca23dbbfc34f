"""Every workspace page an administrator can reach by following links, read in Vietnamese and in
English, after a round has been weighted, appraised and published: each page answers (no broken
link, no error) and carries no text of the other language (``tests.languages``): an interface
message translated when the data was stored, or a label the templates left untranslated.

The round is the index tests' (``evaluate_helpers.add_index_round``): six units, their
self-scores accepted, survey responses from five; here a weighting run is adopted and the index
published by an evaluator working in English.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from survey_app.i18n import LANGUAGES
from survey_app.models import Role
from survey_app.weighting_runs import WeightingSettings
from tests.app.evaluate.evaluate_helpers import add_index_round, publish_index, signed_in
from tests.app.staff.weighting.weighting_helpers import adopt_run
from tests.languages import html_text, other_language_in

STARTS = ("/", "/staff", "/evaluate")
"""Where the crawl begins: the public home page and the two workspaces' home pages."""
MOST_PAGES = 400
"""A bound on the pages read in one language."""
VARIANTS_PER_SHAPE = 3
"""Pages read per shape of address: the same path but for its ids and criterion codes, and for
its query string (sort orders, filters)."""
ID = re.compile(r"/[0-9][0-9.]*(?=/|$)")
NOT_PAGES = re.compile(r"^/(auth/logout|lang/|static/)|\.(csv|xlsx|zip|pdf|json|sav|svg)$")
"""Links that are not pages to read: signing out, the language switch, files."""
HREF = re.compile(r'<a\b[^>]*?\bhref="([^"]+)"')


def _links(html: str) -> list[str]:
    """The site's own links on a page, without their fragments."""
    found = []
    for href in HREF.findall(html):
        parts = urlsplit(href.replace("&amp;", "&"))
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if NOT_PAGES.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _shape(link: str) -> str:
    """A link without its query string, its ids and criterion codes replaced by ``#``."""
    return ID.sub("/#", link.split("?", 1)[0])


def _crawl(client: FlaskClient) -> dict[str, str]:
    """Every page reachable from :data:`STARTS` by links: each path with its HTML (bounded by
    :data:`MOST_PAGES` and :data:`VARIANTS_PER_SHAPE`); a link that does not end, after its
    redirects, in 200 with a page or a file fails the test, naming the page that links to it."""
    pages: dict[str, str] = {}
    variants: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque((start, "(start)") for start in STARTS)
    seen = set(STARTS)
    while queue and len(pages) < MOST_PAGES:
        path, linked_from = queue.popleft()
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, f"{path} (linked from {linked_from}): {response.status}"
        if response.mimetype != "text/html":
            continue
        pages[path] = response.text
        for link in _links(response.text):
            shape = _shape(link)
            if link in seen or variants.get(shape, 0) >= VARIANTS_PER_SHAPE:
                continue
            seen.add(link)
            variants[shape] = variants.get(shape, 0) + 1
            queue.append((link, path))
    return pages


def _published_round(app: Flask) -> None:
    """The round of the module docstring."""
    round_id = add_index_round(app)
    adopt_run(app, round_id, WeightingSettings(), label="Chạy thử")
    published = publish_index(signed_in(app, "eva", Role.EVALUATOR), round_id)
    assert published.status_code == 302, published.text


def test_every_workspace_page_reads_in_one_language(app: Flask) -> None:
    """No page reached in Vietnamese shows English text, nor one reached in English
    Vietnamese; every link on them answers."""
    _published_round(app)
    admin = signed_in(app, "admin", Role.ADMIN)
    for language in LANGUAGES:
        admin.get(f"/lang/{language}")
        pages = _crawl(admin)
        assert any("/evaluate/rounds/" in path and "/ranking" in path for path in pages), pages
        mixed = {
            path: left
            for path, html in pages.items()
            if (left := other_language_in(html_text(html, language), language))
        }
        assert mixed == {}, f"{language}: {len(mixed)} of {len(pages)} pages"


def test_the_page_reader_keeps_prose_in_the_page_language_only() -> None:
    """What the check reads of a page: text marked with another language, code, and what an
    element left open inside it (an unclosed ``<p>``) holds are left out; an untranslated
    English line on a Vietnamese page and a known English message are both named."""
    html = (
        '<html lang="vi"><body><ul><li>Một<li>Hai</ul>'
        '<details lang="en"><p>Open this in English<summary>Show</summary></details>'
        "<p>Show as a table<p>Đơn vị <code>the code of a unit</code>"
        "<p>Download: the published ranking</body></html>"
    )
    text = html_text(html, "vi")
    assert text.splitlines() == [
        "Một",
        "Hai",
        "Show as a table",
        "Đơn vị",
        "Download: the published ranking",
    ]
    assert other_language_in(text, "vi") == ["Download: the published ranking", "Show as a table"]
    assert other_language_in("Một\nHai", "vi") == []
