"""pre-commit hooks: ``dedup-check`` and ``dedup-clean`` (see ``.pre-commit-hooks.yaml``).

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
import fnmatch
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, load_config

if TYPE_CHECKING:  # pragma: no cover
    from ..clean.engine import Edit
    from ..detect.findings import Finding
    from ..document import Doc
    from ..index import MinHashIndex
    from ..io.reader import Article, ReadOptions
    from ..settings import Settings

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
PASSAGE = 72
SETTING_KEYS = ("shingle", "ngram", "num_perm", "seed", "threshold", "containment", "min_words",
                "max_bucket")
# What ``git diff --name-status`` calls a file that will be in the commit (added,
# copied, modified, renamed, type changed) and one that leaves it (deleted).
STAGED_STATUS = frozenset("ACMRT")
GONE_STATUS = frozenset("D")


class HookError(Exception):
    """Settings, an index or git that the hook cannot use; the message says where."""


# -- pure parts ----------------------------------------------------------------------


def clip(text: str, width: int = PASSAGE) -> str:
    """One line of at most ``width`` characters, quoted: the passage a message names.

    Example:
        >>> clip("The mayor   said\\nmore than twelve thousand", 20)
        '"The mayor said mor…"'
    """
    flat = " ".join(text.split())
    if len(flat) > width:
        flat = flat[: width - 1] + "…"
    return f'"{flat}"'


def where(source: str, line: int | None = None, paragraph: int | None = None) -> str:
    """``path[:line][:paragraph]``: a JSON lines record's line, paragraphs from 1.

    Example:
        >>> where("news/flood.txt", None, 2), where("feed.jsonl", 17, 0), where("a.txt")
        ('news/flood.txt:3', 'feed.jsonl:17:1', 'a.txt')
    """
    parts = [source]
    if line is not None:
        parts.append(str(line))
    if paragraph is not None:
        parts.append(str(paragraph + 1))
    return ":".join(parts)


def message(place: str, problem: str, passage: str) -> str:
    """One finding on one line: ``place: problem: "passage"``.

    Example:
        >>> message("a.txt:3", "repeats a.txt:1 (contained, J 0.53, C 1.00)", "After heavy rain")
        'a.txt:3: repeats a.txt:1 (contained, J 0.53, C 1.00): "After heavy rain"'
    """
    return f"{place}: {problem}: {clip(passage)}"


def similarity(reason: str, jaccard: float, containment: float) -> str:
    return f"{reason}, J {jaccard:.2f}, C {containment:.2f}"


def normpath(path: str) -> str:
    """A path compared as git and pre-commit name it: relative, ``/``-separated."""
    if os.path.isabs(path):
        path = os.path.relpath(path)
    return os.path.normpath(path).replace(os.sep, "/")


def parse_name_status(output: str) -> tuple[list[str], list[str]]:
    """``(staged, gone)`` paths from ``git diff --cached --name-status -z`` output.

    A rename or copy lists its old path too: a rename's old path is gone.

    Example:
        >>> parse_name_status("M\\0a.txt\\0R100\\0old.md\\0new.md\\0D\\0x.txt\\0")
        (['a.txt', 'new.md'], ['old.md', 'x.txt'])
    """
    fields = output.split("\0")
    staged: list[str] = []
    gone: list[str] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            old, new = fields[i + 1], fields[i + 2]
            staged.append(new)
            if status == "R":
                gone.append(old)
            i += 3
            continue
        path = fields[i + 1]
        if status in STAGED_STATUS:
            staged.append(path)
        elif status in GONE_STATUS:
            gone.append(path)
        i += 2
    return staged, gone


def selected(path: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """Whether a path is an article under the include/exclude globs (name or path)."""
    name = path.rsplit("/", 1)[-1]

    def hit(patterns: Iterable[str]) -> bool:
        return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)

    return hit(include) and not hit(exclude)


# -- settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class HookConfig:
    """The corpus repository's settings as the hooks use them."""

    settings: Settings
    options: ReadOptions
    index: str | None
    keep: str
    fix_joins: bool


