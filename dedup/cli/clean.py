"""``dedup clean``: write canonical articles, in place or elsewhere, or show what would change."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import click

from ..errors import InputError, UsageError
from .common import (
    Run,
    check_exit_flags,
    colour_stdout,
    common_options,
    corpus_options,
    error_console,
    exit_code,
    exit_zero_option,
    global_options,
    print_errors,
    progress_bar,
    rule_options,
    stdin_filename_option,
    stdin_renamed,
)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@common_options
@rule_options
@click.option("--keep", type=click.Choice(["first", "longest", "newest"]),
              help="Which copy survives: the first, the longest (at the first's place), "
                   "or the newest record by --date-field [first].")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if anything would change.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print a unified diff on stdout; write nothing; exit 1 if anything would change.")
@click.option("--output-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write cleaned copies under DIR (same relative paths) instead of in place.")
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "github"]), default="rich",
              help="Rich report on stderr, the edits as JSON on stdout, or (with --check) "
                   "GitHub Actions annotations of what would change.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also save the report as a standalone HTML page.")
@click.option("--fix-joins/--no-fix-joins", default=None,
              help="Put back the space lost between glued sentences ('added.The') [on].")
@click.option("--date-field", help="JSON lines field holding the date, for --keep newest [date].")
@click.option("--exit-non-zero-on-fix", is_flag=True,
              help="Exit 1 when files were changed (in place or under --output-dir).")
@exit_zero_option
@stdin_filename_option
@corpus_options("treat articles already in this index as kept copies", "cleaned", "canonical articles")
@global_options
def clean(paths: tuple[str, ...], keep: str | None, check: bool, show_diff: bool,
          output_dir: str | None, fmt: str, html_path: str | None, exit_non_zero_on_fix: bool,
          exit_zero: bool, **flags: Any) -> None:
    """Write the canonical version of the articles in PATHS.

    Removes repeated paragraphs, repeated sentences inside otherwise new
    paragraphs, pasted runs of paragraphs, text doubled inside a paragraph and
    headlines pasted into the middle of two sentences, keeping everything that
    is not said elsewhere in the kept text. With --scope across
    (or all), a JSON lines record that duplicates a kept record is dropped.
    Files are replaced atomically, and only when their content changes.

    Exit codes: 0 files cleaned (in place, under --output-dir or to stdout) or
    nothing to change; 1 files would change with --check or --diff (0 with
    --exit-zero), or were changed with --exit-non-zero-on-fix; 2 usage or input
    errors.
    """
    from ..pipeline.clean import clean_inputs
    from ..report.clean import diff, render_rich, to_json

    check_exit_flags(exit_zero, exit_non_zero_on_fix)
    if fmt == "github" and not check:
        raise UsageError("--format github annotates what would change: use it with --check")
    run = Run(flags)
    settings = run.settings()
    options = run.clean_options(keep=keep)
    if flags.get("engine") == "spark":
        from .spark import spark_clean

        sys.exit(spark_clean(paths, run, options, check=check,
                             master=flags.get("spark_master"), output=flags.get("output"),
                             exit_zero=exit_zero, exit_non_zero_on_fix=exit_non_zero_on_fix))
    stdin = sys.stdin.buffer.read() if "-" in paths else None
    writing = not (check or show_diff)
    stdout_bytes: bytes | None = None  # what the cleaned stdin is, when it goes to stdout
    if run.stdin_excluded(paths):  # a file the globs leave out: passed through as it is
        paths = tuple(p for p in paths if p != "-")
        stdout_bytes = stdin if writing and output_dir is None else None
    started = time.perf_counter()
    with progress_bar(run, "cleaning") as progress, _linked_index(run, settings) as index:
        result = clean_inputs(paths, settings, run.read_options(), options, jobs=run.jobs,
                              progress=progress, stdin=stdin,
                              index=index if run.get("index_location") else None,
                              keep_docs=index is not None)
        elapsed = time.perf_counter() - started
        changed = [f for f in result.files if f.changed]
        if writing:
            result.errors.extend(_write(result, output_dir))
            if "-" in paths and output_dir is None:
                stdout_bytes = next((o.new for o in result.files if o.path == "-"), None)
        _name_stdin(result, run.stdin_name)  # "-" is never written as a file: name it now
        if writing and index is not None and run.get("update_index"):
            _update_index(index, result)
    if show_diff:
        click.echo(_colour_diff(diff(result)), nl=False, color=colour_stdout())
    elif fmt == "json":
        click.echo(json.dumps(to_json(result), ensure_ascii=False))
    elif fmt == "github":
        from ..report.github import clean_annotations

        for line in clean_annotations(result):
            click.echo(line)
    elif stdout_bytes is not None:
        sys.stdout.buffer.write(stdout_bytes)
        sys.stdout.flush()
    if check:
        for outcome in changed:
            click.echo(f"would clean {outcome.path}", err=True)
    if fmt == "rich" and not run.quiet and not show_diff:
        render_rich(result, error_console(), elapsed)
    if html_path:
        _save_html(result, html_path, elapsed)
    print_errors(result.errors)
    sys.exit(exit_code(errors=bool(result.errors),
                       found=bool(changed) and (check or show_diff or exit_non_zero_on_fix),
                       exit_zero=exit_zero))


def _name_stdin(result: Any, name: str | None) -> None:
    """Call stdin ``name`` in the result (``--stdin-filename``), for every report."""
    if name is None:
        return
    for outcome in result.files:
        if outcome.path == "-":
            outcome.path = name
    articles = [o.article for o in result.articles] + [d.article for d in result.docs if d is not None]
    for article in articles:
        if article.source == "-":
            article.id = stdin_renamed(name, article.id)
            article.source = name
    for outcome in result.articles:
        if outcome.dropped is not None:
            outcome.dropped = replace(outcome.dropped, kept=stdin_renamed(name, outcome.dropped.kept))
        if outcome.duplicate is not None:
            outcome.duplicate = replace(outcome.duplicate,
                                        kept=stdin_renamed(name, outcome.duplicate.kept))
    result.errors[:] = [InputError(stdin_renamed(name, e.input), e.message) for e in result.errors]


def _colour_diff(text: str) -> str:
    """The diff in colour when ``--color`` asks for it (or stdout is a terminal)."""
    if not text or not colour_stdout():
        return text
    out = []
    for line in text.splitlines(keepends=True):
        style = {"+++": "bold", "---": "bold", "@@": "cyan", "+": "green", "-": "red"}
        for prefix, colour in style.items():
            if line.startswith(prefix):
                body = line.rstrip("\n")
                kwargs: dict[str, Any] = {"bold": True} if colour == "bold" else {"fg": colour}
                line = click.style(body, **kwargs) + line[len(body):]
                break
        out.append(line)
    return "".join(out)


def _write(result: Any, output_dir: str | None) -> list[Any]:
    """Replace changed inputs in place, or write every input under ``output_dir``.

    A file that cannot be written is left as it was and reported; the others go on.
    """
    from ..errors import InputError
    from ..io.writer import atomic_write, gzip_bytes

    errors = []
    for outcome in result.files:
        if outcome.path == "-":
            continue
        data = gzip_bytes(outcome.new) if outcome.path.lower().endswith(".gz") else outcome.new
        target = os.path.join(output_dir, _relative(outcome.path)) if output_dir else outcome.path
        if output_dir is None and not outcome.changed:
            continue
        try:
            atomic_write(target, data)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            errors.append(InputError(target, f"cannot write: {reason}"))
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
