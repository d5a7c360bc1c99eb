"""Resolution at the defaults on public benchmarks a registry package ships:
data this project did not make, with no settings."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.public_data import pairwise_f1, rldata
from tests.helpers.resolve import write_ftm
from threadline.workspace import Workspace


def test_rldata10000_at_the_defaults(tmp_path: Path) -> None:
    """10,000 German people, 1,000 duplicate pairs, each differing in one
    field. Last round merged nothing here; F1 0.951 before the name-date
    interaction (bench/RESULTS.md), which merges the duplicates whose name is
    exact and whose birth year, month or day was replaced."""
    entities, truth = rldata(10000)
    ws = Workspace.init(tmp_path / "ws")
    ws.ingest(write_ftm(tmp_path / "rldata.ftm.json", entities), dataset="rldata")
    report = ws.resolve()
    canonical = ws.store.resolution().canonical_map()
    ws.close()
    precision, recall, f1 = pairwise_f1(canonical, truth)
    assert f1 >= 0.955, (precision, recall, f1)
    assert precision >= 0.93, (precision, recall, f1)
    # what the calibrated probabilities promise is near what happened
    assert report.expected_merge_precision is not None
    assert abs(report.expected_merge_precision - precision) <= 0.05
