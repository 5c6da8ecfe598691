"""Connected components of the verified article pairs, with plain Spark operations.

Near-duplicate edges are few (at most a few per article), so when there are at most
``collect_limit`` of them they are collected and joined with the library's
union-find on the driver: one pass, no iteration. Beyond that, labels are found by
min-label propagation with DataFrame joins, each round checkpointed locally so the
plan does not grow; it needs as many rounds as the widest cluster's diameter, which
for near-duplicate clusters (mostly stars and small cliques) is a handful.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..detect.unionfind import UnionFind

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

COLLECT_LIMIT = 1_000_000
LABELS_SCHEMA = "node long, label long"


def min_labels(edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(node, smallest node of its component)`` for every node of ``edges`` (pure)."""
    clusters: UnionFind[int] = UnionFind()
    for a, b in edges:
        clusters.union(a, b)
    out: list[tuple[int, int]] = []
    for members in clusters.groups():
        label = min(members)
        out.extend((node, label) for node in members)
    return sorted(out)


def components(spark: SparkSession, edges: DataFrame, *,
               collect_limit: int = COLLECT_LIMIT, max_rounds: int = 10_000) -> DataFrame:
    """``(node, label)`` for every node of ``edges`` (columns ``src``, ``dst``), where
    ``label`` is the smallest node of its connected component."""
    from pyspark.sql import functions as F

    if collect_limit > 0:
        rows = edges.select("src", "dst").limit(collect_limit + 1).collect()
        if len(rows) <= collect_limit:
            pairs = [(int(r[0]), int(r[1])) for r in rows]
            return spark.createDataFrame(min_labels(pairs), LABELS_SCHEMA)

    both = edges.select("src", "dst").union(edges.select(F.col("dst").alias("src"),
                                                         F.col("src").alias("dst")))
    both = both.distinct().localCheckpoint()
    labels = both.groupBy("src").agg(F.least(F.min("dst"), F.first("src")).alias("label"))
    labels = labels.select(F.col("src").alias("node"), "label").localCheckpoint()
    for _ in range(max_rounds):
        offered = both.join(labels, both.src == labels.node).select(
            F.col("dst").alias("node"), F.col("label").alias("offer"))
        best = offered.groupBy("node").agg(F.min("offer").alias("offer"))
        updated = labels.join(best, "node").select(
            "node", F.least("label", "offer").alias("label"), (F.col("offer") < F.col("label")).alias("changed"))
        updated = updated.localCheckpoint()
        labels = updated.select("node", "label")
        if updated.filter("changed").limit(1).count() == 0:
            return labels
    raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")
