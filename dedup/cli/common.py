"""What every ``dedup`` command shares: options, merged configuration, errors, progress."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from ..config import load_config

SETTING_KEYS = ("shingle", "ngram", "num_perm", "seed", "threshold", "containment", "min_words",
                "max_bucket")


def _unit(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not 0.0 < value <= 1.0:
        raise click.BadParameter("must be in (0, 1]")
    return value


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    from ..config import parse_size
    from ..errors import UsageError

    try:
        return parse_size(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


def _encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None or value == "auto":
        return value
    import codecs

    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r} (a codec name such as "
                                 "latin-1 or cp1252, or auto)") from None
    return value


# Reading options shared with ``dedup index`` (which has its own option list).
INPUT_OPTIONS = [
    click.option("--encoding", metavar="NAME|auto", callback=_encoding,
                 help="Encoding of text and Markdown files: a codec name (latin-1, cp1252, "
                      "utf-16, ...) or auto to detect it per file; cleaned files are written "
                      "back in it. JSON lines are always UTF-8 [utf-8]."),
    click.option("--max-input-size", metavar="SIZE", callback=_size,
                 help="Largest input read, counted after decompression (K, M, G suffixes; "
                      "a JSON lines record counts as at least 2K) [128M]."),
]


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command that reads articles shares."""
    options = [
        click.option("--threshold", type=float, callback=_unit,
                     help="Jaccard similarity at or above which texts are near-duplicates [0.8]."),
        click.option("--containment", type=float, callback=_unit,
                     help="Share of a text found in another at or above which it is contained [0.8]."),
        click.option("--scope", type=click.Choice(["within", "across", "all"]),
                     help="Compare paragraphs within articles, articles across the corpus, or both [all]."),
        click.option("--shingle", type=click.Choice(["word", "char"]),
                     help="Word n-grams (default) or character n-grams (OCR noise, no spaces)."),
        click.option("--ngram", type=click.IntRange(1, 32), help="Shingle length [5]."),
        click.option("--num-perm", type=click.IntRange(16, 1024), help="MinHash permutations [128]."),
        click.option("--seed", type=int, help="MinHash seed [1]."),
        click.option("--min-words", type=click.IntRange(1), help="Shorter paragraphs are only compared verbatim [6]."),
        click.option("--include", multiple=True, help="Glob of files to read in directories (repeatable)."),
        click.option("--exclude", multiple=True, help="Glob of files to skip in directories (repeatable)."),
        click.option("--text-field", help="JSON lines field holding the text [text]."),
        click.option("--id-field", help="JSON lines field holding the id [id]."),
        *INPUT_OPTIONS,
        click.option("--jobs", "-j", type=click.IntRange(0), help="Worker processes; 0 means all cores [1]."),
        click.option("--quiet", "-q", is_flag=True, default=None, help="No progress bar or summary."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def corpus_options(index_use: str, verb: str, output: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The index and engine options of ``scan`` and ``clean``, worded for the command:
    what the index is for, what ``--update-index`` adds, what ``--output`` holds."""
    options = [
        click.option("--index", "index_location", metavar="FILE|URL",
                     help=f"Also {index_use} (SQLite file or redis:// URL)."),
        click.option("--update-index", is_flag=True, default=None,
                     help=f"Add the {verb} articles to the index afterwards (--index, else config `index`)."),
        click.option("--engine", type=click.Choice(["local", "spark"]), default="local",
                     help="Run here, or on Apache Spark (JSON lines or Parquet; pip install 'dedup[spark]')."),
        click.option("--spark-master", metavar="URL", help="Spark master for --engine spark [local[*]]."),
        click.option("--output", metavar="PATH",
                     help=f"With --engine spark: write the {output} to PATH as JSON lines "
                          "(Parquet if PATH ends in .parquet)."),
    ]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


class Run:
    """Merged configuration for one command: flags win over the config file."""

    def __init__(self, flags: dict[str, Any]) -> None:
        self.config = load_config()
        self.flags = flags

    def get(self, key: str, default: Any = None) -> Any:
        value = self.flags.get(key)
        if value is not None and value != ():
            return value
        return self.config.get(key, default)

    def settings(self) -> Any:
        from ..settings import Settings

        return Settings().with_(**{k: self.get(k) for k in SETTING_KEYS})

    def clean_options(self, **flags: Any) -> Any:
        """The cleaning choices: flags given here, then the command's, then the config."""
        from ..options import CleanOptions

        return CleanOptions().with_(
            keep=flags.get("keep") or self.get("keep"),
            fix_joins=self.get("fix_joins"),
            scope=self.get("scope"),
        )

    def read_options(self) -> Any:
        from ..io.reader import DEFAULT_INCLUDE, DEFAULT_MAX_INPUT_SIZE, ReadOptions

        return ReadOptions(
            include=tuple(self.get("include") or DEFAULT_INCLUDE),
            exclude=tuple(self.get("exclude") or ()),
            text_field=self.get("text_field", "text"),
            id_field=self.get("id_field", "id"),
            date_field=self.get("date_field", "date"),
            encoding=self.get("encoding", "utf-8"),
            max_input_size=self.get("max_input_size", DEFAULT_MAX_INPUT_SIZE),
        )

    @property
    def jobs(self) -> int:
        jobs = int(self.get("jobs", 1))
        return os.cpu_count() or 1 if jobs == 0 else jobs

    @property
    def quiet(self) -> bool:
        return bool(self.get("quiet", False))


def error_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def print_errors(errors: list[Any]) -> None:
    for error in errors:
        click.echo(f"dedup: error: {error.input}: {error.message}", err=True)


@contextmanager
def progress_bar(run: Run, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal and not ``--quiet``."""
    if run.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("articles"),
                  TimeElapsedColumn(), console=error_console(), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda n: bar.advance(task, n)
