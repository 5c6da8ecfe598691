"""The Spark engine: the scan pipeline as Spark stages, with the local engine's answers.

1. Articles are analysed in ``mapPartitions`` tasks by the library's own code
   (:func:`dedup.pipeline.scan.analyze_chunk`, :func:`dedup.detect.within.find_within`, the cleaner).
2. Items (whole articles, long paragraphs) with identical shingle sets are grouped;
   the others' band keys are exploded to ``(band, key, item)`` rows and each bucket
   pairs its first ``max_bucket`` members with the rest, as
   :func:`dedup.detect.across.candidate_pairs` does.
3. Every candidate is verified exactly (:func:`dedup.document.overlap`).
4. Near-duplicate articles are clustered (:mod:`dedup.spark.components`); paragraphs
   shared by articles of different clusters are reported at their earliest copy.

Items are ordered by the article's ordinal (its position in the input) and the
paragraph's index, which is the order the local engine numbers them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from ..detect.findings import Finding
from ..errors import UsageError
from ..settings import KEEP_POLICIES, SCOPES, KeepPolicy, Settings
from . import tasks
from .components import COLLECT_LIMIT, components

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

REF = "struct<article: string, paragraph: int, sentence: int>"
FINDING_SCHEMA = (
    "section int, ordinal long, seq long, kind string, scope string, "
    f"a {REF}, b {REF}, jaccard double, containment double, reason string, remove string, "
    f"covered_by array<{REF}>, json string"
)
ARTICLE_SCHEMA = "ordinal long, id string, paragraphs int, length long, date string"
ITEM_SCHEMA = ("kind int, item long, owner long, size int, digest binary, shingles binary, "
               "keys array<long>, hashes array<long>")
VERIFIED_SCHEMA = "x long, y long, jaccard double, containment double, size_x int, size_y int"
CANONICAL_SCHEMA = "ordinal long, canonical string, length long"
DROP_SCHEMA = "ordinal long, kept long, jaccard double, containment double"
CLUSTER_SCHEMA = ("ordinal long, id string, cluster long, dropped boolean, duplicate_of string, "
                  "jaccard double, containment double")
ERROR_SCHEMA = "ordinal long, id string, message string"


class SparkEngineError(UsageError):
    """A DataFrame or option the Spark engine cannot use; the message says which."""


@dataclass
class SparkResult:
    """What :func:`deduplicate` returns: lazily evaluated DataFrames.

    Attributes:
        articles: ``ordinal, id, paragraphs, length, date``, one row per article read.
        findings: one row per finding (:data:`FINDING_SCHEMA`); ``json`` holds the
            finding exactly as ``dedup scan --format json`` lists it, and
            ``(section, ordinal, seq)`` orders them as the local engine does.
        clusters: every article in a cluster of near-duplicate articles: ``ordinal, id,
            cluster`` (the ordinal of its first member), ``dropped`` by the keep policy,
            and if so the kept article it duplicates (``duplicate_of, jaccard, containment``).
            With ``canonical``, the clusters of the canonical texts, as ``dedup clean``
            compares them.
        canonical: the input rows that survive, with the text column replaced by
            the cleaned text (``None`` when not requested).
        errors: ``ordinal, id, message`` for rows that are not articles.
    """

    articles: DataFrame
    findings: DataFrame
    clusters: DataFrame
    canonical: DataFrame | None
    errors: DataFrame

    def collect_findings(self) -> list[Finding]:
        """All findings on the driver, in the local engine's order."""
        rows = self.findings.orderBy("section", "ordinal", "seq").collect()
        return [tasks.finding_from_row(row) for row in rows]

    def collect_articles(self) -> list[tuple[str, int]]:
        """``(id, paragraph count)`` of every article, in input order."""
        return [(r["id"], r["paragraphs"]) for r in self.articles.orderBy("ordinal").collect()]


