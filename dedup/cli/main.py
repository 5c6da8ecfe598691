"""The ``dedup`` command line. Heavy modules are imported inside commands only."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from .. import __version__
from .common import (  # noqa: F401  (re-exported for the other command modules)
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FOUND,
    Run,
    common_options,
    corpus_options,
    error_console,
    print_errors,
    progress_bar,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find near-duplicate text in news articles and write clean, canonical versions.

    Exit codes: 0 nothing found or changed, 1 duplicates found (or files would
    change), 2 usage or input errors.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True)
@common_options
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
        from ..spark.io import spark_scan

        sys.exit(spark_scan(paths, Run(flags), fmt=fmt, master=spark_master, output=output))
    from ..io.reader import iter_inputs
    from ..pipeline.scan import scan as run_scan

    run = Run(flags)
    settings = run.settings()
    started = time.perf_counter()
    linked = bool(run.get("index_location") or run.get("update_index"))
    with progress_bar(run, "scanning") as progress:
        result = run_scan(iter_inputs(paths, run.read_options()), settings,
                          scope=run.get("scope", "all"), jobs=run.jobs,
                          keep_docs=fmt == "rich" or linked, progress=progress)
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


from .clean import clean  # noqa: E402  (light: click only; commands import the rest)
from .index import index  # noqa: E402

main.add_command(clean)
main.add_command(index)


if __name__ == "__main__":  # pragma: no cover
    main()
