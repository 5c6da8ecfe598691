"""Make the screenshots of docs/reports.md from the project's fixtures.

    python docs/img/make.py        # from the repository root; needs chromium

The terminal reports are rendered by rich at 80 columns, exported as SVG and
photographed by headless chromium, like the HTML page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def shoot(browser: str, url: str, png: Path, width: int, height: int, profile: str) -> None:
    subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
                    f"--window-size={width},{height}", url], check=True, capture_output=True, timeout=120)
    print(f"wrote {png.relative_to(ROOT)}")


def terminal(browser: str, renderables: list[object], name: str, title: str, tmp: str) -> None:
    from rich.console import Console

    console = Console(record=True, width=80, force_terminal=True, color_system="truecolor",
                      file=open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    for renderable in renderables:
        console.print(renderable)
    svg = Path(tmp) / f"{name}.svg"
    svg.write_text(console.export_svg(title=title), encoding="utf-8")
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text(encoding="utf-8"))
    assert box is not None
    shoot(browser, svg.as_uri(), IMG / f"{name}.png", int(float(box.group(1))) + 1,
          int(float(box.group(2))) + 1, str(Path(tmp) / "profile"))


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("needs chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    os.chdir(ROOT)  # article ids are the paths as given: fixtures/...
    sys.path.insert(0, str(ROOT))
    from dedup.io.reader import iter_inputs
    from dedup.options import CleanOptions
    from dedup.pipeline.clean import clean_inputs
    from dedup.pipeline.scan import scan
    from dedup.report.clean import report as clean_report
    from dedup.report.html import page
    from dedup.report.scan import report as scan_report
    from dedup.report.terminal import render
    from dedup.settings import Settings

    IMG.mkdir(parents=True, exist_ok=True)
    within = clean_inputs(["fixtures/"], Settings(), options=CleanOptions(scope="within"))
    everything = clean_inputs(["fixtures/"], Settings(), options=CleanOptions())
    found = scan(iter_inputs(["fixtures/repeated-intro.txt", "fixtures/interview.txt"]), Settings(),
                 scope="within", keep_docs=True)
    with tempfile.TemporaryDirectory() as tmp:
        terminal(browser, render(clean_report(within, dry_run=True)), "clean-terminal",
                 "dedup clean --check --scope within fixtures/", tmp)
        terminal(browser, render(clean_report(within, dry_run=True), plain=True), "clean-plain",
                 "dedup clean --check --scope within fixtures/ 2>&1 | cat", tmp)
        terminal(browser, render(scan_report(found)), "scan-terminal",
                 "dedup scan --scope within fixtures/repeated-intro.txt fixtures/interview.txt", tmp)
        html = Path(tmp) / "report.html"
        html.write_text(page(clean_report(everything, dry_run=True)), encoding="utf-8")
        profile = str(Path(tmp) / "profile")
        shoot(browser, html.as_uri(), IMG / "clean-html.png", 1100, 1500, profile)
        shoot(browser, html.as_uri() + "#rule=DUP102&kind=paragraph&open=1",
              IMG / "clean-html-filtered.png", 1100, 1100, profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
