"""The ``dedup`` command group, and the one place where errors become exit codes.

Commands raise :class:`dedup.errors.DedupError` (or return exit codes); this group
prints ``dedup: error: <where>: <what>`` and exits 2 for those, and for anything
unexpected prints one line with a hint and exits 3 (the traceback only with
``--debug`` or ``DEDUP_DEBUG=1``). Heavy modules are imported inside commands only.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ..errors import EXIT_INTERNAL, DedupError
from .common import global_options

ISSUES_HINT = "this is a bug in dedup: please report it with the command that failed"


class DedupGroup(click.Group):
    """A click group that turns dedup's errors into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit,
                KeyboardInterrupt):
            raise
        except DedupError as exc:
            click.echo(f"dedup: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:  # stdout closed early (``dedup scan ... | head``)
            sys.stderr.close()
            ctx.exit(0)
        except Exception as exc:
            if _debug(ctx):
                raise
            click.echo(f"dedup: internal error: {type(exc).__name__}: {exc} ({ISSUES_HINT}; "
                       "run with --debug or DEDUP_DEBUG=1 for the traceback)", err=True)
            ctx.exit(EXIT_INTERNAL)


def _debug(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug")) or os.environ.get("DEDUP_DEBUG", "") not in ("", "0")


@click.group(cls=DedupGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dedup", prog_name="dedup")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@global_options
def main(debug: bool) -> None:
    """Find near-duplicate text in news articles and write clean, canonical versions.

    Exit codes: 0 nothing found, or files cleaned as asked; 1 duplicates found,
    or files would change (--check, --diff); 2 usage, configuration or input
    errors; 3 internal error. --exit-zero turns 1 into 0; errors still exit 2.

    Settings come from [tool.dedup] in the nearest pyproject.toml or [dedup] in
    setup.cfg (or --config FILE); flags win.

    Shell completion (bash; zsh_source or fish_source for those shells):

    \b
        eval "$(_DEDUP_COMPLETE=bash_source dedup)"
    """


def _register() -> None:
    # Light: the command modules import click only; each command imports the rest.
    from .clean import clean
    from .index import index
    from .rules import rules
    from .scan import scan

    main.add_command(scan)
    main.add_command(clean)
    main.add_command(index)
    main.add_command(rules)


_register()


if __name__ == "__main__":  # pragma: no cover
    main()
