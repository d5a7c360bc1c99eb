"""m probabilities estimated over the candidate pairs: data whose duplicates
differ in exactly one field (RLdata's kind) defeat expectation maximisation
on training blocks, which never sees a match agree on the field its block
holds fixed and another at the same time."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.resolve import one_field_duplicates, write_ftm
from threadline.resolve.resolver import ResolveOptions
from threadline.workspace import Workspace


def test_duplicates_differing_in_one_field_are_merged_at_defaults(tmp_path: Path) -> None:
    rows, truth = one_field_duplicates(1500, 150, seed=5)
    ws = Workspace.init(tmp_path / "ws")
    ws.ingest(write_ftm(tmp_path / "people.ftm.json", rows), dataset="people")
    ws.resolve()
    canonical = ws.store.resolution().canonical_map()
    model = ws.resolution.model
    ws.close()
    clusters = {e: canonical.get(e, e) for e in truth}
    duplicates = [e for e in truth if e.startswith("d")]
    merged = sum(clusters[e] == clusters[truth[e]] for e in duplicates)
    assert merged >= 0.9 * len(duplicates), f"{merged} of {len(duplicates)} merged"
    false = sum(
        1
        for a in truth
        for b in truth
        if a < b and clusters[a] == clusters[b] and truth[a] != truth[b]
    )
    # names repeat and some namesakes' dates are one digit apart, so a few
    # false merges are right by the evidence; the merged pairs must still be
    # matches at least nine times in ten, as the calibration promises
    assert false <= 0.1 * merged, f"{false} false pairs"
    # the estimate that makes it work: among matches, "same name" is common
    # (every duplicate with another date has it), not near zero
    assert model is not None
    name = next(c for c in model["comparisons"] if c["output_column_name"] == "name")
    same = next(lv for lv in name["comparison_levels"] if lv.get("label_for_charts") == "same name")
    assert same["m_probability"] >= 0.3, same


def test_probabilities_match_observed_rates_when_duplicates_differ_in_one_field(
    tmp_path: Path,
) -> None:
    """Pairs binned by probability are true matches at about that rate (a
    seed and size used nowhere else)."""
    rows, truth = one_field_duplicates(1200, 200, seed=17)
    ws = Workspace.init(tmp_path / "ws")
    ws.ingest(write_ftm(tmp_path / "people.ftm.json", rows), dataset="people")
    ws.resolve(ResolveOptions(review_threshold=0.01))
    pairs = ws.store.resolution().pairs_above(0.01)
    ws.close()
    bins: list[list[float]] = [[0, 0.0, 0.0] for _ in range(10)]
    for left, right, p in pairs:
        b = bins[min(9, int(p * 10))]
        b[0] += 1
        b[1] += p
        b[2] += truth[left] == truth[right]
    ece = sum(abs(s - m) for _, s, m in bins) / sum(n for n, _, _ in bins)
    assert ece <= 0.05, bins
    # the pairs that merge at the defaults are matches as often as promised
    merged = [b for b in bins[7:] if b[0]]
    assert sum(m for _, _, m in merged) / sum(n for n, _, _ in merged) >= 0.9, bins
