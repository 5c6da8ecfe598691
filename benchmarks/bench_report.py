"""Reports: the terminal report's length and the HTML page at 2,000 articles.

The clean of one extractor's 88 pages (the most repetitive one, html-text) is
reported at 80 columns, by default and with ``-v``. Its articles, repeated under
new names up to 2,000, make a page whose size per article (beyond the text it
shows) and load time in headless chromium are measured against a blank page
loaded the same way, in the same run.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from .common import SHARED, Row, need

EXTRACTOR = SHARED / "extraction" / "input" / "html-text"
ARTICLES = 2000
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _lines(report: object, verbose: bool) -> tuple[int, int]:
    from rich.console import Console

    from dedup.report.terminal import render

    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None)
    for renderable in render(report, verbose=verbose, plain=True, width=80):  # type: ignore[arg-type]
        console.print(renderable)
    from rich.cells import cell_len

    lines = out.getvalue().splitlines()
    return len(lines), max(cell_len(line) for line in lines)


def _load(browser: str, url: str, profile: Path, repeat: int) -> tuple[float, float, float]:
    """The best wall time of ``--dump-dom``, and the page's own timings (ms) if any."""
    best, ready, apply = float("inf"), float("nan"), float("nan")
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                              capture_output=True, check=True, timeout=300, text=True)
        elapsed = time.perf_counter() - started
        found = re.search(r"<title>T (\d+) (\d+)</title>", done.stdout)
        if elapsed < best:
            best = elapsed
            if found:
                ready, apply = float(found.group(1)), float(found.group(2))
    return best, ready, apply


def bench(quick: bool = False) -> list[Row]:
    from dedup.options import CleanOptions
    from dedup.pipeline.clean import clean_inputs
    from dedup.report.clean import report
    from dedup.report.html import page
    from dedup.settings import Settings

    folder = need(EXTRACTOR)
    result = clean_inputs([str(folder)], Settings(), options=CleanOptions(scope="within"))
    view = report(result, dry_run=True)
    rows = []
    for verbose in (False, True):
        count, widest = _lines(view, verbose)
        rows.append(Row("reports", f"clean --check, 88 pages of html-text{' -v' if verbose else ''}: "
                        "lines (widest)", f"{count:,} ({widest})", "fits 80 columns", widest <= 80))
    originals = view.articles
    many = [replace(originals[n % len(originals)], id=f"copy-{n:04d}/{originals[n % len(originals)].id}")
            for n in range(ARTICLES)]
    big = replace(view, articles=many, total_articles=ARTICLES)
    started = time.perf_counter()
    html = page(big)
    built = time.perf_counter() - started
    # What the page shows of the text: context and removed text (clipped), kept text.
    from dedup.report.html import CONTEXT, KEPT, REMOVED

    shown = sum(min(len(e.before), CONTEXT) + min(len(e.removed), REMOVED) + min(len(e.after), CONTEXT)
                + min(len(e.kept), KEPT) for a in many for e in a.entries)
    size = len(html.encode("utf-8"))
    overhead = (size - shown) / ARTICLES
    entries = sum(len(a.entries) for a in many)
    rows += [
        Row("reports", f"HTML page, {ARTICLES:,} articles ({entries:,} entries): size",
            f"{size / 1e6:.1f} MB"),
        Row("reports", "HTML page: bytes per article beyond the text shown", f"{overhead:,.0f} B",
            "< 3,000 B", overhead < 3000),
        Row("reports", "HTML page: time to build", f"{built:.2f} s"),
    ]
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return [*rows, Row("reports", "chromium load time", "skipped: no chromium (apt-get install chromium)")]
    with tempfile.TemporaryDirectory() as tmp:
        blank, full = Path(tmp) / "blank.html", Path(tmp) / "page.html"
        blank.write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")
        full.write_text(html.replace("</body>", _TIMER + "</body>"), encoding="utf-8")
        repeat = 1 if quick else 3
        profile = Path(tmp) / "profile"
        reference = _load(browser, blank.as_uri(), profile, repeat)[0]
        wall, ready, apply = _load(browser, full.as_uri(), profile, repeat)
    rows += [
        Row("reports", "chromium --dump-dom, a blank page (reference)", f"{reference:.2f} s"),
        Row("reports", f"chromium --dump-dom, the {ARTICLES:,}-article page",
            f"{wall:.2f} s ({wall / reference:.1f}x)"),
        Row("reports", "... parsed and its script run (in the page)", f"{ready / 1000:.2f} s", "< 3 s",
            ready < 3000),
        Row("reports", "... a filter applied to every article (in the page)", f"{apply:.0f} ms",
            "< 300 ms", apply < 300),
    ]
    return rows


# Appended to the page: when it was ready, and how long a filter takes.
_TIMER = """<script>(function(){var ready=performance.now(),r=document.getElementById('f-rule');
r.value='run';var t=performance.now();r.onchange();var took=performance.now()-t;
document.title='T '+ready.toFixed(0)+' '+took.toFixed(0);})();</script>"""
