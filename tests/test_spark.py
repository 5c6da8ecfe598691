"""The Spark engine gives the local engine's answers (skipped without pyspark or Java)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, shared_path

from dedup.detect.across import candidate_pairs as local_candidate_pairs
from dedup.io.reader import ReadOptions, iter_inputs
from dedup.options import CleanOptions
from dedup.pipeline.scan import scan
from dedup.settings import Settings
from dedup.spark.components import min_labels
from dedup.spark.tasks import paragraph_item, split_item

pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java", allow_module_level=True)

pytestmark = pytest.mark.spark
CORPUS = FIXTURES / "spark-corpus.jsonl"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from dedup.spark import spark_session

    session = spark_session("local[2]", app_name="dedup-tests", shuffle_partitions=4)
    yield session
    session.stop()


def _local(path: Path, keep: str = "first") -> tuple[list[Any], list[tuple[str, str]]]:
    """Findings and surviving canonical ``(id, text)`` from the local engine."""
    from dedup.pipeline.clean import clean_inputs

    findings = scan(iter_inputs([str(path)]), Settings(), jobs=2).findings
    cleaned = clean_inputs([str(path)], Settings(), options=CleanOptions(keep=keep), jobs=2)
    canonical = [(o.article.id, o.canonical.text) for f in cleaned.files for o in f.articles
                 if o.dropped is None]
    return findings, canonical


def _spark(spark: Any, path: Path, keep: str = "first",
           **options: Any) -> tuple[list[Any], list[tuple[str, str]]]:
    from dedup.spark import deduplicate
    from dedup.spark.io import read_inputs

    inputs = read_inputs(spark, [str(path)], ReadOptions())
    assert inputs.errors == []
    result = deduplicate(inputs.frame, Settings(), date_col="date", ordinal_col="ordinal",
                         keep=keep, **options)
    assert result.canonical is not None
    canonical = [(r["id"], r["text"]) for r in result.canonical.orderBy("ordinal").collect()]
    return result.collect_findings(), canonical


def test_pure_helpers() -> None:
    assert split_item(paragraph_item(12345, 67)) == (12345, 67)
    assert min_labels([(5, 3), (3, 9), (1, 2)]) == [(1, 1), (2, 1), (3, 3), (5, 3), (9, 3)]
    with pytest.raises(ValueError, match="paragraphs"):
        paragraph_item(1, 1 << 24)


def test_fixture_identical_to_local(spark: Any) -> None:
    local_findings, local_canonical = _local(CORPUS)
    findings, canonical = _spark(spark, CORPUS)
    assert findings == local_findings  # the same findings, in the same order
    assert canonical == local_canonical
    kinds = {(f.kind, f.scope) for f in findings}
    assert {("article", "across"), ("paragraph", "across"), ("paragraph", "within")} <= kinds


@pytest.mark.parametrize("keep", ["longest", "newest"])
def test_fixture_keep_policies(spark: Any, keep: str) -> None:
    _, local_canonical = _local(CORPUS, keep)
    # Clusters by iterative label propagation (nothing collected to the driver).
    _, canonical = _spark(spark, CORPUS, keep, collect_limit=0)
    assert canonical == local_canonical


def test_candidate_rule_matches_local(spark: Any) -> None:
    """Shared sets, full buckets, the max_bucket cap and containment prefixes give the
    local candidate pairs."""
    import inspect

    from dedup.spark.engine import ITEM_SCHEMA, candidate_pairs
    from dedup.spark.tasks import set_digest

    rng = np.random.default_rng(7)
    sets = [np.unique(rng.integers(0, 40, size=int(rng.integers(0, 9))).astype(np.uint32))
            for _ in range(60)]
    keys = rng.integers(0, 4, size=(60, 3)).astype(np.uint64)
    for k in range(1, 60, 9):  # identical sets have identical keys
        sets[k] = sets[0]
        keys[k] = keys[0]
    rows = [(1, k, k, len(s), set_digest(s), s.tobytes(), keys[k].view(np.int64).tolist(),
             s.astype(np.int64).tolist()) for k, s in enumerate(sets)]
    frame = spark.createDataFrame(rows, ITEM_SCHEMA)
    shares: list[float | None] = [None]
    if "containment" in inspect.signature(local_candidate_pairs).parameters:
        shares.append(0.6)
    for cap in (2, 5, 64):
        for share in shares:
            extra = {} if share is None else {"containment": share}
            expected = set(map(tuple, local_candidate_pairs(keys, sets, cap, **extra).tolist()))
            got = {(r["x"], r["y"]) for r in candidate_pairs(frame, cap, share).collect()}
            assert got == expected, (cap, share)


def test_components_by_propagation(spark: Any) -> None:
    from dedup.spark.components import components

    edges = [(1, 2), (2, 3), (3, 4), (4, 5), (10, 11), (12, 11), (7, 20), (20, 6)]
    frame = spark.createDataFrame(edges, "src long, dst long")
    got = sorted(tuple(r) for r in components(spark, frame, collect_limit=0).collect())
    assert got == min_labels(edges)


def test_dataframe_without_ordinal(spark: Any) -> None:
    from dedup.spark import deduplicate

    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    frame = spark.createDataFrame([(r["id"], r["text"]) for r in rows], "id string, text string")
    result = deduplicate(frame, Settings(), canonical=False)
    local = scan(iter_inputs([str(CORPUS)]), Settings()).findings
    assert result.collect_findings() == local


def test_scan_cli_spark_json_is_the_local_document(spark: Any) -> None:
    from dedup.cli.main import main

    runner = CliRunner()
    local = runner.invoke(main, ["scan", "--format", "json", str(CORPUS)])
    remote = runner.invoke(main, ["scan", "--engine", "spark", "--format", "json", str(CORPUS)])
    assert remote.exit_code == local.exit_code == 1
    assert json.loads(remote.stdout) == json.loads(local.stdout)


def test_scan_cli_spark_output_and_bad_lines(spark: Any, tmp_path: Path) -> None:
    from dedup.cli.main import main

    corpus = tmp_path / "news.jsonl"
    corpus.write_text(CORPUS.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    out = tmp_path / "findings"
    result = CliRunner().invoke(main, ["scan", "--engine", "spark", "-q", "--output", str(out),
                                       str(corpus)])
    assert result.exit_code == 2
    assert f"{corpus}:21: malformed JSON" in result.stderr
    lines = [json.loads(line) for part in sorted(out.glob("part-*"))
             for line in part.read_text(encoding="utf-8").splitlines()]
    local = json.loads(CliRunner().invoke(main, ["scan", "--format", "json", str(corpus)]).stdout)
    assert lines == local["findings"]


def test_invalid_utf8_is_an_error_not_a_replacement(spark: Any, tmp_path: Path) -> None:
    """Hadoop reads invalid UTF-8 as U+FFFD: the record is reported and skipped as the
    local reader does, while a real U+FFFD is text like any other."""
    from dedup.cli.main import main

    lines = CORPUS.read_bytes() + (
        b'{"id": "bad-bytes", "text": "Caf\xe9 owners said the bridge reopens in spring."}\n'
        + '{"id": "real-fffd", "text": "The scraper wrote \ufffd where a letter was lost."}\n'.encode())
    plain, packed = tmp_path / "news.jsonl", tmp_path / "more.jsonl.gz"
    plain.write_bytes(lines)
    packed.write_bytes(gzip.compress(lines))
    runner = CliRunner()
    local = runner.invoke(main, ["scan", "--format", "json", str(plain), str(packed)])
    remote = runner.invoke(main, ["scan", "--engine", "spark", "--format", "json", str(plain),
                                  str(packed)])
    assert remote.exit_code == local.exit_code == 2
    report = json.loads(remote.stdout)
    assert report == json.loads(local.stdout)
    assert [e["input"] for e in report["errors"]] == [f"{plain}:21", f"{packed}:21"]
    assert "invalid UTF-8" in report["errors"][0]["message"]
    out = tmp_path / "canonical"
    assert runner.invoke(main, ["clean", "--engine", "spark", "-q", "--output", str(out),
                                str(plain)]).exit_code == 2
    written = "".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("part-*")))
    assert "real-fffd" in written and "bad-bytes" not in written and "\ufffd owners" not in written


def test_clean_cli_spark_writes_the_local_file(spark: Any, tmp_path: Path) -> None:
    from dedup.cli.main import main

    corpus = tmp_path / "news.jsonl"
    shutil.copy(CORPUS, corpus)
    out = tmp_path / "canonical"
    result = CliRunner().invoke(main, ["clean", "--engine", "spark", "-q", "--output", str(out),
                                       str(corpus)])
    assert result.exit_code == 0, result.output
    written = b"".join(p.read_bytes() for p in sorted(out.glob("part-*")))
    local_dir = tmp_path / "local"
    assert CliRunner().invoke(main, ["clean", "-q", "--output-dir", str(local_dir),
                                     str(corpus)]).exit_code == 0
    (local_file,) = [p for p in local_dir.rglob("*.jsonl")]
    assert written == local_file.read_bytes()


def test_parquet_round_trip(spark: Any, tmp_path: Path) -> None:
    from dedup.cli.main import main

    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    source = tmp_path / "news.parquet"
    spark.createDataFrame([(r["id"], r["date"], r["text"]) for r in rows],
                          "id string, date string, text string").coalesce(1) \
        .write.parquet(str(source))
    out = tmp_path / "canonical.parquet"
    result = CliRunner().invoke(main, ["clean", "--engine", "spark", "-q", "--output", str(out),
                                       str(source)])
    assert result.exit_code == 0, result.output
    _, local_canonical = _local(CORPUS)
    written = [(r["id"], r["text"]) for r in spark.read.parquet(str(out)).collect()]
    assert sorted(written) == sorted(local_canonical)


@pytest.mark.slow
@pytest.mark.shared
def test_reuters_identical_to_local(spark: Any) -> None:
    path = shared_path("reuters21578", "reuters21578.jsonl")
    local_findings, local_canonical = _local(path)
    findings, canonical = _spark(spark, path)
    assert len(findings) > 1000
    assert set(findings) == set(local_findings)
    assert findings == local_findings
    assert len(canonical) == len(local_canonical)
    assert canonical == local_canonical
