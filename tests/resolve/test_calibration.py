"""Resolution's probabilities are probabilities: on generated data with
known truth, pairs binned by probability are true matches at about that
rate; deduplicating one dataset merges its obvious duplicates at the
default thresholds; the reviewer's cases of issue 13."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.resolve import company, crowd, person, write_ftm
from threadline.demo.sources import DEMO_SOURCES
from threadline.resolve.calibration import expected_quality, fit_mixture, fit_prior, posterior
from threadline.resolve.resolver import ResolveOptions
from threadline.workspace import Workspace


def _binned(
    pairs: list[tuple[str, str, float]], truth: dict[str, str]
) -> list[tuple[int, float, float]]:
    """(pairs, mean probability, observed match rate) per tenth of probability."""
    bins: list[list[float]] = [[0, 0.0, 0.0] for _ in range(10)]
    for left, right, p in pairs:
        b = bins[min(9, int(p * 10))]
        b[0] += 1
        b[1] += p
        b[2] += truth[left] == truth[right]
    return [(int(n), s / n, m / n) for n, s, m in bins if n]


def test_probabilities_match_observed_rates_on_generated_people(tmp_path: Path) -> None:
    from gen_people import generate  # bench/ is on the test path; a seed used nowhere else

    entities, truth = generate(1500, seed=31)
    ws = Workspace.init(tmp_path / "ws")
    ws.ingest(write_ftm(tmp_path / "people.ftm.json", entities), dataset="people")
    ws.resolve(ResolveOptions(review_threshold=0.01))
    pairs = ws.store.resolution().pairs_above(0.01)
    ws.close()
    bins = _binned(pairs, truth)
    total = sum(n for n, _, _ in bins)
    ece = sum(n * abs(p - rate) for n, p, rate in bins) / total
    assert ece <= 0.06, bins
    # where the decisions are made, every well-filled bin is close
    for n, p, rate in bins:
        if n >= 40:
            assert abs(p - rate) <= 0.15, bins


def test_single_dataset_dedup_merges_obvious_duplicates_at_defaults(tmp_path: Path) -> None:
    """People with no identifiers, as in RLdata: the same name and full birth
    date (or one typo in the name) is a duplicate; the defaults merge them."""
    rows = crowd(400, seed=11)
    people = [r for r in rows if r["schema"] == "Person"][:40]
    duplicates = []
    for i, row in enumerate(people):
        name = row["properties"]["name"][0]
        if i % 2:  # one typo in the name
            name = name[:-2] + name[-1] + name[-2]
        props = {k: v for k, v in row["properties"].items() if k != "name"}
        duplicates.append(
            {"id": f"dup-{i}", "schema": "Person", "properties": {**props, "name": [name]}}
        )
    ws = Workspace.init(tmp_path / "ws")
    ws.ingest(write_ftm(tmp_path / "one.ftm.json", rows + duplicates), dataset="one")
    report = ws.resolve()
    canonical = ws.store.resolution().canonical_map()
    ws.close()
    merged = sum(
        1
        for row, dup in zip(people, duplicates, strict=True)
        if canonical.get(row["id"]) is not None
        and canonical.get(row["id"]) == canonical.get(dup["id"])
    )
    assert merged >= 36, f"{merged} of 40 duplicates merged"
    assert report.clusters >= 36
    assert report.merged_entities <= 2 * report.clusters + 4  # no chain of namesakes
    assert report.expected_merge_precision is not None and report.expected_merge_precision > 0.9


@pytest.fixture
def reviewer(tmp_path: Path) -> Iterator[Workspace]:
    cases = [
        person("reg-ok", "Oleksandr Kovalenko", birthDate="1979-06-02", nationality="ua"),
        person("leak-ok", "Aleksandr Kovalenko", birthDate="1979-06-02", nationality="ua"),
        company("reg-bh", "Baltic Harbor Logistics OU", jurisdiction="ee"),
        company("leak-bh", "Baltic Harbour Logistics OÜ", jurisdiction="ee"),
        person("reg-dd", "Marta Weber", birthDate="1966-02-11", nationality="de"),
        person("leak-dd", "Marta Weber", birthDate="1966-09-23", nationality="de"),
        person("leak-yd", "Marta Weber", birthDate="1966", nationality="de"),
    ]
    # the backdrop: the demo's registry, procurement, leak and sanctions
    # records, as in the investigation where the reviewer met these cases
    ws = Workspace.init(tmp_path / "ws")
    for source in DEMO_SOURCES:
        ws.ingest(source.path, dataset=source.dataset, mapping=source.mapping)
    ws.ingest(write_ftm(tmp_path / "cases.ftm.json", cases), dataset="cases")
    ws.resolve()
    yield ws
    ws.close()


def test_transliterated_given_names_merge_or_queue_high(reviewer: Workspace) -> None:
    explanation = reviewer.resolution.explain("reg-ok", "leak-ok")
    assert explanation is not None
    assert explanation.probability >= 0.5, explanation.to_dict()
    name = next(e for e in explanation.evidence if e.comparison == "name")
    assert name.weight > 0, explanation.to_dict()


def test_company_spelling_and_legal_form_variants_are_queued(reviewer: Workspace) -> None:
    """Harbor / Harbour, OU / OÜ, no registration number: queued or merged."""
    explanation = reviewer.resolution.explain("reg-bh", "leak-bh")
    assert explanation is not None
    assert explanation.probability >= reviewer.resolution.settings.review_threshold
    name = next(e for e in explanation.evidence if e.comparison == "name")
    assert name.weight > 0, explanation.to_dict()


def test_different_full_dates_in_the_same_year_count_against(reviewer: Workspace) -> None:
    explanation = reviewer.resolution.explain("reg-dd", "leak-dd")
    assert explanation is not None
    date = next(e for e in explanation.evidence if e.comparison == "date")
    assert date.weight < 0, explanation.to_dict()
    # a year alone fitting the full date is still evidence for
    fits = reviewer.resolution.explain("reg-dd", "leak-yd")
    assert fits is not None
    assert next(e for e in fits.evidence if e.comparison == "date").weight > 0


def test_match_finds_the_transliterated_name(reviewer: Workspace, tmp_path: Path) -> None:
    listed = tmp_path / "list.csv"
    listed.write_text("name,birthDate,nationality\nAlexander Kovalenko,1979-06-02,ua\n")
    [result] = reviewer.match(listed)
    # the two Kovalenko records are one resolved entity: found once, as it
    wanted = reviewer.resolution.canonical_id("reg-ok")
    found = {c.canonical_id for c in result.candidates} | {c.entity_id for c in result.candidates}
    assert wanted in found, result.to_dict()


def test_prior_fixed_point_recovers_the_share_of_matches() -> None:
    """500 matches with strong evidence among 10 million pairs, and 20,000
    blocked non-matches with evidence against: from a prior a thousand times
    too low, the fitted prior is the true share of matches."""
    factors = np.concatenate([np.full(500, 30.0), np.full(20_000, -5.0)])
    fitted = fit_prior(factors, 1e7, 5e-8)
    assert fitted == pytest.approx(500 / 1e7, rel=0.02)
    assert posterior(factors, fitted)[:500].min() > 0.99


def test_mixture_is_monotone_and_needs_enough_matches() -> None:
    rng = np.random.default_rng(3)
    weights = np.concatenate([rng.normal(15, 4, 300), rng.normal(-15, 6, 3000)])
    start = (weights > 0).astype(np.float64)
    fitted = fit_mixture(weights, start)
    assert fitted is not None
    assert list(fitted.probabilities) == sorted(fitted.probabilities)
    assert fitted.apply(np.array([-30.0]))[0] < 0.01 < 0.99 < fitted.apply(np.array([25.0]))[0]
    assert fitted.weight_for(0.5) < fitted.weight_for(0.9)
    # a handful of likely matches is no component to fit
    assert fit_mixture(weights, np.where(weights > 24, 1.0, 0.0)) is None


def test_expected_quality_of_merges_and_review_band() -> None:
    probs = np.array([0.99, 0.9, 0.8, 0.4, 0.2, 0.05])
    quality = expected_quality(probs, merge=0.7, review=0.1)
    assert quality["expected_merge_precision"] == pytest.approx(0.8967, abs=1e-4)
    assert quality["expected_merge_recall"] == pytest.approx(2.69 / 3.29, abs=1e-4)
    assert quality["expected_review_precision"] == pytest.approx(0.3)
    assert quality["expected_recall_with_review"] == 1.0
    assert expected_quality(np.array([]), 0.7, 0.1)["expected_merge_precision"] is None
