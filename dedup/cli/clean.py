"""``dedup clean``: write canonical articles, in place or elsewhere, or show what would change."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from ..errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND
from .common import (
    Run,
    common_options,
    corpus_options,
    error_console,
    print_errors,
    progress_bar,
)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@common_options
@click.option("--keep", type=click.Choice(["first", "longest", "newest"]),
              help="Which copy survives: the first, the longest (at the first's place), "
                   "or the newest record by --date-field [first].")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if anything would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff on stdout; write nothing.")
@click.option("--output-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write cleaned copies under DIR (same relative paths) instead of in place.")
@click.option("--format", "fmt", type=click.Choice(["rich", "json"]), default="rich",
              help="Rich report on stderr, or the edits as JSON on stdout.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also save the report as a standalone HTML page.")
@click.option("--fix-joins/--no-fix-joins", default=None,
              help="Put back the space lost between glued sentences ('added.The') [on].")
@click.option("--date-field", help="JSON lines field holding the date, for --keep newest [date].")
@corpus_options("treat articles already in this index as kept copies", "cleaned", "canonical articles")
def clean(paths: tuple[str, ...], keep: str | None, check: bool, show_diff: bool,
          output_dir: str | None, fmt: str, html_path: str | None, **flags: Any) -> None:
    """Write the canonical version of the articles in PATHS.

    Removes repeated paragraphs, repeated sentences inside otherwise new
    paragraphs, pasted runs of paragraphs, text doubled inside a paragraph and
    headlines pasted into the middle of two sentences, keeping everything that
    is not said elsewhere in the kept text. With --scope across
    (or all), a JSON lines record that duplicates a kept record is dropped.
    Files are replaced atomically, and only when their content changes.

    Exit codes: 0 nothing to change, 1 files changed (or would change with
    --check/--diff), 2 usage or input errors.
    """
    from ..io.reader import display_name
    from ..pipeline.clean import clean_inputs
    from ..report.clean import diff, render_rich, to_json

    run = Run(flags)
    settings = run.settings()
    options = run.clean_options(keep=keep)
    if flags.get("engine") == "spark":
        from .spark import spark_clean

        sys.exit(spark_clean(paths, run, options, check=check,
                             master=flags.get("spark_master"), output=flags.get("output")))
    # Bounded: beyond the limit the reader reports standard input as too large.
    stdin = sys.stdin.buffer.read(run.read_options().max_input_size + 1) if "-" in paths else None
    started = time.perf_counter()
    with progress_bar(run, "cleaning") as progress, _linked_index(run, settings) as index:
        result = clean_inputs(paths, settings, run.read_options(), options, jobs=run.jobs,
                              progress=progress, stdin=stdin,
                              index=index if run.get("index_location") else None,
                              keep_docs=index is not None)
        elapsed = time.perf_counter() - started
        changed = [f for f in result.files if f.changed]
        writing = not (check or show_diff)
        if writing:
            result.errors.extend(_write(result, output_dir))
        if writing and index is not None and run.get("update_index"):
            _update_index(index, result)
    if show_diff:
        click.echo(diff(result), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(to_json(result), ensure_ascii=False))
    elif "-" in paths and writing and output_dir is None:
        for outcome in result.files:
            if outcome.path == "-":
                sys.stdout.buffer.write(outcome.new)
                sys.stdout.flush()
    if check:
        for outcome in changed:
            click.echo(f"would clean {display_name(outcome.path)}", err=True)
    if fmt == "rich" and not run.quiet and not show_diff:
        render_rich(result, error_console(), elapsed)
    if html_path:
        _save_html(result, html_path, elapsed)
    print_errors(result.errors)
    if result.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FOUND if changed else EXIT_CLEAN)


def _write(result: Any, output_dir: str | None) -> list[Any]:
    """Replace changed inputs in place, or write every input under ``output_dir``.

    A file that cannot be written, or that changed since it was read, is left as it
    is and reported; the others go on.
    """
    from ..errors import InputError, WriteRefused
    from ..io.reader import display_name
    from ..pipeline.clean import write_outcome

    errors = []
    for outcome in result.files:
        if outcome.path == "-":
            continue
        target = os.path.join(output_dir, _relative(outcome.path)) if output_dir else None
        try:
            write_outcome(outcome, target)
        except WriteRefused as exc:
            errors.append(InputError(display_name(target or outcome.path), str(exc)))
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            errors.append(InputError(display_name(target or outcome.path),
                                     f"cannot write: {reason}"))
    return errors


@contextmanager
def _linked_index(run: Run, settings: Any) -> Iterator[Any]:
    """The index named by ``--index`` (or config ``index`` with ``--update-index``), if any."""
    location = run.get("index_location") or (run.get("index") if run.get("update_index") else None)
    if not location:
        yield None
        return
    from ..index.link import open_index

    with open_index(location, settings, create=bool(run.get("update_index"))) as index:
        yield index


def _update_index(index: Any, result: Any) -> None:
    """Add what was kept: cleaned articles, not dropped duplicates."""
    from ..index.link import update_index

    update_index(index, [doc for o, doc in zip(result.articles, result.docs)
                         if o.dropped is None and doc is not None])


def _relative(path: str) -> str:
    """The path to use under ``--output-dir``: relative to here when inside it, else the name."""
    rel = os.path.relpath(path)
    if rel.startswith(os.pardir) or os.path.isabs(rel):
        return os.path.basename(path)
    return rel


def _save_html(result: Any, path: str, elapsed: float) -> None:
    from rich.console import Console

    from ..report.clean import render_rich

    console = Console(record=True, file=io.StringIO(), width=140)
    render_rich(result, console, elapsed)
    from ..io.writer import atomic_write

    atomic_write(path, console.export_html(inline_styles=True).encode("utf-8"))
