"""Name and date evidence that is not independent among true matches.

A Fellegi-Sunter model multiplies one Bayes factor per comparison, as if
agreement on names said nothing about agreement on dates among matches. It
often does. In RLdata10000 a duplicate differs from its original in exactly
one field: when its birth date has a wrong year, its name is always exact,
so among matches "same name and dates differ in one part" is about eight
times as common as the product of the two shares. Scored independently,
such pairs look like namesakes (p 0.5) and stay apart. Elsewhere the
dependence runs the other way: a careless source garbles both fields.

The correction is one log-linear interaction term per (name level, date
level) cell, estimated with the m probabilities by expectation maximisation
over the candidate pairs (``SplinkEngine._estimate_m``): the share of
expected matches in the cell against the product the model assumes. Among
non-matches the two fields are taken as independent (namesakes are born on
unrelated days), so only the match side is corrected. Each cell's estimate
is pulled towards independence by ``PSEUDO_MATCHES``, so a cell with a few
expected matches barely moves; the term is bounded by ``MAX_BITS``, and a
cell where either field disagrees outright never gains: different names or
different dates stay evidence against a match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: the model-JSON key the interaction is kept under
MODEL_KEY = "threadline_interaction"
#: the weight of independence against a cell's evidence, in matches
PSEUDO_MATCHES = 5.0
#: the most a cell may move a pair's weight, either way, in bits
MAX_BITS = 4.0
#: cells moved by less than this are left out of the table
MIN_BITS = 0.05


@dataclass(frozen=True)
class Interaction:
    """Extra match weight (bits) per (first level, second level) cell of two
    comparisons, by their index in the model."""

    first: int
    second: int
    bits: Mapping[tuple[int, int], float]

    @property
    def most(self) -> float:
        """The largest weight any cell adds (0 when none adds any)."""
        return max([0.0, *self.bits.values()])

    def apply(self, gammas: NDArray[np.int64]) -> NDArray[np.float64]:
        """Bits to add to each pair, from its pairs x comparisons levels."""
        out = np.zeros(gammas.shape[0], dtype=np.float64)
        left, right = gammas[:, self.first], gammas[:, self.second]
        for (a, b), bits in self.bits.items():
            out[(left == a) & (right == b)] = bits
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "cells": [[a, b, bits] for (a, b), bits in sorted(self.bits.items())],
        }

    @classmethod
    def from_model(cls, model: Mapping[str, Any]) -> Interaction | None:
        raw = model.get(MODEL_KEY)
        if not raw:
            return None
        cells = {(int(a), int(b)): float(bits) for a, b, bits in raw["cells"]}
        return cls(int(raw["first"]), int(raw["second"]), cells)


def estimate(
    first: int,
    second: int,
    gammas: NDArray[np.int64],
    probabilities: NDArray[np.float64],
    m_first: Mapping[int, float],
    m_second: Mapping[int, float],
) -> Interaction:
    """The interaction between comparisons ``first`` and ``second`` from
    scored pairs (levels ``gammas``, match ``probabilities``) and the m
    probabilities the model holds for each level (by gamma; the else level
    is gamma 0)."""
    left, right = gammas[:, first], gammas[:, second]
    known = (left >= 0) & (right >= 0)
    mass = float(probabilities[known].sum())
    bits: dict[tuple[int, int], float] = {}
    if mass <= 0:
        return Interaction(first, second, bits)
    for a, m_a in m_first.items():
        for b, m_b in m_second.items():
            assumed = m_a * m_b
            if assumed <= 0:
                continue
            joint = float(probabilities[known & (left == a) & (right == b)].sum())
            # pseudo-matches at the product the model assumes: a cell where
            # a few matches are expected and none seen stays near 0 bits
            expected = mass * assumed
            ratio = (joint + PSEUDO_MATCHES) / (expected + PSEUDO_MATCHES)
            value = float(np.clip(np.log2(ratio), -MAX_BITS, MAX_BITS))
            if a == 0 or b == 0:
                # outright disagreement on either field is never for a match
                value = min(0.0, value)
            if abs(value) >= MIN_BITS:
                bits[(a, b)] = value
    return Interaction(first, second, bits)
