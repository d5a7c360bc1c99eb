"""Why a pair scored what it did: per comparison, the level that applied and
how far it moved the score (its match weight, in bits: +1 doubles the odds
of a match, -1 halves them).

Pairs store one weight per comparison; the level is recovered from the
trained model, where every level has its own weight (m and u
probabilities), so explanations cost nothing at scoring time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from threadline.resolve.model_spec import DESCRIPTIONS


@dataclass(frozen=True, slots=True)
class Level:
    label: str
    gamma: int
    is_null: bool


@dataclass(frozen=True, slots=True)
class Evidence:
    comparison: str
    description: str
    level: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "comparison": self.comparison,
            "description": self.description,
            "level": self.level,
            "weight": round(self.weight, 3),
        }


@dataclass(frozen=True)
class Explanation:
    left_id: str
    right_id: str
    probability: float
    weight: float
    prior_weight: float
    evidence: list[Evidence]

    def to_dict(self) -> dict[str, Any]:
        return {
            "left_id": self.left_id,
            "right_id": self.right_id,
            "probability": round(self.probability, 6),
            "weight": round(self.weight, 3),
            "prior_weight": round(self.prior_weight, 3),
            "evidence": [e.to_dict() for e in self.evidence],
        }


class ModelLevels:
    """The levels of a trained Splink model, by comparison."""

    def __init__(self, model: dict[str, Any]) -> None:
        prior = float(model.get("probability_two_random_records_match") or 1e-4)
        self.prior_weight = math.log2(prior / (1 - prior))
        self.comparisons: list[tuple[str, str, list[Level]]] = []
        for comp in model["comparisons"]:
            levels = []
            raw_levels = comp["comparison_levels"]
            # Splink numbers levels from the strongest (n - 1) down to the
            # else level (0); null levels are -1.
            gamma = sum(1 for lv in raw_levels if not lv.get("is_null_level")) - 1
            for level in raw_levels:
                is_null = bool(level.get("is_null_level"))
                label = str(level.get("label_for_charts") or level.get("sql_condition"))
                if is_null and "NULL" in label.upper():
                    label = "not compared (missing on one side)"
                levels.append(Level(label, -1 if is_null else gamma, is_null))
                if not is_null:
                    gamma -= 1
            name = comp["output_column_name"]
            self.comparisons.append((name, DESCRIPTIONS.get(name, ""), levels))

    def explain(
        self,
        left_id: str,
        right_id: str,
        probability: float,
        weight: float,
        weights: list[float],
        gammas: list[int],
    ) -> Explanation:
        evidence = []
        for (name, description, levels), w, g in zip(
            self.comparisons, weights, gammas, strict=True
        ):
            # Two null levels may share -1; the first is the "missing" one.
            labels = [lv.label for lv in levels if lv.gamma == g]
            evidence.append(Evidence(name, description, labels[0] if labels else "?", w))
        return Explanation(left_id, right_id, probability, weight, self.prior_weight, evidence)
