"""``dedup scan``: report near-duplicates within and across articles."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from .common import (
    Run,
    common_options,
    console,
    corpus_options,
    exit_code,
    exit_zero_option,
    global_options,
    name_stdin,
    print_errors,
    progress_bar,
    rule_options,
    stdin_filename_option,
)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@common_options
@rule_options
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "github"]), default="rich",
              help="Rich report on the terminal, the versioned JSON document on stdout, or "
                   "GitHub Actions annotations (::warning file=...,line=...::CODE message).")
@exit_zero_option
@stdin_filename_option
@corpus_options("compare with the corpus in this index", "scanned", "findings")
@global_options
def scan(paths: tuple[str, ...], fmt: str, exit_zero: bool, engine: str, spark_master: str | None,
         output: str | None, **flags: Any) -> None:
    """Report near-duplicates within and across the articles in PATHS.

    PATHS are .txt/.md files, JSON lines (.jsonl, .jsonl.gz), directories, or -
    for stdin. With --engine spark: JSON lines or Parquet, local paths or URIs.

    Exit codes: 0 nothing found, 1 duplicates found (0 with --exit-zero), 2 usage,
    configuration or input errors.
    """
    run = Run(flags)
    if engine == "spark":
        from .spark import spark_scan

        sys.exit(spark_scan(paths, run, fmt=fmt, master=spark_master, output=output,
                            exit_zero=exit_zero))
    from ..io.reader import iter_inputs
    from ..pipeline.scan import scan as run_scan

    settings = run.settings()
    options = run.clean_options()
    if run.stdin_excluded(paths):  # stdin is a file the globs leave out: not read
        paths = tuple(p for p in paths if p != "-")
    started = time.perf_counter()
    linked = bool(run.get("index_location") or run.get("update_index"))
    with progress_bar(run, "scanning") as progress:
        result = run_scan(name_stdin(iter_inputs(paths, run.read_options()), run.stdin_name),
                          settings, scope=run.get("scope", "all"), jobs=run.jobs,
                          keep_docs=fmt != "json" or linked, progress=progress,
                          options=options)
    # A switched-off rule reports nothing (a finding without a code is always shown).
    result.findings = [f for f in result.findings if not f.rule or options.on(f.rule)]
    if linked:
        from .index import link_scan

        link_scan(run, result, settings)
    if fmt == "json":
        click.echo(json.dumps(_scan_json(result), ensure_ascii=False, indent=None))
    elif fmt == "github":
        from ..report.github import scan_annotations

        for line in scan_annotations(result):
            click.echo(line)
    else:
        from ..report.scan import render_rich

        render_rich(result, console(), None if run.quiet else time.perf_counter() - started)
    print_errors(result.errors)
    sys.exit(exit_code(errors=bool(result.errors), found=bool(result.duplicates),
                       exit_zero=exit_zero))


def _scan_json(result: Any) -> dict[str, Any]:
    from ..report.scan import to_json

    return to_json(result)
