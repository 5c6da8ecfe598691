"""What every ``dedup`` command shares: options, merged configuration, errors, progress,
consoles in the chosen colours, exit codes and the name of stdin."""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND, UsageError

SETTING_KEYS = ("shingle", "ngram", "num_perm", "seed", "threshold", "containment", "min_words",
                "max_bucket", "language")


def _unit(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not 0.0 < value <= 1.0:
        raise click.BadParameter("must be in (0, 1]")
    return value


# Where --config and --color are kept: ``ctx.meta`` is shared by the group and its
# commands, so either may be given before or after the command name (the later wins).
CONFIG_FILE = "dedup.config_file"
COLOR = "dedup.color"
COLORS = ("auto", "always", "never")


def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None:
            ctx.meta[key] = value
        return value

    return callback


def global_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--config FILE`` and ``--color``: accepted by the group and by every command."""
    func = click.option(
        "--color", type=click.Choice(COLORS), expose_value=False, callback=_remember(COLOR),
        help="Colour in reports: auto (on a terminal, unless NO_COLOR is set), always, never [auto].",
    )(func)
    return click.option(
        "--config", metavar="FILE", expose_value=False, callback=_remember(CONFIG_FILE),
        help="Read settings from FILE ([tool.dedup] of a .toml file, else [dedup]) "
             "instead of the nearest pyproject.toml / setup.cfg.",
    )(func)


def _meta(key: str) -> Any:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(key) if ctx is not None else None


def console(*, stderr: bool = False, **kwargs: Any) -> Any:
    """A rich console in the colours of ``--color`` (``auto``: rich decides, and honours
    ``NO_COLOR`` and ``FORCE_COLOR``). Built late, so that ``CliRunner`` captures it."""
    from rich.console import Console

    color = _meta(COLOR) or "auto"
    if color == "always":
        kwargs.update(force_terminal=True, no_color=False)
    elif color == "never":
        kwargs.update(color_system=None)
    return Console(stderr=stderr, highlight=False, **kwargs)


def colour_stdout() -> bool:
    """Whether text written to stdout by hand (a diff) is coloured, as ``console()`` decides."""
    color = _meta(COLOR) or "auto"
    if color != "auto":
        return bool(color == "always")
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def exit_code(*, errors: bool, found: bool, exit_zero: bool = False) -> int:
    """2 on errors; else 1 when something was found (or would change), unless ``--exit-zero``."""
    if errors:
        return EXIT_ERROR
    return EXIT_FOUND if found and not exit_zero else EXIT_CLEAN


exit_zero_option = click.option(
    "--exit-zero", is_flag=True,
    help="Exit 0 even when duplicates are found or files would change (errors still exit 2).")
stdin_filename_option = click.option(
    "--stdin-filename", metavar="NAME",
    help="The name of the file read from - : shown in reports, matched by --include/--exclude.")


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
                 help="Largest article file, stdin or decompressed .gz input read (K, M, G "
                      "suffixes; a JSON lines record counts as at least 2K; a plain JSON "
                      "lines file is bounded by its size) [128M]."),
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
        click.option("--language", metavar="CODE",
                     help="The articles' language (ISO 639: en, de, ...) for sentences and "
                          "English-only rules; auto: a record's language field, else "
                          "identified per article [auto]."),
        click.option("--include", multiple=True, help="Glob of files to read in directories (repeatable)."),
        click.option("--exclude", multiple=True, help="Glob of files to skip in directories (repeatable)."),
        click.option("--text-field", help="JSON lines field holding the text [text]."),
        click.option("--id-field", help="JSON lines field holding the id [id]."),
        *INPUT_OPTIONS,
        click.option("--jobs", "-j", type=click.IntRange(0), help="Worker processes; 0 means all cores [1]."),
        click.option("--quiet", "-q", is_flag=True, default=None,
                     help="Print errors only: no report, no progress bar."),
        click.option("--verbose", "-v", is_flag=True, default=False,
                     help="Report every edit or finding, with more context and the kept text."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def rule_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--select`` and ``--ignore``: which rules of the registry scan and clean apply."""
    options = [
        click.option("--select", "select", multiple=True, metavar="CODES",
                     help="Rules to switch on: codes or prefixes, comma-separated or repeated "
                          "(`dedup rules` lists them) [the rules on by default]."),
        click.option("--ignore", "ignore", multiple=True, metavar="CODES",
                     help="Rules to switch off, added to the config's: --ignore DUP3 keeps "
                          "every line whole."),
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
        self.config = load_config(file=_meta(CONFIG_FILE))
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
            select=self.codes("select"),
            ignore=self.codes("ignore"),
            per_file_ignores=self.get("per_file_ignores"),
        )

    def codes(self, key: str) -> tuple[str, ...] | None:
        """``select`` or ``ignore``: the flags (comma-separated or repeated) replace the
        config file's list; ``--ignore`` adds to the config's ``ignore``, as in ruff's
        ``extend-ignore``, so a flag can switch one more rule off."""
        flagged = tuple(c.strip() for value in self.flags.get(key) or () for c in value.split(",")
                        if c.strip())
        configured = tuple(self.config.get(key) or ())
        if key == "ignore":
            return (*configured, *flagged) or None
        return flagged or configured or None

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

    @property
    def verbose(self) -> bool:
        return bool(self.flags.get("verbose")) and not self.quiet

    @property
    def stdin_name(self) -> str | None:
        """``--stdin-filename``, or ``None`` (stdin is then named ``-``)."""
        name = self.flags.get("stdin_filename")
        return str(name) if name else None

    def stdin_excluded(self, paths: Iterable[str]) -> bool:
        """Whether ``-`` is among ``paths`` under a name the include/exclude globs leave
        out (an editor passes every file through stdin; the corpus's excludes still hold)."""
        name = self.stdin_name
        if name is None or "-" not in paths:
            return False
        options = self.read_options()
        return not selected(name, options.include) or selected(name, options.exclude)


def selected(path: str, patterns: Iterable[str]) -> bool:
    """Whether a glob matches the file's name or its path (``/``-separated), as in a folder walk."""
    rel = os.path.normpath(path).replace(os.sep, "/")
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def stdin_renamed(name: str | None, value: str) -> str:
    """An article id, source or error location with ``-`` (stdin) replaced by ``name``.

    Example:
        >>> stdin_renamed("news/a.jsonl", "-:3"), stdin_renamed("a.md", "b.txt")
        ('news/a.jsonl:3', 'b.txt')
    """
    if name is None:
        return value
    if value == "-":
        return name
    if value.startswith("-:") and value[2:].isdigit():
        return f"{name}:{value[2:]}"
    return value


def name_stdin(items: Iterable[Any], name: str | None) -> Iterator[Any]:
    """Articles and errors as the reader yields them, with stdin called ``name``."""
    from ..document import Article
    from ..errors import InputError

    for item in items:
        if name is not None and isinstance(item, Article) and item.source == "-":
            item.id = stdin_renamed(name, item.id)
            item.source = name
        elif name is not None and isinstance(item, InputError):
            item = InputError(stdin_renamed(name, item.input), item.message)
        yield item


def check_exit_flags(exit_zero: bool, exit_non_zero_on_fix: bool) -> None:
    if exit_zero and exit_non_zero_on_fix:
        raise UsageError("--exit-zero and --exit-non-zero-on-fix cannot be used together")


def error_console() -> Any:
    return console(stderr=True)


def print_report(report: Any, out: Any, *, verbose: bool = False) -> None:
    """Render a :class:`dedup.report.view.Report` on the console ``out``: at its width,
    and removed text marked ``[-like this-]`` when it has no colour (``--color never``,
    ``NO_COLOR``, not a terminal)."""
    from ..report.terminal import render

    plain = out.color_system is None or out.no_color
    for renderable in render(report, verbose=verbose, plain=plain, width=out.width):
        out.print(renderable)


def terminal_text(text: str, stream: Any = None) -> str:
    """``text`` as it may reach ``stream`` (stderr by default): with its control
    characters made visible when that is a terminal, so a file name cannot send
    escape sequences to it."""
    from ..report.text import printable

    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return printable(text) if isatty is not None and isatty() else text


def print_errors(errors: list[Any]) -> None:
    for error in errors:
        click.echo(terminal_text(f"dedup: error: {error.input}: {error.message}"), err=True)


class Progress:
    """What a pipeline calls as ``progress(n)``: advances the bar by ``n`` articles."""

    def __init__(self, bar: Any, task: Any) -> None:
        self.bar, self.task = bar, task

    def __call__(self, n: int) -> None:
        self.bar.advance(self.task, n)

    def total(self, count: int | None) -> None:
        self.bar.update(self.task, total=count)


@contextmanager
def progress_bar(run: Run, label: str,
                 paths: Sequence[str] | None = None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal and not ``--quiet``.

    With ``paths``, the inputs are counted first (files are listed, JSON lines
    counted by the bytes read, see :func:`dedup.io.count.count_articles`) so the bar
    shows a total; the pipeline advances it article by article.
    """
    if run.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    with Bar(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("articles"),
             TimeElapsedColumn(), TimeRemainingColumn(), console=error_console(),
             transient=True) as bar:
        progress = Progress(bar, bar.add_task(label, total=None))
        if paths is not None:
            from ..io.count import count_articles

            progress.total(count_articles(paths, run.read_options()))
        yield progress
