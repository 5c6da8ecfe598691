"""The ``dedup-clean`` pre-commit hook: rewrite staged articles to their canonical versions.

Within articles only: a file's canonical version never depends on the other files,
so pre-commit may split the files into batches run in parallel.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

from ..text.sentences import punkt
from .common import EXIT_ERROR, EXIT_FOUND, EXIT_OK, HookError, hook_config

DESCRIPTION = """\
Rewrite staged articles to their canonical versions (what repeats within an
article is removed, as "dedup clean --scope within" does). A file is written only
when it changes, atomically.

Exit codes: 0 nothing changed, 1 a file was changed (review it and stage it
again), 2 a file or the configuration cannot be used.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """``dedup-clean FILE...``: rewrite articles to their canonical versions; exit 1 when
    a file changed (review and stage it again)."""
    parser = argparse.ArgumentParser(prog="dedup-clean", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("filenames", nargs="*", help="articles to clean (.txt, .md, .jsonl)")
    parser.add_argument("--config", metavar="FILE",
                        help="settings file ([tool.dedup] of a .toml, else [dedup]) "
                             "[the nearest pyproject.toml / setup.cfg]")
    args = parser.parse_args(argv)
    if not args.filenames:
        return EXIT_OK
    from ..errors import WriteRefused
    from ..io.reader import display_name
    from ..pipeline.clean import clean_inputs, write_outcome

    punkt()  # before any worker starts: forked workers share the import

    try:
        config = hook_config(config_file=args.config)
    except HookError as exc:
        print(f"dedup-clean: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    # Within articles only: a file's canonical version never depends on the other
    # files, so batches may run in parallel and any split gives the same files.
    result = clean_inputs(args.filenames, config.settings, config.options,
                          config.clean.with_(scope="within"))
    code = EXIT_OK
    failed = False
    for outcome in result.files:
        if not outcome.changed:
            continue
        try:
            write_outcome(outcome)
        except (WriteRefused, OSError) as exc:
            reason = str(exc) if isinstance(exc, WriteRefused) else \
                f"cannot write: {(exc.strerror or str(exc)).lower()}"
            print(f"{display_name(outcome.path)}: {reason}", file=sys.stderr)
            failed = True
            continue
        removals = [e for a in outcome.articles for e in a.canonical.removals]
        codes = ", ".join(f"{code} x{n}" for code, n in sorted(Counter(e.rule for e in removals).items()))
        print(f"{display_name(outcome.path)}: fixed: {_count(len(removals), 'passage')} removed"
              + (f" ({codes})" if codes else ""))
        code = EXIT_FOUND
    for error in result.errors:
        print(f"{error.input}: {error.message}", file=sys.stderr)
    return EXIT_ERROR if result.errors or failed else code


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