def hook_config(index: str | None = None) -> HookConfig:
    """Settings from the nearest ``pyproject.toml`` / ``setup.cfg``; ``index`` wins."""
    from ..io.reader import DEFAULT_INCLUDE, ReadOptions
    from ..settings import Settings

    try:
        config = load_config()
    except ConfigError as exc:
        raise HookError(str(exc)) from None
    try:
        settings = Settings().with_(**{k: config.get(k) for k in SETTING_KEYS})
    except ValueError as exc:
        raise HookError(f"{config.get('_file', 'settings')}: {exc}") from None
    options = ReadOptions(
        include=tuple(config.get("include") or DEFAULT_INCLUDE),
        exclude=tuple(config.get("exclude") or ()),
        text_field=config.get("text_field", "text"),
        id_field=config.get("id_field", "id"),
        date_field=config.get("date_field", "date"),
    )
    return HookConfig(settings, options, index or config.get("index"),
                      config.get("keep", "first"), config.get("fix_joins", True))


# -- git -------------------------------------------------------------------------------


def staged_files() -> tuple[list[str], list[str]] | None:
    """``(staged, gone)`` paths relative to the working directory, or ``None`` outside git."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=True).stdout.strip()
        listed = subprocess.run(
            ["git", "-c", "core.quotepath=off", "diff", "--cached", "--name-status", "-z",
             "--no-ext-diff"], capture_output=True, text=True, check=True, cwd=top).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    staged, gone = parse_name_status(listed)
    here = os.getcwd()

    def relative(paths: list[str]) -> list[str]:
        return [normpath(os.path.relpath(os.path.join(top, p), here)) for p in paths]

    return relative(staged), relative(gone)


# -- dedup-check -----------------------------------------------------------------------


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
    from ..io.reader import InputError, iter_inputs

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
    from ..pipeline.scan import CHUNK_ARTICLES, analyze_chunk

    ordered = sorted([*checked, *others], key=lambda a: (normpath(a.source), a.line or 0))
    articles, paragraphs = Items(), Items()
    ids: list[str] = []
    docs: list[Doc] = []
    for start in range(0, len(ordered), CHUNK_ARTICLES):
        chunk = analyze_chunk(ordered[start:start + CHUNK_ARTICLES], settings, scope="across",
                              keep_docs=True)
        base, count = len(ids), len(chunk.ids)
        ids.extend(chunk.ids)
        docs.extend(chunk.docs or [])
        articles.extend(list(range(base, base + count)), [ARTICLE] * count,
                        chunk.article_sets, chunk.article_keys)
        paragraphs.extend([base + k for k in chunk.paragraph_owner], chunk.paragraph_index,
                          chunk.paragraph_sets, chunk.paragraph_keys)
    findings = find_across(articles, paragraphs, ids, settings) if len(ids) > 1 else []
    return docs, findings


from ..text.sentences import light_nltk  # noqa: E402  (re-exported: tests and callers use it here)


def _within_lines(doc: Doc, config: HookConfig) -> list[str]:
    """What ``dedup-clean`` would remove: the check and the fixer agree by construction."""
    from ..clean.engine import canonicalize

    light_nltk()

    canonical = canonicalize(doc, config.settings, config.keep, config.fix_joins)
    article = doc.article
    return [_within_line(article, edit) for edit in canonical.removals]


def _within_line(article: Article, edit: Edit) -> str:
    place = where(article.source, article.line, edit.paragraph)
    what = {"sentence": "sentence", "span": "text"}.get(edit.kind, "paragraph")
    if edit.kept_paragraph is None:
        kept = "text kept elsewhere in the article"
    else:
        kept = where(article.source, article.line, edit.kept_paragraph)
        if edit.kept_sentence is not None:
            kept += f" sentence {edit.kept_sentence + 1}"
    problem = f"{what} repeats {kept} ({similarity(edit.reason, edit.jaccard, edit.containment)})"
    return message(place, problem, edit.removed)


def _across_line(finding: Finding, docs: dict[str, Doc]) -> str:
    a, b = docs[finding.a.article].article, docs[finding.b.article].article
    score = similarity(finding.reason, finding.jaccard, finding.containment)
    if finding.kind == "article":
        return message(where(b.source, b.line), f"article duplicates {where(a.source, a.line)} "
                       f"({score})", b.text)
    place = where(b.source, b.line, finding.b.paragraph)
    other = where(a.source, a.line, finding.a.paragraph)
    return message(place, f"paragraph duplicates {other} ({score})",
                   docs[finding.b.article].text_of(finding.b.paragraph or 0))


def _index_lines(index: MinHashIndex, doc: Doc, gone: set[str]) -> list[str]:
    """The best index match of the whole article, then of each paragraph not already
    covered by that match; entries the commit replaces or deletes are left out."""
    matches = [m for m in index.query_doc(doc)
               if m.article not in gone and normpath(m.article) not in gone]
    article = doc.article
    lines: list[str] = []
    whole = [m for m in matches if m.kind == "article"]
    if whole:
        best = whole[0]
        lines.append(message(where(article.source, article.line),
                             f"article duplicates {best.article} in the corpus index "
                             f"({similarity(best.reason, best.jaccard, best.containment)})",
                             article.text))
    matched = {m.article for m in whole}
    best_of: dict[int, str] = {}
    for m in matches:  # most similar first: the first per paragraph is its best
        if m.kind != "paragraph" or m.query is None or m.query in best_of or m.article in matched:
            continue
        best_of[m.query] = message(
            where(article.source, article.line, m.query),
            f"paragraph duplicates {where(m.article, None, m.paragraph)} in the corpus index "
            f"({similarity(m.reason, m.jaccard, m.containment)})", doc.text_of(m.query))
    return lines + [best_of[q] for q in sorted(best_of)]


def _open_index(config: HookConfig) -> MinHashIndex:
    from ..index import IndexStoreError
    from ..index.link import open_index

    assert config.index is not None
    try:
        return open_index(config.index, config.settings, create=False)
    except IndexStoreError as exc:
        raise HookError(f"{exc} (build it with `dedup index add <corpus folder>`)") from None


def check_main(argv: Sequence[str] | None = None) -> int:
    """``dedup-check FILE...``: exit 1 when an article repeats itself, another staged
    article or the corpus index."""
    parser = argparse.ArgumentParser(prog="dedup-check", description=check_main.__doc__)
    parser.add_argument("filenames", nargs="*", help="Articles to check (.txt, .md, .jsonl).")
    parser.add_argument("--index", metavar="FILE|URL",
                        help="Corpus index [config `index`; none: no corpus comparison].")
    parser.add_argument("--no-staged", dest="staged", action="store_false",
                        help="Do not compare with the other staged files (git).")
    args = parser.parse_args(argv)
    if not args.filenames:
        return EXIT_OK
    try:
        config = hook_config(args.index)
        peers: list[str] = []
        ignore: list[str] = []
        listed = staged_files() if args.staged else None
        if listed is not None:
            staged, ignore = listed
            mine = {normpath(f) for f in args.filenames}
            peers = [p for p in staged if p not in mine and os.path.isfile(p)
                     and selected(p, config.options.include, config.options.exclude)]
        result = check_files(args.filenames, config, peers=peers, ignore=ignore)
    except HookError as exc:
        print(f"dedup-check: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for line in result.lines:
        print(line)
    for error in result.errors:
        print(f"{error}", file=sys.stderr)
    return result.exit_code


# -- dedup-clean -----------------------------------------------------------------------


def clean_main(argv: Sequence[str] | None = None) -> int:
    """``dedup-clean FILE...``: rewrite articles to their canonical versions; exit 1 when
    a file changed (review and stage it again)."""
    parser = argparse.ArgumentParser(prog="dedup-clean", description=clean_main.__doc__)
    parser.add_argument("filenames", nargs="*", help="Articles to clean (.txt, .md, .jsonl).")
    args = parser.parse_args(argv)
    if not args.filenames:
        return EXIT_OK
    from ..io.writer import atomic_write, gzip_bytes
    from ..pipeline.clean import clean_inputs

    light_nltk()

    try:
        config = hook_config()
    except HookError as exc:
        print(f"dedup-clean: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    # Within articles only: a file's canonical version never depends on the other
    # files, so batches may run in parallel and any split gives the same files.
    result = clean_inputs(args.filenames, config.settings, config.options, keep=config.keep,
                          scope="within", fix_joins=config.fix_joins)
    code = EXIT_OK
    for outcome in result.files:
        if not outcome.changed:
            continue
        data = gzip_bytes(outcome.new) if outcome.path.lower().endswith(".gz") else outcome.new
        atomic_write(outcome.path, data)
        removed = sum(len(a.canonical.removals) for a in outcome.articles)
        print(f"{outcome.path}: fixed: {_count(removed, 'passage')} removed")
        code = EXIT_FOUND
    for error in result.errors:
        print(f"{error.input}: {error.message}", file=sys.stderr)
    return EXIT_ERROR if result.errors else code


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _run(entry: Any) -> None:  # pragma: no cover - python -m dedup.hooks.core
    sys.exit(entry())


if __name__ == "__main__":  # pragma: no cover
    _run(check_main)
