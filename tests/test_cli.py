"""The command group: errors become one line and an exit code, in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.errors import EXIT_ERROR, EXIT_INTERNAL, ConfigError

INTRO = str(Path(__file__).resolve().parent.parent / "fixtures" / "repeated-intro.txt")


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("kaboom")


def test_an_unexpected_error_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEDUP_DEBUG", raising=False)
    monkeypatch.setattr("dedup.pipeline.scan.scan", _boom)
    result = CliRunner().invoke(main, ["scan", INTRO])
    assert result.exit_code == EXIT_INTERNAL
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("dedup: internal error: RuntimeError: kaboom")
    assert "--debug" in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    monkeypatch.setattr("dedup.pipeline.scan.scan", _boom)
    args = ["--debug", "scan", INTRO] if how == "flag" else ["scan", INTRO]
    if how == "env":
        monkeypatch.setenv("DEDUP_DEBUG", "1")
    result = CliRunner().invoke(main, args)
    assert isinstance(result.exception, RuntimeError)  # re-raised, not swallowed


def test_a_dedup_error_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    def bad_config(*args: object, **kwargs: object) -> None:
        raise ConfigError("pyproject.toml: [tool.dedup] ngram: must be at most 32")

    monkeypatch.setattr("dedup.cli.common.load_config", bad_config)
    result = CliRunner().invoke(main, ["clean", "--check", INTRO])
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.strip() == "dedup: error: pyproject.toml: [tool.dedup] ngram: must be at most 32"


def test_library_code_raises_no_click_exception() -> None:
    package = Path(__file__).resolve().parent.parent / "dedup"
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py")
                 if p.parent.name != "cli" and re.search(r"^\s*(import|from) click\b",
                                                         p.read_text(encoding="utf-8"), re.M)]
    assert not offenders
