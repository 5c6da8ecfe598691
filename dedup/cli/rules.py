"""``dedup rules``: the registered rules, their codes, defaults and limits."""

from __future__ import annotations

import json

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["rich", "json"]), default="rich",
              help="A table on the terminal, or the versioned JSON document on stdout.")
@click.argument("codes", nargs=-1)
def rules(fmt: str, codes: tuple[str, ...]) -> None:
    """List the rules that remove, repair or keep text (or only CODES: codes or
    prefixes). Switch them with --select / --ignore or [tool.dedup] select/ignore."""
    from ..errors import JSON_VERSION
    from ..rules import RULES, check_selectors, matching

    wanted = {c for s in check_selectors(codes) for c in matching(s)} if codes else None
    chosen = [r for r in RULES if wanted is None or r.code in wanted]
    if fmt == "json":
        click.echo(json.dumps({"version": JSON_VERSION, "rules": [r.to_json() for r in chosen]},
                              ensure_ascii=False))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_lines=True)
    for column in ("code", "name", "action", "default", "summary", "limits"):
        table.add_column(column)
    for r in chosen:
        limits = ", ".join(f"{m.name}={m.value:g}" for m in r.limits)
        table.add_row(r.code, r.name, r.action, "on" if r.default else "off",
                      escape(f"{r.summary}\nExample: {r.example}"), escape(limits))
    Console(highlight=False).print(table)
