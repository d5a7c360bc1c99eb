"""The name-date interaction term, cell by cell."""

from __future__ import annotations

import numpy as np

from threadline.resolve.interaction import MAX_BITS, Interaction, estimate

# levels by gamma: name 2 same, 1 similar, 0 different; date 2 same, 1 one part, 0 different
M_NAME = {2: 0.5, 1: 0.4, 0: 0.1}
M_DATE = {2: 0.6, 1: 0.3, 0: 0.1}


def pairs(cells: dict[tuple[int, int], int]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (certain matches) with the given counts per (name, date) cell,
    as a pairs x 2 gamma matrix and their probabilities."""
    rows = [cell for cell, count in cells.items() for _ in range(count)]
    return np.array(rows, dtype=np.int64).reshape(-1, 2), np.ones(len(rows))


def test_a_cell_commoner_than_independence_gains_weight() -> None:
    # 1,000 matches; independence expects 0.5 * 0.3 = 150 at (same name, one part)
    gammas, probs = pairs({(2, 1): 400, (2, 2): 100, (1, 2): 400, (0, 2): 100})
    term = estimate(0, 1, gammas, probs, M_NAME, M_DATE)
    assert term.bits[(2, 1)] > 1.0
    # (similar name, one part): none seen where 120 were expected
    assert term.bits[(1, 1)] < -1.0
    # (different name, same date) is commoner than expected, yet outright
    # disagreement on a field never becomes evidence for a match
    assert term.bits.get((0, 2), 0.0) <= 0.0


def test_a_cell_with_few_expected_matches_barely_moves() -> None:
    gammas, probs = pairs({(2, 2): 30})
    term = estimate(0, 1, gammas, probs, M_NAME, {2: 0.97, 1: 0.02, 0: 0.01})
    # 30 matches: 0.3 expected at (same name, one part), none seen
    assert abs(term.bits.get((2, 1), 0.0)) < 0.1


def test_the_term_is_bounded_and_round_trips() -> None:
    gammas, probs = pairs({(2, 1): 5000})
    # every match in a cell the model expects 1% of them in
    term = estimate(0, 1, gammas, probs, M_NAME, {2: 0.97, 1: 0.02, 0: 0.01})
    assert term.bits[(2, 1)] == MAX_BITS
    again = Interaction.from_model({"threadline_interaction": term.to_json()})
    assert again == term
    applied = again.apply(np.array([[2, 1], [-1, 1], [2, 2]], dtype=np.int64))
    assert applied[0] == MAX_BITS
    assert applied[1] == 0.0  # a missing field: no interaction
