"""Reading and writing for the Spark engine (``dedup scan|clean --engine spark``).

Inputs are JSON lines (``.jsonl``, ``.ndjson``, gzipped or not) or Parquet files,
local paths or any URI Spark reads (``s3a://``, ``hdfs://``, ``abfss://``...). JSON
lines are parsed by the local reader's own record rules, so ids, dates and errors
are the ones the local engine gives. pyspark is imported here only.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ..errors import InputError, InputFailure
from ..io.reader import JSONL_SUFFIXES, MAX_LINE_CHARS, MAX_RECORD_ERRORS, ReadOptions

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

PARQUET_SUFFIXES = (".parquet", ".parq")
INPUT_SCHEMA = "ordinal long, id string, text string, date string, record string"
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class SparkInputError(InputFailure):
    """Inputs the Spark engine cannot read; the message names the file."""


@dataclass
class Inputs:
    """Articles read by Spark: a DataFrame, its kind, and the bad inputs."""

    frame: DataFrame
    kind: str  # "jsonl" or "parquet"
    errors: list[InputError]


def is_parquet(path: str) -> bool:
    return path.lower().rstrip("/").endswith(PARQUET_SUFFIXES)


def list_inputs(spark: SparkSession, paths: Sequence[str],
                options: ReadOptions) -> tuple[list[str], list[InputError]]:
    """Input files in the local engine's order: as given, folders walked sorted.

    Local paths are walked like :func:`dedup.io.reader.walk`; URIs are listed through
    Hadoop's file system (sorted by name, recursively; ``_`` and ``.`` names skipped).
    A Parquet dataset folder (``x.parquet/``) is one input.
    """
    from ..io.reader import walk

    files: list[str] = []
    errors: list[InputError] = []
    for path in paths:
        if _URI.match(path) and not path.startswith("file://"):
            found = _hadoop_list(spark, path)
            if not found:
                errors.append(InputError(path, "no such file or directory"))
            files.extend(found)
        elif is_parquet(path) and os.path.exists(path):
            files.append(path)
        elif os.path.isdir(path):
            found = [f for f in walk(path, options) if isinstance(f, str) and _readable(f)]
            if not found:
                errors.append(InputError(path, "no JSON lines or Parquet files in directory"))
            files.extend(found)
        elif os.path.exists(path):
            files.append(path)
        else:
            errors.append(InputError(path, "no such file or directory"))
    return files, errors


def _readable(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES) or is_parquet(path)


def _hadoop_list(spark: SparkSession, path: str) -> list[str]:
    sc: Any = spark.sparkContext
    jvm, conf = sc._jvm, sc._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(conf)
    statuses = fs.globStatus(hpath) or []
    out: list[str] = []

    def visit(status: Any) -> None:
        name = status.getPath().getName()
        full = status.getPath().toString()
        if status.isDirectory() and not is_parquet(name):
            children = sorted(fs.listStatus(status.getPath()), key=lambda s: s.getPath().getName())
            for child in children:
                if not child.getPath().getName().startswith(("_", ".")):
                    visit(child)
        elif _readable(name):
            out.append(full)

    for status in sorted(statuses, key=lambda s: s.getPath().toString()):
        visit(status)
    return out


def parse_partition(index: int, lines: Iterable[str], *, starts: dict[int, tuple[int, int, int]],
                    paths: list[str], options: ReadOptions) -> Iterator[tuple[Any, ...]]:
    """Records of one partition of the union of the input files' lines.

    ``starts[index]`` is ``(file, first line number, first ordinal)``. Yields
    ``("ok", ordinal, id, text, date, line)`` or ``("error", ordinal, where, message)``.
    """
    from ..io.reader import _record_article

    file_index, number, ordinal = starts[index]
    path = paths[file_index]
    for line in lines:
        number += 1
        ordinal += 1
        raw = line.encode("utf-8", "surrogatepass")
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_CHARS * 4:
            yield ("error", ordinal, f"{path}:{number}",
                   f"line longer than {MAX_LINE_CHARS:,} characters")
            continue
        item = _record_article(path, number, raw, options)
        if isinstance(item, InputError):
            yield ("error", ordinal, item.input, item.message)
        else:
            yield ("ok", ordinal, item.id, item.text, item.date, line)
            if "\ufffd" in line:
                yield ("suspect", ordinal, path, number)


def _count_lines(index: int, lines: Iterable[str]) -> Iterator[tuple[int, int, int]]:
    total = blank = 0
    for line in lines:
        total += 1
        blank += not line.strip()
    yield index, total, total - blank


def read_jsonl(spark: SparkSession, files: list[str], options: ReadOptions) -> Inputs:
    """JSON lines files as one DataFrame numbered in file and line order."""
    from pyspark import StorageLevel

    sc = spark.sparkContext
    parts = [sc.textFile(path) for path in files]
    owner = [k for k, rdd in enumerate(parts) for _ in range(rdd.getNumPartitions())]
    union = sc.union(parts)
    counts = sorted(union.mapPartitionsWithIndex(_count_lines).collect())
    starts: dict[int, tuple[int, int, int]] = {}
    line_in_file = [0] * len(files)
    records_in_file = [0] * len(files)
    ordinal = -1
    for index, total, nonblank in counts:
        k = owner[index]
        starts[index] = (k, line_in_file[k], ordinal)
        line_in_file[k] += total
        records_in_file[k] += nonblank
        ordinal += total
    parsed = union.mapPartitionsWithIndex(
        partial(parse_partition, starts=starts, paths=files, options=options)
    ).persist(StorageLevel.MEMORY_AND_DISK)
    flagged = parsed.filter(lambda r: r[0] != "ok").collect()
    invalid = _invalid_utf8(spark, [r[1:] for r in flagged if r[0] == "suspect"])
    bad = [r[1:] for r in flagged if r[0] == "error"] + invalid
    errors = _limit_errors(files, sorted(bad), records_in_file)
    skip = {ordinal for ordinal, _, _ in invalid}
    frame = spark.createDataFrame(
        parsed.filter(lambda r: r[0] == "ok" and r[1] not in skip).map(lambda r: r[1:]),
        INPUT_SCHEMA)
    return Inputs(frame, "jsonl", errors)


def _invalid_utf8(spark: SparkSession,
                  suspects: list[tuple[int, str, int]]) -> list[tuple[int, str, str]]:
    """``(ordinal, where, message)`` of the suspect lines whose bytes are not UTF-8 (the
    others hold a real U+FFFD), with the local reader's message."""
    out = []
    by_path: dict[str, dict[int, int]] = {}
    for ordinal, path, number in suspects:
        by_path.setdefault(path, {})[number] = ordinal
    for path, wanted in sorted(by_path.items()):
        for number, raw in enumerate(_raw_lines(spark, path), start=1):
            if number in wanted:
                try:
                    raw.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    out.append((wanted[number], f"{path}:{number}",
                                f"invalid UTF-8 at byte {exc.start} of the line"))
    return out


