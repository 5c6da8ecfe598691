"""The ``dedup-check`` pre-commit hook (see ``.pre-commit-hooks.yaml``).

Each hook is ``main(argv) -> int``: a thin loop over the file names pre-commit passes,
one line per problem on stdout (``path:paragraph: problem``), exit 1 when something is
wrong or was changed, 2 when a file, the settings or the index cannot be used.

Settings come from the corpus repository's ``pyproject.toml`` / ``setup.cfg`` (the
working directory is the repository root under pre-commit), including ``index``,
the corpus index the staged articles are compared with.

Batching. pre-commit may split the file names across several processes; the verdict
must not depend on the split. ``dedup-check`` therefore compares its files with the
whole *staged set*, which it lists itself (``git diff --cached``), not only with the
files of its own batch, and reads the corpus through the index, whose entries for
staged, renamed or deleted paths are ignored (the staged text replaces them). A
duplicate pair of staged articles is reported by the batch that holds the later one
(in path order), so the union of the batches' lines is the same for every split.
The manifest also sets ``require_serial: true`` for the check: a normal commit then
runs in one process, which pays the start-up and opens the index once, and analyses
each staged article once instead of once per batch.

Start-up is light: numpy, nltk and the index are imported only when there are files.
"""


from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .common import (
    EXIT_ERROR,
    EXIT_FOUND,
    EXIT_OK,
    HookConfig,
    HookError,
    hook_config,
    message,
    normpath,
    selected,
)
from .git import staged_files

if TYPE_CHECKING:  # pragma: no cover
    from ..clean.engine import Edit
    from ..detect.findings import Finding
    from ..document import Article, Doc
    from ..index import MinHashIndex
    from ..settings import Settings


@dataclass
class CheckResult:
    """What one batch found: message lines and read errors."""

    lines: list[str]
    errors: list[str]

    @property
    def exit_code(self) -> int:
        return EXIT_ERROR if self.errors else EXIT_FOUND if self.lines else EXIT_OK


def check_files(filenames: Sequence[str], config: HookConfig, *,
                peers: Sequence[str] = (), ignore: Iterable[str] = ()) -> CheckResult:
    """Check articles within themselves, against ``peers`` (the other staged files) and
    against the index named by ``config``.

    Args:
        filenames: the files of this batch; only their problems are reported.
        config: settings, read options and the index location (``None``: no index).
        peers: other files of the same commit, compared with (not reported on).
        ignore: index keys replaced or removed by the commit (paths, record ids).
    """
    from ..errors import InputError
    from ..io.reader import iter_inputs

    errors: list[str] = []
    checked: list[Article] = []
    for item in iter_inputs(list(filenames), config.options):
        if isinstance(item, InputError):
            errors.append(f"{item.input}: {item.message}")
        else:
            checked.append(item)
    # A peer that cannot be read is reported by the batch that holds it.
    others = [a for a in iter_inputs(list(peers), config.options) if not isinstance(a, InputError)]
    docs, across = _across(checked, others, config.settings)
    lines: list[str] = []
    mine = {a.id for a in checked}
    by_id = {doc.id: doc for doc in docs}
    within: dict[str, list[str]] = {a.id: [] for a in checked}
    for doc in docs:
        if doc.id in mine:
            within[doc.id] = _within_lines(doc, config)
    against: dict[str, list[str]] = {a.id: [] for a in checked}
    for finding in across:
        if finding.b.article in mine and finding.is_duplicate:
            against[finding.b.article].append(_across_line(finding, by_id))
    from_index: dict[str, list[str]] = {a.id: [] for a in checked}
    if config.index and checked:
        gone = {normpath(p) for p in ignore} | {a.id for a in others} | mine
        gone |= {normpath(a.source) for a in (*checked, *others)}
        with _open_index(config) as index:
            for doc in docs:
                if doc.id in mine:
                    from_index[doc.id] = _index_lines(index, doc, gone)
    for article in checked:
        lines.extend(within[article.id] + against[article.id] + from_index[article.id])
    return CheckResult(lines, errors)


def _across(checked: list[Article], others: list[Article],
            settings: Settings) -> tuple[list[Doc], list[Finding]]:
    """Analysed articles (in path order) and their verified duplicates across articles.

    Path order makes the earlier copy of a staged pair the same in every batch.
    """
    from ..detect.across import ARTICLE, Items, find_across
    from ..parallel import batched
    from ..pipeline.scan import CHUNK_ARTICLES, analyze_chunk

    ordered = sorted([*checked, *others], key=lambda a: (normpath(a.source), a.line or 0))
    articles, paragraphs = Items(), Items()
    ids: list[str] = []
    docs: list[Doc] = []
    for batch in batched(ordered, CHUNK_ARTICLES):
        chunk = analyze_chunk(batch, settings, scope="across", keep_docs=True)
        base, count = len(ids), len(chunk.ids)
        ids.extend(chunk.ids)
        docs.extend(chunk.docs or [])
        articles.extend(list(range(base, base + count)), [ARTICLE] * count,
                        chunk.article_sets, chunk.article_keys)
        paragraphs.extend([base + k for k in chunk.paragraph_owner], chunk.paragraph_index,
                          chunk.paragraph_sets, chunk.paragraph_keys)
    findings = find_across(articles, paragraphs, ids, settings) if len(ids) > 1 else []
    return docs, findings