def with_ordinal(df: DataFrame, name: str = "ordinal") -> DataFrame:
    """``df`` with a contiguous ``name`` column numbering its rows in partition order.

    ``monotonically_increasing_id`` is ``partition << 33 | row``: ordered but not
    contiguous. One counting job gives each partition's offset, and the ordinal is
    the offset plus the row's position, all inside the JVM (no Python round trip).
    ``df`` must be deterministic (a file scan is), since it is read twice.
    """
    from pyspark.sql import functions as F

    if name in df.columns:
        raise SparkEngineError(f"column {name!r} already exists; pass ordinal_col={name!r}")
    tagged = df.withColumn("_dedup_mid", F.monotonically_increasing_id())
    part = F.shiftright("_dedup_mid", 33)
    counts = sorted((int(r[0]), int(r[1])) for r in
                    tagged.groupBy(part.alias("p")).count().collect())
    offsets, total = [], 0
    for partition, count in counts:
        offsets.append((partition, total))
        total += count
    spark = df.sparkSession
    table = spark.createDataFrame(offsets or [(0, 0)], "_dedup_p long, _dedup_offset long")
    return (tagged.withColumn("_dedup_p", part).join(F.broadcast(table), "_dedup_p")
            .withColumn(name, F.col("_dedup_offset")
                        + (F.col("_dedup_mid") - F.shiftleft("_dedup_p", 33)))
            .drop("_dedup_mid", "_dedup_p", "_dedup_offset"))


def clean_text(doc: Any, findings: list[Finding], settings: Settings, keep: str,
               fix_joins: bool) -> str:
    """The cleaned text of one analysed article, by :func:`dedup.clean.engine.canonicalize`."""
    from ..clean.engine import canonicalize
    from ..options import CleanOptions

    return str(canonicalize(doc, settings, CleanOptions(keep=cast(KeepPolicy, keep), fix_joins=fix_joins)).text)


def cleaner_available() -> bool:
    try:
        from ..clean.engine import canonicalize  # noqa: F401
    except ImportError:
        return False
    return True


