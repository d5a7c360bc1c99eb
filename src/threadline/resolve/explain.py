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
    weight: float
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
            for level in comp["comparison_levels"]:
                is_null = bool(level.get("is_null_level"))
                m, u = level.get("m_probability"), level.get("u_probability")
                weight = 0.0 if is_null or not m or not u else math.log2(m / u)
                label = str(level.get("label_for_charts") or level.get("sql_condition"))
                levels.append(
                    Level(
                        "not compared (missing on one side)"
                        if is_null and "NULL" in label.upper()
                        else label,
                        weight,
                        is_null,
                    )
                )
            name = comp["output_column_name"]
            self.comparisons.append((name, DESCRIPTIONS.get(name, ""), levels))

    def explain(
        self,
        left_id: str,
        right_id: str,
        probability: float,
        weight: float,
        weights: list[float],
    ) -> Explanation:
        evidence = []
        for (name, description, levels), w in zip(self.comparisons, weights, strict=True):
            level = min(levels, key=lambda lv: abs(lv.weight - w))
            evidence.append(Evidence(name, description, level.label, w))
        return Explanation(left_id, right_id, probability, weight, self.prior_weight, evidence)