def _within_lines(doc: Doc, config: HookConfig) -> list[str]:
    """What ``dedup-clean`` would remove: the check and the fixer agree by construction."""
    from ..clean.engine import canonicalize

    canonical = canonicalize(doc, config.settings, config.clean)
    return [_within_line(doc, edit) for edit in canonical.removals]


def _within_line(doc: Doc, edit: Edit) -> str:
    from ..report.locate import Layout, describe_edit, place, rule_code

    return message(str(place(doc.article, edit.start)),
                   f"{rule_code(edit)} {describe_edit(edit, Layout(doc.article, doc))}", edit.removed)


def _across_line(finding: Finding, docs: dict[str, Doc]) -> str:
    from ..report.locate import Layout, rule_code, similarity

    a, b = docs[finding.a.article], docs[finding.b.article]
    here, there = Layout(b.article, b), Layout(a.article, a)
    score = similarity(finding.reason, finding.jaccard, finding.containment)
    code = rule_code(finding)
    if finding.kind == "article":
        return message(str(here.place(None)), f"{code} article duplicates "
                       f"{there.refer(None, here=b.article)} ({score})", b.article.text)
    other = there.refer(finding.a.paragraph, here=b.article)
    return message(str(here.place(finding.b.paragraph)),
                   f"{code} paragraph duplicates {other} ({score})",
                   b.text_of(finding.b.paragraph or 0))


def _index_lines(index: MinHashIndex, doc: Doc, gone: set[str]) -> list[str]:
    """The best index match of the whole article, then of each paragraph not already
    covered by that match; entries the commit replaces or deletes are left out."""
    from ..report.locate import Layout, rule_code, similarity

    matches = [m for m in index.query_doc(doc)
               if m.article not in gone and normpath(m.article) not in gone]
    layout = Layout(doc.article, doc)
    lines: list[str] = []
    whole = [m for m in matches if m.kind == "article"]
    if whole:
        best = whole[0]
        lines.append(message(str(layout.place(None)),
                             f"{rule_code(best, across=True)} article duplicates {best.article} "
                             f"in the corpus index "
                             f"({similarity(best.reason, best.jaccard, best.containment)})",
                             doc.article.text))
    matched = {m.article for m in whole}
    best_of: dict[int, str] = {}
    for m in matches:  # most similar first: the first per paragraph is its best
        if m.kind != "paragraph" or m.query is None or m.query in best_of or m.article in matched:
            continue
        paragraph = "" if m.paragraph is None else f"paragraph {m.paragraph + 1} of "
        best_of[m.query] = message(
            str(layout.place(m.query)),
            f"{rule_code(m, across=True)} paragraph duplicates {paragraph}{m.article} in the "
            f"corpus index ({similarity(m.reason, m.jaccard, m.containment)})",
            doc.text_of(m.query))
    return lines + [best_of[q] for q in sorted(best_of)]


def _open_index(config: HookConfig) -> MinHashIndex:
    from ..index import IndexStoreError
    from ..index.link import open_index

    assert config.index is not None
    try:
        return open_index(config.index, config.settings, create=False)
    except IndexStoreError as exc:
        fix = (f"delete {config.index} to have it rebuilt at the next commit, or rebuild it with "
               "`dedup index add <corpus folder>`") if "://" not in config.index \
            else "rebuild it with `dedup index add <corpus folder>`"
        raise HookError(f"{exc} ({fix})") from None


DESCRIPTION = """\
Fail when a staged article repeats itself (what dedup-clean removes), another
staged article, or an article or paragraph of the corpus index.

One line per problem on stdout: path:LINE:COLUMN: CODE problem: "passage".
Without an index, one is built from the repository's tracked files on first use
(.dedup/index.sqlite, or the configured index).

Exit codes: 0 pass, 1 duplicates found, 2 a file, the configuration or the index
cannot be used.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """``dedup-check FILE...``: exit 1 when an article repeats itself, another staged
    article or the corpus index."""
    parser = argparse.ArgumentParser(prog="dedup-check", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("filenames", nargs="*", help="articles to check (.txt, .md, .jsonl)")
    parser.add_argument("--index", metavar="FILE|URL",
                        help="corpus index [config index, else .dedup/index.sqlite]")
    parser.add_argument("--no-index", action="store_true",
                        help="do not compare with a corpus index (and build none)")
    parser.add_argument("--no-staged", dest="staged", action="store_false",
                        help="do not compare with the other staged files (git)")
    parser.add_argument("--config", metavar="FILE",
                        help="settings file ([tool.dedup] of a .toml, else [dedup]) "
                             "[the nearest pyproject.toml / setup.cfg]")
    args = parser.parse_args(argv)
    if not args.filenames:
        return EXIT_OK
    try:
        config = hook_config(args.index, args.config)
        peers: list[str] = []
        ignore: list[str] = []
        changing: list[str] = []
        listed = staged_files() if args.staged else None
        if listed is not None:
            staged, ignore = listed
            changing = staged
            mine = {normpath(f) for f in args.filenames}
            peers = [p for p in staged if p not in mine and os.path.isfile(p)
                     and selected(p, config.options.include, config.options.exclude)]
        if args.no_index:
            config = replace(config, index=None)
        else:
            from .corpus import ensure_index

            config = ensure_index(config, skip=[*changing, *(normpath(f) for f in args.filenames)])
        result = check_files(args.filenames, config, peers=peers, ignore=ignore)
    except HookError as exc:
        print(f"dedup-check: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for line in result.lines:
        print(line)
    for error in result.errors:
        print(f"{error}", file=sys.stderr)
    return result.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
