"""The HTML report in a real browser: Debian's chromium, headless.

The page is loaded from a file, as a reviewer opens a CI artifact; ``--dump-dom``
gives the DOM after the page's script ran, so the filters (applied from the URL
fragment on load) can be checked, and ``--screenshot`` keeps a picture of the page.
Screenshots go to ``$DEDUP_TEST_ARTIFACTS`` when set, else to the test's tmp folder.
Skipped when no chromium is installed (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import FIXTURES, shared_path

from dedup.options import CleanOptions
from dedup.pipeline.clean import clean_inputs
from dedup.report.clean import report
from dedup.report.html import page
from dedup.settings import Settings

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browse(tmp_path: Path, url: str, *flags: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    done = subprocess.run([str(BROWSER), *FLAGS, f"--user-data-dir={profile}", *flags, url],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DEDUP_TEST_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Dom(HTMLParser):
    """What the checks need from a dumped DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.rows: list[dict[str, str | None]] = []
        self.articles: list[dict[str, str | None]] = []
        self.shown = ""
        self._in_shown = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        href = values.get("href")
        if href and href.startswith("#"):
            self.links.append(href[1:])
        if tag == "tr" and "data-a" in values:
            self.rows.append(values)
        if tag == "details" and "article" in (values.get("class") or ""):
            self.articles.append(values)
        self._in_shown = values.get("id") == "shown"

    def handle_data(self, data: str) -> None:
        if self._in_shown:
            self.shown += data

    def handle_endtag(self, tag: str) -> None:
        self._in_shown = False

    def visible_rows(self) -> list[str]:
        return [str(r["data-a"]) for r in self.rows if "hidden" not in r]


def dom(tmp_path: Path, url: str) -> Dom:
    parsed = Dom()
    parsed.feed(browse(tmp_path, url, "--dump-dom"))
    return parsed


def not_blank(png: Path) -> bool:
    """Whether a PNG holds more than one colour (its pixel rows vary)."""
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    at, idat = 8, b""
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + length]
        at += 12 + length
    return len(set(zlib.decompress(idat))) > 16


def check_page(tmp_path: Path, html: str, expected_articles: int, name: str) -> None:
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    url = path.as_uri()
    whole = dom(tmp_path, url)
    # Every article is in the table and in the details, and every link lands.
    assert len(whole.rows) == len(whole.articles) == expected_articles
    assert len(whole.visible_rows()) == expected_articles
    assert whole.shown.strip() == f"{expected_articles} of {expected_articles} articles shown"
    anchors = [link for link in whole.links if "=" not in link]
    assert anchors and all(link in whole.ids for link in anchors), set(anchors) - whole.ids
    assert all(f"a{n}" in whole.ids for n in range(expected_articles))
    # A rule that only some articles have: its filter, from the URL, hides the others.
    rules = report_rules(html)
    rule, kind, count = next((r, k, n) for r, k, n in rules if n < expected_articles)
    filtered = dom(tmp_path, f"{url}#rule={quote(rule)}&kind={quote(kind)}")
    assert len(filtered.visible_rows()) == count < expected_articles
    hidden = {str(a["id"]) for a in filtered.articles if "hidden" in a}
    assert hidden == {r for r in (str(x["data-a"]) for x in filtered.rows)} - set(filtered.visible_rows())
    # The search box, from the URL: one file name.
    first = str(whole.rows[0]["data-name"])
    searched = dom(tmp_path, f"{url}?q={quote(first.rsplit('/', 1)[-1])}")
    assert searched.visible_rows() == ["a0"]
    # A picture of the page, filtered and expanded, kept as an artifact.
    shot = artifacts(tmp_path) / f"{name}.png"
    browse(tmp_path, f"{url}#rule={quote(rule)}&kind={quote(kind)}&open=1",
           f"--screenshot={shot}", "--window-size=1280,1800", "--hide-scrollbars")
    assert shot.exists() and not_blank(shot)


def report_rules(html: str) -> list[tuple[str, str, int]]:
    """``(rule, kind, articles)`` from the page's summary table."""
    import re
    from html import unescape
    from urllib.parse import unquote

    rows = re.findall(r'<a href="#rule=([^&"]*)&amp;kind=([^"]*)">.*?</a></td><td>[^<]*</td>'
                      r'<td class="n">[\d,]+</td><td class="n">([\d,]+)</td>', html)
    return [(unquote(unescape(r)), unquote(unescape(k)), int(n.replace(",", ""))) for r, k, n in rows]


def test_the_page_of_the_fixtures_in_a_browser(tmp_path: Path) -> None:
    result = clean_inputs([str(FIXTURES)], Settings(), options=CleanOptions())
    view = report(result, dry_run=True)
    check_page(tmp_path, page(view), len(view.articles), "report-fixtures")


@pytest.mark.shared
@pytest.mark.slow
def test_the_page_of_one_extractor_in_a_browser(tmp_path: Path) -> None:
    folder = shared_path("extraction", "input", "html-text")
    result = clean_inputs([str(folder)], Settings(), options=CleanOptions(scope="within"))
    view = report(result, dry_run=True)
    assert len(view.articles) > 50
    html = page(view)
    check_page(tmp_path, html, len(view.articles), "report-html-text")
