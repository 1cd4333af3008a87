"""Every page of the demo, as every role, in zh_CN: no time printed in UTC and no internal word on screen.

The demo is seeded with a fixed clock (02:17 UTC = 10:17 in Shanghai), then each role follows every link it can
reach (GET only). A page fails when its visible text holds a stored time written in UTC rather than local time,
an ISO time ("2026-11-29T05:16"), an enum value, a rule key or a field name.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from app.core.clock import format_local
from app.core.enums import LabelledEnum
from app.extensions import db
from app.rules.catalogue_data import RULES
from app.seed.demo import DEMO_LOGINS, DEMO_PASSWORD

FIXED_NOW = datetime(2026, 11, 29, 2, 17)  # naive UTC, as stored
ROLES = [username for username, _role, _label in DEMO_LOGINS]
SKIP = re.compile(r"^/(logout|lang/)|\.(pdf|xlsx|json|csv)$|/export|/download|/timeline\.json")
#: Words that are field names of imports and forms, never to be shown as such on a Chinese page.
FIELD_NAMES = {"stem", "answer", "options", "explanation", "topic", "industry", "kind", "difficulty", "event", "hidden"}


class VisibleText(HTMLParser):
    """The text a user sees: no tags, attributes, scripts, styles or templates."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def _internal_words() -> set[str]:
    words = set(FIELD_NAMES)
    for enum_cls in _all_subclasses(LabelledEnum):
        words.update(m.value for m in enum_cls if m.value.isascii() and not m.value.isdigit())
    words.update(key for key, *_rest in RULES)
    return words


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _stored_times() -> set[datetime]:
    times = set()
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, sa.DateTime)]
            if cols:
                for row in conn.execute(sa.select(*cols)):
                    times.update(v for v in row if isinstance(v, datetime))
    return times


def _utc_leaks(times: set[datetime]) -> set[str]:
    """Minute-precision renderings of stored times in UTC that are not also the local rendering of another."""
    utc = {t.strftime(fmt) for t in times for fmt in ("%Y-%m-%d %H:%M", "%m-%d %H:%M")}
    local = {format_local(t, fmt) for t in times for fmt in ("%Y-%m-%d %H:%M", "%m-%d %H:%M")}
    return utc - local


@pytest.fixture
def demo(app, monkeypatch):
    from app.seed import activity
    from app.seed.demo import seed_demo

    monkeypatch.setattr(activity, "utcnow", lambda: FIXED_NOW)
    seed_demo()
    db.session.commit()


def crawl(client, start: str = "/", limit: int = 220) -> dict[str, str]:
    """Visible text of every page reachable from ``start`` (same site, GET), at most 3 URLs per path shape."""
    seen, shapes, pages = {start}, {}, {}
    queue = deque([start])
    while queue and len(pages) < limit:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code in (200, 302, 303), (url, response.status_code)
        if response.status_code != 200:
            # a link that redirects must lead somewhere this user may be: not back to the login page, and the
            # page it leads to is crawled like any other
            target = urlsplit(urljoin(url, response.headers["Location"]))
            assert target.path != "/login", (url, "a link sends a signed-in user to the login page")
            path = target.path + (f"?{target.query}" if target.query else "")
            if path not in seen and not SKIP.search(target.path):
                seen.add(path)
                queue.append(path)
            continue
        if not response.mimetype.startswith("text/html"):
            continue
        parser = VisibleText()
        parser.feed(response.get_data(as_text=True))
        pages[url] = parser.text
        for href in parser.links:
            target = urlsplit(urljoin(url, href))
            if target.scheme not in ("", "http") or target.netloc not in ("", "localhost") or SKIP.search(target.path):
                continue
            path = target.path + (f"?{target.query}" if target.query else "")
            shape = re.sub(r"\d+", "N", target.path)
            if path in seen or shapes.get(shape, 0) >= 3:
                continue
            seen.add(path)
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append(path)
    return pages


def _log_in(client, username):
    client.post("/logout")
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
    client.post("/lang/zh_CN")


def test_no_utc_time_and_no_internal_word_on_any_page(demo, client):
    """Every role's pages, crawled one role after the other on one demo seed (the crawl only reads)."""
    problems = []
    for username in ROLES:
        _log_in(client, username)
        pages = crawl(client)
        assert len(pages) > 3, username
        leaks = _utc_leaks(_stored_times())
        internal = _internal_words()
        for url, text in pages.items():
            if iso := re.findall(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text):
                problems.append((username, url, "ISO time", iso[:3]))
            if utc := sorted(s for s in leaks if s in text):
                problems.append((username, url, "UTC time", utc[:3]))
            words = set(re.findall(r"[A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9]", text))
            if bad := sorted(words & internal):
                problems.append((username, url, "internal words", bad))
    assert not problems, "\n".join(map(str, problems))


def test_the_fixed_clock_tells_utc_from_local():
    """The check itself: a 02:17 UTC time reads 10:17 in Shanghai, so a UTC rendering is detectable."""
    assert format_local(FIXED_NOW) == "2026-11-29 10:17"
    assert _utc_leaks({FIXED_NOW}) == {"2026-11-29 02:17", "11-29 02:17"}
    assert FIXED_NOW.replace(tzinfo=UTC) + timedelta(hours=8) == datetime(2026, 11, 29, 10, 17, tzinfo=UTC)


def test_operation_codes_come_with_their_names(demo, client):
    """操作项目 as "9.16 化工自动化控制仪表作业", never a bare "9.16", on the roster and a person's page."""
    from app.people.models import Employment

    employment = db.session.scalars(sa.select(Employment).where(Employment.operation_code == "9.16")).first()
    _log_in(client, "enterprise")
    for url in ("/people/", f"/people/{employment.person_id}"):
        parser = VisibleText()
        parser.feed(client.get(url).get_data(as_text=True))
        codes = re.findall(r"(?<![\d.])9\.16(?![\d.])(.{0,3})", parser.text)
        assert codes and all(following.startswith(" 化工") for following in codes), (url, codes)