def _raw_lines(spark: SparkSession, path: str) -> list[bytes]:
    """A file's lines as bytes, split where Hadoop splits them (LF, CR or CRLF)."""
    local = path[len("file://"):] if path.startswith("file://") else path
    if _URI.match(local):
        data = spark.sparkContext.binaryFiles(path).values().first()
    else:
        with open(local, "rb") as handle:
            data = handle.read()
    if path.lower().endswith(".gz"):
        data = gzip.decompress(data)
    return data.splitlines()


def _limit_errors(files: list[str], bad: list[tuple[int, str, str]],
                  records_in_file: list[int]) -> list[InputError]:
    """The local reader's error list: at most ``MAX_RECORD_ERRORS`` per file, empty files named."""
    per_file: dict[str, list[InputError]] = {}
    for _, where, message in bad:
        per_file.setdefault(where.rsplit(":", 1)[0], []).append(InputError(where, message))
    out: list[InputError] = []
    for k, path in enumerate(files):
        listed = per_file.get(path, [])
        out.extend(listed[:MAX_RECORD_ERRORS])
        if len(listed) > MAX_RECORD_ERRORS:
            out.append(InputError(path, f"{len(listed) - MAX_RECORD_ERRORS} more bad records not listed"))
        if records_in_file[k] == 0:
            out.append(InputError(path, "empty file"))
    return out


def read_parquet(spark: SparkSession, files: list[str], options: ReadOptions) -> Inputs:
    """Parquet files, in the order given, rows in file order."""
    from .engine import with_ordinal

    frames = [spark.read.parquet(path) for path in files]
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.unionByName(other, allowMissingColumns=True)
    for name in (options.text_field,):
        if name not in frame.columns:
            raise SparkInputError(f"{files[0]}: no {name!r} column (use --text-field)")
    return Inputs(with_ordinal(frame, "_ordinal"), "parquet", [])


def read_inputs(spark: SparkSession, paths: Sequence[str], options: ReadOptions) -> Inputs:
    files, errors = list_inputs(spark, paths, options)
    kinds = {"parquet" if is_parquet(f) else "jsonl" for f in files}
    if len(kinds) > 1:
        raise SparkInputError("the Spark engine reads JSON lines or Parquet, not both in one run")
    if not files:
        raise SparkInputError(errors[0].__str__() if errors else "no inputs")
    if kinds == {"parquet"}:
        inputs = read_parquet(spark, files, options)
    else:
        inputs = read_jsonl(spark, files, options)
    inputs.errors[:0] = errors
    return inputs


def columns_of(inputs: Inputs, options: ReadOptions) -> dict[str, Any]:
    if inputs.kind == "jsonl":
        return {"id_col": "id", "text_col": "text", "date_col": "date", "ordinal_col": "ordinal"}
    columns = inputs.frame.columns
    return {"id_col": options.id_field if options.id_field in columns else "_ordinal",
            "text_col": options.text_field,
            "date_col": options.date_field if options.date_field in columns else None,
            "ordinal_col": "_ordinal"}


def session(master: str | None) -> tuple[SparkSession, bool]:
    """The active session (left running), or a new one that the command stops."""
    from pyspark.sql import SparkSession

    from . import spark_session

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    return spark_session(master), True


def write_findings(findings: DataFrame, output: str) -> None:
    if is_parquet(output):
        findings.drop("json").write.mode("overwrite").parquet(output)
    else:
        findings.select("json").write.mode("overwrite").text(output)


def canonical_line(row: Any, text_field: str) -> str:
    """A kept JSON lines record: its original line, or the record with the cleaned text."""
    record = json.loads(row["record"].encode("utf-8", "surrogatepass").decode("utf-8-sig"))
    if record.get(text_field) == row["text"]:
        return str(row["record"]).rstrip("\r\n")
    return json.dumps({**record, text_field: row["text"]}, ensure_ascii=False)


def write_canonical(frame: DataFrame, kind: str, output: str, options: ReadOptions) -> None:
    spark = frame.sparkSession
    if kind == "jsonl":
        if is_parquet(output):
            frame.drop("ordinal", "record").write.mode("overwrite").parquet(output)
            return
        lines = frame.rdd.map(partial(canonical_line, text_field=options.text_field))
        spark.createDataFrame(lines.map(lambda line: (line,)), "value string") \
            .write.mode("overwrite").text(output)
    elif is_parquet(output):
        frame.drop("_ordinal").write.mode("overwrite").parquet(output)
    else:
        frame.drop("_ordinal").write.mode("overwrite").json(output)

