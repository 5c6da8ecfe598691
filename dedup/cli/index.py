"""``dedup index``: add, query, remove and describe a persistent MinHash index.

Thin commands over :class:`dedup.index.MinHashIndex`; heavy modules are imported
inside the commands so that ``dedup --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from ..errors import EXIT_CLEAN, EXIT_ERROR, JSON_VERSION, DedupError
from .common import (
    console,
    exit_code,
    exit_zero_option,
    global_options,
    name_stdin,
    stdin_filename_option,
)

SIGNATURE_FLAGS = ("shingle", "ngram", "num_perm", "seed")
RUN_FLAGS = ("threshold", "containment", "min_words")


def _unit(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not 0.0 < value <= 1.0:
        raise click.BadParameter("must be in (0, 1]")
    return value


def location_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--name", help="Key prefix of the index in Redis (or ?name= in the URL) [dedup].")(func)
    return click.option(
        "--index", "index_location", metavar="FILE|URL",
        help="SQLite file or redis://host:port/db URL [config `index`, else .dedup/index.sqlite].",
    )(func)


def threshold_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--threshold", type=float, callback=_unit,
                     help="Jaccard similarity at or above which texts are near-duplicates [stored]."),
        click.option("--containment", type=float, callback=_unit,
                     help="Share of a text found in another at or above which it is contained [stored]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def read_options(func: Callable[..., Any]) -> Callable[..., Any]:
    from .common import INPUT_OPTIONS

    options = [
        click.option("--include", multiple=True, help="Glob of files to read in directories (repeatable)."),
        click.option("--exclude", multiple=True, help="Glob of files to skip in directories (repeatable)."),
        click.option("--text-field", help="JSON lines field holding the text [text]."),
        click.option("--id-field", help="JSON lines field holding the id (the article key) [id]."),
        *INPUT_OPTIONS,
        click.option("--quiet", "-q", is_flag=True, default=None, help="No progress bar or summary."),
        stdin_filename_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run(flags: dict[str, Any]) -> Any:
    from .common import Run

    return Run(flags)


def _open(run: Any, *, create: bool) -> Any:
    """The index named by ``--index`` or the config.

    Signature settings (shingle, ngram, num_perm, seed) are checked against the index
    only when given; thresholds and ``min_words`` given as flags or config apply to
    this run (and are stored with a new index).
    """
    from ..index import MissingIndexError
    from ..index.link import open_index

    location = run.get("index_location") or run.get("index")
    name = run.flags.get("name") or "dedup"
    given = any(run.get(key) is not None for key in SIGNATURE_FLAGS)
    try:
        idx = open_index(location, run.settings() if given else None, create=False, name=name)
    except MissingIndexError:
        if not create:
            raise
        idx = open_index(location, run.settings(), create=True, name=name)
    try:
        idx.settings = idx.settings.with_(**{key: run.get(key) for key in RUN_FLAGS})
    except DedupError:
        idx.close()
        raise
    return idx


def _articles(run: Any, paths: tuple[str, ...], errors: list[Any]) -> Any:
    from ..document import Article
    from ..io.reader import iter_inputs

    if run.stdin_excluded(paths):
        paths = tuple(p for p in paths if p != "-")
    for item in name_stdin(iter_inputs(paths, run.read_options()), run.stdin_name):
        if isinstance(item, Article):
            yield item
        else:
            errors.append(item)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@global_options
def index() -> None:
    """A persistent, incremental MinHash index of a corpus (SQLite file or Redis).

    Articles are stored whole (key: the file path or JSON id) and per paragraph
    (key#N). Exit codes: 0 nothing found, 1 matches found (query; 0 with
    --exit-zero), 2 usage, input or index errors.
    """


@index.command()
@click.argument("paths", nargs=-1, required=True)
@location_options
@click.option("--shingle", type=click.Choice(["word", "char"]), help="Shingles of a new index [word].")
@click.option("--ngram", type=click.IntRange(1, 32), help="Shingle length of a new index [5].")
@click.option("--num-perm", type=click.IntRange(16, 1024), help="MinHash permutations of a new index [128].")
@click.option("--seed", type=int, help="MinHash seed of a new index [1].")
@click.option("--min-words", type=click.IntRange(1), help="Shorter paragraphs are not indexed [6].")
@threshold_options
@click.option("--jobs", "-j", type=click.IntRange(0), help="Processes analysing articles; 0 means all cores [1].")
@read_options
@global_options
def add(paths: tuple[str, ...], **flags: Any) -> None:
    """Add (or replace) the articles in PATHS, creating the index if needed.

    PATHS are .txt/.md files, JSON lines (.jsonl, .jsonl.gz), directories, or -
    for stdin. An article already in the index under the same key is replaced.
    """
    from .common import print_errors, progress_bar

    run = _run(flags)
    errors: list[Any] = []
    with _open(run, create=True) as idx, progress_bar(run, "indexing") as progress:
        before = len(idx)
        entries = idx.add_articles(_articles(run, paths, errors),
                                   jobs=run.jobs, progress=progress)
        after = len(idx)
    print_errors(errors)
    if not run.quiet:
        click.echo(f"{idx.location}: {entries} entries stored; {after} articles "
                   f"({after - before:+d})", err=True)
    sys.exit(EXIT_ERROR if errors else EXIT_CLEAN)


@index.command()
@click.argument("paths", nargs=-1, required=True)
@location_options
@threshold_options
@click.option("--limit", type=click.IntRange(1), help="At most this many matches per article or paragraph.")
@click.option("--format", "fmt", type=click.Choice(["rich", "json"]), default="rich",
              help="A table per article on the terminal, or a JSON document on stdout.")
@read_options
@exit_zero_option
@global_options
def query(paths: tuple[str, ...], limit: int | None, fmt: str, exit_zero: bool,
          **flags: Any) -> None:
    """Find indexed articles and paragraphs that the articles in PATHS repeat.

    Every match is verified with the exact Jaccard similarity and containment of
    the shingle sets. An article's own key is left out. Exits 1 when anything
    matches (0 with --exit-zero), 0 when nothing does.
    """
    from .common import print_errors

    run = _run(flags)
    errors: list[Any] = []
    results: list[tuple[Any, list[Any]]] = []
    with _open(run, create=False) as idx:
        for article in _articles(run, paths, errors):
            matches = idx.query_article(article, exclude=article.id, limit=limit)
            results.append((article, matches))
        location = idx.location
    if fmt == "json":
        click.echo(json.dumps(_query_json(location, results, errors), ensure_ascii=False))
    else:
        _render_query(results, quiet=bool(run.quiet))
    print_errors(errors)
    found = any(matches for _, matches in results)
    sys.exit(exit_code(errors=bool(errors), found=found, exit_zero=exit_zero))


def _query_json(location: str, results: list[tuple[Any, list[Any]]], errors: list[Any]) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "index": location,
        "queries": [{"id": article.id, "matches": [m.to_json() for m in matches]}
                    for article, matches in results],
        "errors": [{"input": e.input, "message": e.message} for e in errors],
    }


def _render_query(results: list[tuple[Any, list[Any]]], *, quiet: bool) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    out = console()
    for article, matches in results:
        if not matches:
            continue
        table = Table(title=escape(article.id), title_justify="left", box=box.SIMPLE_HEAVY)
        for column in ("query", "index entry", "kind", "jaccard", "containment", "reason"):
            table.add_column(column, justify="right" if column in ("jaccard", "containment") else "left")
        for m in matches:
            table.add_row("article" if m.query is None else f"¶{m.query}", escape(m.key), m.kind,
                          f"{m.jaccard:.2f}", f"{m.containment:.2f}", m.reason)
        out.print(table)
    if not quiet:
        hits = sum(1 for _, matches in results if matches)
        console(stderr=True).print(
            f"{hits} of {len(results)} articles match the index")


@index.command()
@click.argument("keys", nargs=-1, required=True)
@location_options
@click.option("--quiet", "-q", is_flag=True, default=None, help="No summary.")
@global_options
def remove(keys: tuple[str, ...], **flags: Any) -> None:
    """Remove articles (with their paragraphs) or single paragraphs (KEY#N) by key.

    Exits 2 when a key is not in the index (the other keys are still removed).
    """
    run = _run(flags)
    missing = []
    with _open(run, create=False) as idx:
        for key in keys:
            if idx.remove(key) == 0:
                missing.append(key)
            elif not run.quiet:
                click.echo(f"removed {key}", err=True)
        location = idx.location
    for key in missing:
        click.echo(f"dedup: error: {location}: {key}: not in the index", err=True)
    sys.exit(EXIT_ERROR if missing else EXIT_CLEAN)


@index.command()
@location_options
@click.option("--format", "fmt", type=click.Choice(["rich", "json"]), default="rich",
              help="A table on the terminal, or a JSON document on stdout.")
@global_options
def stats(fmt: str, **flags: Any) -> None:
    """Show the index's size, settings and banding."""
    run = _run(flags)
    with _open(run, create=False) as idx:
        info = idx.stats()
    if fmt == "json":
        click.echo(json.dumps({"version": JSON_VERSION, **info.to_json()}))
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="dedup index", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    size = "" if info.size_bytes is None else f"{info.size_bytes / 1e6:.1f} MB"
    s = info.settings
    for label, value in (
        ("location", escape(info.location)), ("backend", info.backend),
        ("articles", f"{info.articles:,}"), ("paragraphs", f"{info.paragraphs:,}"),
        ("size", size),
        ("signatures", f"{s.shingle} {s.ngram}-grams, {s.num_perm} permutations, seed {s.seed}"),
        ("thresholds", f"jaccard {s.threshold}, containment {s.containment}"),
        ("banding", f"{info.bands} bands x {info.rows} rows"),
    ):
        table.add_row(label, value)
    console().print(table)


def link_scan(run: Any, result: Any, settings: Any) -> None:
    """``scan --index`` / ``--update-index``: findings against the index, then the update.

    The scan's settings are the index's too (its articles were shingled with them), so
    an index built with other signature settings is an error.
    """
    from ..index.link import index_findings, open_index, update_index

    compare = run.get("index_location")
    location = compare or run.get("index")
    ids = dict.fromkeys(aid for aid, _ in result.articles)  # in order, once each
    docs = [result.docs[aid] for aid in ids if aid in result.docs]
    with open_index(location, settings, create=bool(run.get("update_index")),
                    name="dedup") as idx:
        if compare:
            result.findings.extend(index_findings(idx, docs))
        if run.get("update_index"):
            update_index(idx, docs)
