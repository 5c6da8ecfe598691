"""``dedup scan``: report near-duplicates within and across articles."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from ..errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND
from .common import Run, common_options, corpus_options, print_errors, progress_bar, rule_options


@click.command()
@click.argument("paths", nargs=-1, required=True)
@common_options
@rule_options
@click.option("--format", "fmt", type=click.Choice(["rich", "json"]), default="rich",
              help="Rich report on the terminal, or the versioned JSON document on stdout.")
@corpus_options("compare with the corpus in this index", "scanned", "findings")
def scan(paths: tuple[str, ...], fmt: str, engine: str, spark_master: str | None,
         output: str | None, **flags: Any) -> None:
    """Report near-duplicates within and across the articles in PATHS.

    PATHS are .txt/.md files, JSON lines (.jsonl, .jsonl.gz), directories, or -
    for stdin. With --engine spark: JSON lines or Parquet, local paths or URIs.
    """
    if engine == "spark":
        from .spark import spark_scan

        sys.exit(spark_scan(paths, Run(flags), fmt=fmt, master=spark_master, output=output))
    from ..io.reader import iter_inputs
    from ..pipeline.scan import scan as run_scan

    run = Run(flags)
    settings = run.settings()
    options = run.clean_options()
    started = time.perf_counter()
    linked = bool(run.get("index_location") or run.get("update_index"))
    with progress_bar(run, "scanning") as progress:
        result = run_scan(iter_inputs(paths, run.read_options()), settings,
                          scope=run.get("scope", "all"), jobs=run.jobs,
                          keep_docs=fmt == "rich" or linked, progress=progress,
                          options=options)
    # A switched-off rule reports nothing (a finding without a code is always shown).
    result.findings = [f for f in result.findings if not f.rule or options.on(f.rule)]
    if linked:
        from .index import link_scan

        link_scan(run, result, settings)
    if fmt == "json":
        click.echo(json.dumps(_scan_json(result), ensure_ascii=False, indent=None))
    else:
        from rich.console import Console

        from ..report.scan import render_rich

        render_rich(result, Console(highlight=False),
                    None if run.quiet else time.perf_counter() - started)
    print_errors(result.errors)
    sys.exit(EXIT_ERROR if result.errors else EXIT_FOUND if result.duplicates else EXIT_CLEAN)


def _scan_json(result: Any) -> dict[str, Any]:
    from ..report.scan import to_json

    return to_json(result)
