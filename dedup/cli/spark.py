"""``dedup scan --engine spark`` and ``dedup clean --engine spark``: the command side.

pyspark is imported only when a command runs on Spark.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import click

from ..errors import InputError, UsageError
from .common import console, exit_code, print_errors


def spark_scan(paths: Sequence[str], run: Any, *, fmt: str, master: str | None,
               output: str | None, exit_zero: bool = False) -> int:
    """Run ``dedup scan`` on Spark; return the exit code."""
    from ..detect.findings import INFORMATIONAL
    from ..spark import deduplicate
    from ..spark.io import columns_of, read_inputs, session, write_findings

    settings = run.settings()
    options = run.read_options()
    started = time.perf_counter()
    spark, owned = session(master)
    try:
        inputs = read_inputs(spark, paths, options)
        result = deduplicate(inputs.frame, settings, scope=run.get("scope", "all"),
                             canonical=False, **columns_of(inputs, options))
        findings = result.findings.orderBy("section", "ordinal", "seq")
        if output:
            write_findings(findings, output)
            found = findings.filter(~findings.reason.isin(*INFORMATIONAL)).limit(1).count() > 0
            if not run.quiet:
                click.echo(f"dedup: findings written to {output}", err=True)
        else:
            scan_result = _scan_result(result, inputs.errors)
            found = bool(scan_result.duplicates)
            _render(scan_result, fmt, None if run.quiet else time.perf_counter() - started)
    finally:
        if owned:
            spark.stop()
    print_errors(inputs.errors)
    return exit_code(errors=bool(inputs.errors), found=found, exit_zero=exit_zero)


def _scan_result(result: Any, errors: list[InputError]) -> Any:
    from ..pipeline.scan import ScanResult

    return ScanResult(articles=result.collect_articles(), findings=result.collect_findings(),
                      errors=errors)


def _render(scan_result: Any, fmt: str, elapsed: float | None) -> None:
    from ..report.scan import to_json

    if fmt == "json":
        click.echo(json.dumps(to_json(scan_result), ensure_ascii=False, indent=None))
        return
    if fmt == "github":  # no analysed articles on the driver: file-level annotations
        from ..report.github import scan_annotations

        for line in scan_annotations(scan_result):
            click.echo(line)
        return
    from ..report.scan import render_rich

    render_rich(scan_result, console(), elapsed)


def spark_clean(paths: Sequence[str], run: Any, clean: Any, *, check: bool,
                master: str | None, output: str | None, exit_zero: bool = False,
                exit_non_zero_on_fix: bool = False) -> int:
    """Run ``dedup clean`` on Spark, writing the canonical articles to ``output``.

    Exit codes as the local engine: 0 when written, 1 when ``--check`` finds changes
    (or anything changed, with ``--exit-non-zero-on-fix``), 2 on errors."""
    from pyspark.sql import functions as F

    from ..spark import deduplicate
    from ..spark.io import columns_of, read_inputs, session, write_canonical

    if not output and not check:
        raise UsageError("--engine spark writes to --output PATH (JSON lines, or Parquet "
                         "when PATH ends in .parquet); or use --check")
    settings = run.settings()
    options = run.read_options()
    spark, owned = session(master)
    try:
        inputs = read_inputs(spark, paths, options)
        columns = columns_of(inputs, options)
        result = deduplicate(inputs.frame, settings, scope=clean.scope, keep=clean.keep,
                             fix_joins=clean.fix_joins, **columns)
        assert result.canonical is not None
        original = inputs.frame.select(columns["ordinal_col"],
                                       F.col(columns["text_col"]).alias("_original"))
        canonical = result.canonical.join(original, columns["ordinal_col"])
        cleaned = canonical.filter(F.col(columns["text_col"]) != F.col("_original")).count()
        dropped = result.clusters.filter("dropped").count()
        if output and not check:
            ordered = canonical.orderBy(columns["ordinal_col"]).drop("_original")
            write_canonical(ordered, inputs.kind, output, options)
        if not run.quiet:
            click.echo(f"dedup: {cleaned} articles cleaned, {dropped} dropped as duplicates"
                       + ("" if check or not output else f"; written to {output}"), err=True)
    finally:
        if owned:
            spark.stop()
    print_errors(inputs.errors)
    changed = bool(cleaned or dropped)
    return exit_code(errors=bool(inputs.errors), found=changed and (check or exit_non_zero_on_fix),
                     exit_zero=exit_zero)


