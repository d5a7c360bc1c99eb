"""The Spark engine runs the same model and gives the same clusters as
DuckDB (local Spark; needs Java, as CI has)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.resolve import COBALT, PETROV, crowd, write_ftm
from threadline.resolve.resolver import ResolveOptions
from threadline.workspace import Workspace

pytest.importorskip("pyspark")


@pytest.mark.slow
def test_spark_gives_the_same_clusters_as_duckdb(tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.fail("the Spark engine needs Java 17+ on PATH")
    ws = Workspace.init(tmp_path / "ws")
    ws.ingest(write_ftm(tmp_path / "crowd.ftm.json", crowd(200)), dataset="crowd")
    ws.ingest(write_ftm(tmp_path / "cases.ftm.json", PETROV + COBALT), dataset="cases")

    def clusters() -> dict[str, str]:
        return ws.store.resolution().canonical_map()

    duck = ws.resolve(ResolveOptions(engine="duckdb", retrain=True))
    duck_clusters = clusters()
    spark = ws.resolve(ResolveOptions(engine="spark", retrain=True))
    assert spark.engine == "spark" and spark.trained
    assert clusters() == duck_clusters
    assert spark.pairs == duck.pairs
    assert len(set(duck_clusters.values())) >= 2
    ws.close()