def deduplicate(df: DataFrame, settings: Settings | None = None, *, id_col: str = "id",
                text_col: str = "text", date_col: str | None = None,
                ordinal_col: str | None = None, scope: str = "all", keep: str = "first",
                canonical: bool = True, fix_joins: bool = True,
                collect_limit: int = COLLECT_LIMIT) -> SparkResult:
    """Near-duplicates within and across the articles of a DataFrame, and their canonical versions.

    The answers are the local engine's (:func:`dedup.pipeline.scan.scan`) for the same
    articles in the same order: the same findings, the same canonical texts.

    Args:
        df: one row per article.
        settings: detection settings (the defaults when omitted).
        id_col: the article id column (cast to string; a null or empty id becomes the ordinal).
        text_col: the article text column (rows with a null or blank text are errors).
        date_col: the date column, needed for ``keep="newest"``.
        ordinal_col: a column giving the input order (e.g. the line number); by
            default rows are numbered in the DataFrame's partition order.
        scope: ``within``, ``across`` or ``all``.
        keep: which article of a near-duplicate cluster survives: ``first``,
            ``longest`` or ``newest``.
        canonical: also build the canonical articles.
        fix_joins: let the cleaner put back the space of glued sentences.
        collect_limit: cluster on the driver when there are at most this many
            near-duplicate article pairs, else with iterative Spark joins.

    Example:
        >>> result = deduplicate(spark.read.json("news.jsonl"), Settings())  # doctest: +SKIP
        >>> result.findings.select("json").write.text("findings")  # doctest: +SKIP
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    settings = settings or Settings()
    if scope not in SCOPES:
        raise SparkEngineError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    if keep not in KEEP_POLICIES:
        raise SparkEngineError(f"keep must be one of {', '.join(KEEP_POLICIES)}, got {keep!r}")
    for column in (id_col, text_col, date_col, ordinal_col):
        if column is not None and column not in df.columns:
            raise SparkEngineError(f"no column {column!r} in the DataFrame "
                                   f"(columns: {', '.join(df.columns)})")
    if canonical and scope != "across" and not cleaner_available():
        raise SparkEngineError("canonical articles need dedup.clean.engine, which is not installed")
    spark = df.sparkSession
    if ordinal_col is None:
        df = with_ordinal(df)
        ordinal_col = "ordinal"

    article_id = F.col(id_col).cast("string")
    rows = df.select(
        F.col(ordinal_col).cast("long").alias("ordinal"),
        F.when(article_id.isNull() | (article_id == ""), F.col(ordinal_col).cast("string"))
        .otherwise(article_id).alias("id"),
        F.col(text_col).cast("string").alias("text"),
        (F.col(date_col).cast("string") if date_col else F.lit(None).cast("string")).alias("date"),
    )
    valid = F.col("text").isNotNull() & (F.trim("text") != "")
    errors = rows.filter(~valid).select(
        "ordinal", "id", F.lit(f"{text_col!r} is null or blank").alias("message"))
    cleaner = (partial(clean_text, keep=keep, fix_joins=fix_joins)
               if canonical and scope != "across" else None)
    tagged = rows.filter(valid).rdd.map(tuple).mapPartitions(
        partial(tasks.analyze_partition, settings=settings, scope=scope, canonicalize=cleaner)
    ).persist(StorageLevel.MEMORY_AND_DISK)

    articles = spark.createDataFrame(tagged.filter(lambda r: r[0] == "A").map(lambda r: r[1:]),
                                     ARTICLE_SCHEMA)
    findings = spark.createDataFrame(tagged.filter(lambda r: r[0] == "W").map(lambda r: r[1]),
                                     FINDING_SCHEMA)
    clusters = spark.createDataFrame([], CLUSTER_SCHEMA)
    if scope in ("across", "all"):
        items = spark.createDataFrame(tagged.filter(lambda r: r[0] == "I").map(lambda r: r[1:]),
                                      ITEM_SCHEMA).persist(StorageLevel.MEMORY_AND_DISK)
        across, labels, pairs = _across(items, articles, settings, collect_limit)
        findings = findings.unionByName(across)
        if not canonical:
            clusters = _clusters(labels, pairs, articles, settings, keep)
    canonical_df = None
    if canonical:
        texts = None
        if cleaner is not None:
            texts = spark.createDataFrame(tagged.filter(lambda r: r[0] == "C").map(lambda r: r[1:]),
                                          CANONICAL_SCHEMA)
        if scope in ("across", "all"):
            clusters = _cleaned_clusters(tagged, articles, texts, settings, keep, collect_limit)
        canonical_df = _canonical(df, texts, clusters, text_col, ordinal_col)
    return SparkResult(articles, findings, clusters, canonical_df, errors)


def _across(items: DataFrame, articles: DataFrame, settings: Settings,
            collect_limit: int) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Across-article findings, the ``(node, label)`` clusters of near-duplicate
    articles, and their verified pairs."""
    from pyspark.sql import functions as F

    spark = items.sparkSession
    ids = articles.select("ordinal", "id")
    threshold = settings.threshold

    whole = items.filter(F.col("kind") == tasks.ARTICLE_ITEM)
    pairs = _verified(whole, candidate_pairs(whole, settings.max_bucket, settings.containment),
                      settings).persist()
    labels = components(spark, pairs.select(F.col("x").alias("src"), F.col("y").alias("dst")),
                        collect_limit=collect_limit).persist()
    named = (pairs.join(ids.toDF("x", "id_x"), "x").join(ids.toDF("y", "id_y"), "y")
             .join(labels.toDF("x", "cluster"), "x"))
    article_findings = _per_group(named, ["x", "y", "jaccard", "containment", "size_x", "size_y",
                                          "id_x", "id_y"],
                                  partial(tasks.connect_articles, threshold=threshold))

    parts = items.filter(F.col("kind") == tasks.PARAGRAPH_ITEM)
    shared = _verified(parts, candidate_pairs(parts, settings.max_bucket, settings.containment),
                       settings)
    cluster_x = labels.toDF("ox", "cx")
    cluster_y = labels.toDF("oy", "cy")
    shared = (shared.withColumn("ox", F.shiftright("x", tasks.PARAGRAPH_BITS))
              .withColumn("oy", F.shiftright("y", tasks.PARAGRAPH_BITS))
              .join(cluster_x, "ox", "left").join(cluster_y, "oy", "left")
              .filter(F.coalesce("cx", "ox") != F.coalesce("cy", "oy"))).persist()
    groups = components(spark, shared.select(F.col("x").alias("src"), F.col("y").alias("dst")),
                        collect_limit=collect_limit)
    named_paragraphs = (shared.join(ids.toDF("ox", "id_x"), "ox")
                        .join(ids.toDF("oy", "id_y"), "oy")
                        .join(groups.toDF("x", "cluster"), "x"))
    paragraph_findings = _per_group(named_paragraphs,
                                    ["x", "y", "jaccard", "containment", "id_x", "id_y"],
                                    partial(tasks.connect_paragraphs, threshold=threshold))
    return article_findings.unionByName(paragraph_findings), labels, pairs


def _per_group(pairs: DataFrame, columns: list[str], choose: Any) -> DataFrame:
    """Findings chosen by ``choose`` from each cluster's verified pairs."""
    from pyspark.sql import functions as F

    grouped = pairs.groupBy("cluster").agg(F.collect_list(F.struct(*columns)).alias("pairs"))
    return pairs.sparkSession.createDataFrame(grouped.rdd.flatMap(choose), FINDING_SCHEMA)


