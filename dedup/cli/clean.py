"""``dedup clean``: write canonical articles, in place or elsewhere, or show what would change."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import click

from ..errors import DedupError, InputError, UsageError
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
    print_report,
    progress_bar,
    rule_options,
    stdin_filename_option,
    stdin_renamed,
    terminal_text,
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
@click.option("--output-dir", type=click.Path(), metavar="DIR",
              help="Write cleaned copies under DIR (same relative paths) instead of in place.")
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "github"]), default="rich",
              help="Rich report on stderr, the edits as JSON on stdout, or (with --check) "
                   "GitHub Actions annotations of what would change.")
@click.option("--html", "html_path", type=click.Path(), metavar="FILE",
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
    from ..io.reader import display_name
    from ..pipeline.clean import clean_inputs
    from ..report.clean import diff, report, to_json

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
    writing = not (check or show_diff)
    # Every output path is checked before anything is read or written.
    if output_dir is not None and writing:
        _check_output_dir(output_dir)
    if html_path:
        _check_output_file(html_path, "--html")
    # Bounded: beyond the limit the reader reports standard input as too large.
    stdin = sys.stdin.buffer.read(run.read_options().max_input_size + 1) if "-" in paths else None
    stdout_bytes: bytes | None = None  # what the cleaned stdin is, when it goes to stdout
    if run.stdin_excluded(paths):  # a file the globs leave out: passed through as it is
        paths = tuple(p for p in paths if p != "-")
        if writing and output_dir is None and stdin is not None:
            stdout_bytes = stdin + sys.stdin.buffer.read()
    started = time.perf_counter()
    with progress_bar(run, "cleaning", paths) as progress, _linked_index(run, settings) as index:
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
    rich_report = fmt == "rich" and not run.quiet and not show_diff
    if check and not run.quiet and not rich_report:  # the report lists them
        for outcome in changed:
            click.echo(terminal_text(f"would clean {display_name(outcome.path)}"), err=True)
    if rich_report:
        print_report(report(result, dry_run=not writing, elapsed=elapsed), error_console(),
                     verbose=run.verbose)
    if html_path:
        _save_html(result, html_path, dry_run=not writing, elapsed=elapsed)
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

    A file that cannot be written, or that changed since it was read, is left as it
    is and reported; the others go on.
    """
    from ..errors import WriteRefused
    from ..io.reader import display_name
    from ..pipeline.clean import write_outcome

    errors = []
    files = [f for f in result.files if f.path != "-"]
    targets: dict[str, str | None] = dict.fromkeys((f.path for f in files), None)
    if output_dir is not None:
        placed, clashes = _targets([f.path for f in files], output_dir)
        targets = {**placed}
        errors.extend(clashes)
    for outcome in files:
        if outcome.path not in targets:
            continue
        target = targets[outcome.path]
        try:
            write_outcome(outcome, target)
        except WriteRefused as exc:
            errors.append(InputError(display_name(target or outcome.path), str(exc)))
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            errors.append(InputError(display_name(target or outcome.path),
                                     f"cannot write: {reason}"))
    return errors


def _targets(paths: list[str], output_dir: str) -> tuple[dict[str, str | None], list[Any]]:
    """Where each input goes under ``output_dir``: its path relative to here when it
    is inside, else relative to the deepest folder holding every input outside; two
    inputs that would land on one path are an error naming both (the first is written)."""
    from ..io.reader import display_name

    outside = [os.path.abspath(p) for p in paths if not _inside_here(p)]
    root = os.path.commonpath([os.path.dirname(p) for p in outside]) if outside else None
    targets: dict[str, str | None] = {}
    taken: dict[str, str] = {}
    errors = []
    for path in paths:
        rel = os.path.relpath(path) if root is None or _inside_here(path) else \
            os.path.relpath(os.path.abspath(path), root)
        target = os.path.normpath(os.path.join(output_dir, rel))
        key = os.path.normcase(target)
        if key in taken:
            errors.append(InputError(display_name(path), f"would be written to "
                          f"{display_name(target)} like {display_name(taken[key])}; not written"))
            continue
        taken[key] = path
        targets[path] = target
    return targets, errors


def _inside_here(path: str) -> bool:
    rel = os.path.relpath(path)
    return not (rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel))


def _check_output_file(path: str, option: str) -> None:
    """Refuse an output file that could not be written, before anything is written."""
    from ..io.reader import display_name

    name = display_name(path)
    if os.path.isdir(path):
        raise UsageError(f"{name}: {option} is a folder, not a file")
    if os.path.lexists(path) and not os.path.exists(path):
        raise UsageError(f"{name}: {option} is a broken symbolic link")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise UsageError(f"{name}: {option} cannot be written (permission denied)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{name}: {option} cannot be written ({display_name(folder)} "
                         "is not a folder)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{name}: {option} cannot be written ({display_name(folder)}: "
                         "permission denied)")


def _check_output_dir(path: str) -> None:
    """Refuse an output folder that cannot be made or written, before anything is written."""
    from ..io.reader import display_name

    probe = os.path.abspath(path)
    while not os.path.lexists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        where = "is not a folder" if probe == os.path.abspath(path) else \
            f"cannot be made ({display_name(probe)} is not a folder)"
        raise UsageError(f"{display_name(path)}: --output-dir {where}")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{display_name(path)}: --output-dir cannot be written "
                         f"({display_name(probe)}: permission denied)")


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


def _save_html(result: Any, path: str, *, dry_run: bool, elapsed: float) -> None:
    from ..io.reader import display_name
    from ..io.writer import atomic_write
    from ..report.html import clean_page

    try:
        atomic_write(path, clean_page(result, dry_run=dry_run, elapsed=elapsed).encode("utf-8"))
    except (OSError, DedupError) as exc:
        reason = str(exc) if isinstance(exc, DedupError) else (exc.strerror or str(exc)).lower()
        raise UsageError(f"{display_name(path)}: cannot write: {reason}") from None