def candidate_pairs(items: DataFrame, max_bucket: int,
                    containment: float | None = None) -> DataFrame:
    """Candidate pairs ``(x, y)``, ``x < y``, by the rule of :func:`dedup.detect.across.candidate_pairs`.

    Items with identical shingle sets pair with their first copy only, and only first
    copies enter LSH; a band bucket pairs each of its first ``max_bucket`` members
    (in item order) with every later member. With ``containment``, pairs where the
    smaller set may be contained in the larger are added by prefix filtering
    (:func:`dedup.detect.across.containment_pairs`). Aggregations and joins only, no Python.
    """
    from pyspark.sql import functions as F

    live = items.filter(F.col("size") > 0)
    # Identical sets have identical signatures, so any copy's band keys are the first's.
    groups = live.groupBy("digest").agg(F.min("item").alias("rep"),
                                        F.collect_list("item").alias("copies"),
                                        F.first("keys").alias("keys"))
    copies = (groups.filter(F.size("copies") > 1)
              .select("rep", F.explode("copies").alias("y"))
              .filter(F.col("y") != F.col("rep")).select(F.col("rep").alias("x"), "y"))
    bands = groups.select(F.col("rep").alias("item"), F.posexplode("keys").alias("band", "key"))
    buckets = (bands.groupBy("band", "key").agg(F.collect_list("item").alias("members"))
               .filter(F.size("members") > 1)
               .select(F.array_sort("members").alias("members")))
    heads = buckets.select("members", F.posexplode(F.slice("members", 1, max_bucket))
                           .alias("head", "x"))
    banded = (heads.select("x", "head", F.posexplode("members").alias("pos", "y"))
              .filter(F.col("pos") > F.col("head")).select("x", "y"))
    pairs = copies.unionByName(banded)
    if containment is not None:
        reps = live.join(groups.select(F.col("rep").alias("item")), "item")
        pairs = pairs.unionByName(containment_pairs(reps, containment, max_bucket))
    return pairs.distinct()


def containment_pairs(reps: DataFrame, share: float, max_bucket: int) -> DataFrame:
    """Pairs where the smaller set may hold ``share`` of its shingles in the larger.

    A set's prefix is its ``|x| - ceil(share * |x|) + 1`` rarest shingles (rarest
    among ``reps``, ties by value); a pair qualifies when a prefix shingle of the
    smaller set is in the larger. Shingles held by more than ``4 * max_bucket`` sets
    are left out, as in :func:`dedup.detect.across.containment_pairs`.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    held = reps.select("item", "size", F.explode("hashes").alias("value"))
    counts = held.groupBy("value").agg(F.count(F.lit(1)).alias("holders"))
    held = held.join(counts, "value")
    rarest = Window.partitionBy("item").orderBy("holders", "value")
    prefix_len = F.col("size") - F.ceil(F.lit(share) * F.col("size") - F.lit(1e-9)) + 1
    useful = (F.col("holders") > 1) & (F.col("holders") <= 4 * max_bucket)
    probes = (held.withColumn("rank", F.row_number().over(rarest) - 1)
              .filter((F.col("rank") < prefix_len) & useful)
              .select(F.col("item").alias("x"), F.col("size").alias("size_x"), "value"))
    holders = held.filter(useful).select("value", F.col("item").alias("y"),
                                         F.col("size").alias("size_y"))
    larger = (F.col("size_y") > F.col("size_x")) | (
        (F.col("size_y") == F.col("size_x")) & (F.col("y") > F.col("x")))
    return (probes.join(holders, "value").filter(larger)
            .select(F.least("x", "y").alias("x"), F.greatest("x", "y").alias("y")))


def _verified(items: DataFrame, pairs: DataFrame, settings: Settings) -> DataFrame:
    """Candidate pairs of different articles that pass exact verification."""
    from pyspark.sql import functions as F

    sets = items.select("item", "owner", "shingles")
    joined = (pairs.join(sets.toDF("x", "owner_x", "set_x"), "x")
              .join(sets.toDF("y", "owner_y", "set_y"), "y")
              .filter(F.col("owner_x") != F.col("owner_y"))
              .select("x", "y", "set_x", "set_y"))
    verify = partial(tasks.verify_partition, threshold=settings.threshold,
                     containment=settings.containment)
    return items.sparkSession.createDataFrame(joined.rdd.mapPartitions(verify), VERIFIED_SCHEMA)


def _clusters(labels: DataFrame, pairs: DataFrame, articles: DataFrame, settings: Settings,
              keep: str, firsts: DataFrame | None = None) -> DataFrame:
    """Cluster members, and for those the keep policy drops, the article they duplicate.
    ``firsts`` (``ordinal``, ``first``) names the first copy of identical articles."""
    from pyspark.sql import functions as F

    members = labels.toDF("ordinal", "cluster").join(articles, "ordinal")
    if firsts is None:
        members = members.withColumn("first", F.col("ordinal"))
    else:
        members = (members.join(firsts, "ordinal", "left")
                   .withColumn("first", F.coalesce(F.col("first"), F.col("ordinal"))))
    records = members.groupBy("cluster").agg(
        F.collect_list(F.struct("ordinal", "length", "date", "first")).alias("records"))
    links = (pairs.join(labels.toDF("x", "cluster"), "x").groupBy("cluster")
             .agg(F.collect_list(F.struct("x", "y", "jaccard", "containment", "size_x", "size_y"))
                  .alias("pairs")))
    decide = partial(tasks.component_drops, settings=settings, keep=keep)
    drops = articles.sparkSession.createDataFrame(
        records.join(links, "cluster").rdd.flatMap(decide), DROP_SCHEMA)
    kept_ids = articles.select(F.col("ordinal").alias("kept"), F.col("id").alias("duplicate_of"))
    return (members.join(drops, "ordinal", "left").join(kept_ids, "kept", "left")
            .select("ordinal", "id", "cluster", F.col("kept").isNotNull().alias("dropped"),
                    "duplicate_of", "jaccard", "containment"))


def _cleaned_clusters(tagged: Any, articles: DataFrame, texts: DataFrame | None,
                      settings: Settings, keep: str, collect_limit: int) -> DataFrame:
    """Clusters of near-duplicate articles as the local cleaner finds them: comparing
    the canonical texts (their lengths for ``keep="longest"``), without containment
    candidates (:func:`dedup.pipeline.clean.across_drops`)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    spark = articles.sparkSession
    # Without within-article cleaning the canonical texts are the articles themselves.
    tag = "K" if texts is not None else "I"
    rows = tagged.filter(lambda r: r[0] == tag and r[1] == tasks.ARTICLE_ITEM)
    items = spark.createDataFrame(rows.map(lambda r: r[1:]),
                                  ITEM_SCHEMA).persist(StorageLevel.MEMORY_AND_DISK)
    verified = _verified(items, candidate_pairs(items, settings.max_bucket), settings)
    pairs = _with_sizes(items, verified).persist()
    live = items.filter(F.col("size") > 0)
    firsts = (live.groupBy("digest").agg(F.min("item").alias("first"),
                                         F.collect_list("item").alias("members"))
              .select(F.explode("members").alias("ordinal"), "first"))
    labels = components(spark, pairs.select(F.col("x").alias("src"), F.col("y").alias("dst")),
                        collect_limit=collect_limit)
    if texts is not None:
        lengths = texts.select("ordinal", F.col("length").alias("clean_length"))
        articles = (articles.join(lengths, "ordinal")
                    .select("ordinal", "id", "paragraphs", F.col("clean_length").alias("length"),
                            "date"))
    return _clusters(labels, pairs, articles, settings, keep, firsts)


def _with_sizes(items: DataFrame, verified: DataFrame) -> DataFrame:
    """Verified pairs with the sizes of their two sets. LSH sees one copy of identical
    articles; the keep policy takes the others from ``first`` (as
    :func:`dedup.pipeline.clean.across_drops` does)."""
    sizes = items.select("item", "size")
    return (verified.select("x", "y", "jaccard", "containment")
            .join(sizes.toDF("x", "size_x"), "x").join(sizes.toDF("y", "size_y"), "y")
            .select("x", "y", "jaccard", "containment", "size_x", "size_y"))


def _canonical(df: DataFrame, texts: DataFrame | None, clusters: DataFrame, text_col: str,
               ordinal_col: str) -> DataFrame:
    """The input rows that survive, their text replaced by the cleaned text."""
    from pyspark.sql import functions as F

    dropped = clusters.filter(F.col("dropped")).select(F.col("ordinal").alias(ordinal_col))
    survivors = df.join(dropped, ordinal_col, "left_anti")
    if texts is None:
        return survivors
    texts = texts.select(F.col("ordinal").alias(ordinal_col), "canonical")
    columns = [F.col("canonical").alias(text_col) if c == text_col else F.col(c)
               for c in df.columns]
    return survivors.join(texts, ordinal_col, "left").select(*columns)
