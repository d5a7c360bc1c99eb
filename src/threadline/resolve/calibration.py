"""Turning match weights into probabilities that mean what they say.

A Fellegi-Sunter model adds up one Bayes factor per comparison as if the
comparisons were independent, and they are not (a typo in a name comes with
a typo in the address; a shared surname with a shared address). Its match
weights rank pairs well, but its probabilities are over- or under-confident,
and by how much depends on the data. Two steps correct them, both fitted on
the data being resolved, with no truth and no settings:

1. ``fit_prior``: the prior (how often two random records match) is the
   fixed point of the expectation-maximisation step for the prior alone: the
   expected number of matches among all pairs, the sum of the blocked pairs'
   probabilities, equals the prior times the number of pairs.
2. ``fit_mixture``: a two-component mixture (matches, non-matches) of
   Gaussians over the candidate pairs' match weights, started from step 1's
   probabilities, gives each weight the share of pairs at that weight that
   are matches. The probability reported is the mean of the mixture's and
   the model's own (with the fitted prior), kept monotone (a higher weight
   never means a lower probability), as a table of knots,
   ``Calibration``, saved with the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

#: the model-JSON key the calibration is kept under
MODEL_KEY = "threadline_calibration"
PRIOR_ROUNDS = 200
MIXTURE_ROUNDS = 200
MIN_PRIOR, MAX_PRIOR = 1e-12, 0.5
#: below this many expected matches there is too little to calibrate on: the
#: prior's fixed point can collapse to zero, and a Gaussian match component
#: fitted to a handful of points says more about them than about matches
MIN_EXPECTED_MATCHES = 25.0
#: the narrowest a component may get, in bits of match weight
MIN_SPREAD = 0.5
KNOTS = 400


def posterior(factors: Floats, prior: float) -> Floats:
    """Match probability of pairs with Bayes factors ``factors`` (log2)."""
    shifted = np.clip(factors + log2_odds(prior), -1000.0, 1000.0)
    result: Floats = 1.0 / (1.0 + np.exp2(-shifted))
    return result


def log2_odds(probability: float) -> float:
    return float(np.log2(probability) - np.log2(1.0 - probability))


def fit_prior(factors: Floats, total_pairs: float, prior: float) -> float:
    """The prior at which the expected number of matches among
    ``total_pairs`` is the sum of the scored pairs' probabilities, iterated
    from the trained ``prior``."""
    estimate = prior
    for _ in range(PRIOR_ROUNDS):
        expected = float(np.sum(posterior(factors, estimate)))
        updated = min(MAX_PRIOR, max(MIN_PRIOR, expected / total_pairs))
        converged = abs(np.log(updated / estimate)) < 1e-6
        estimate = updated
        if converged:
            break
    return estimate


@dataclass(frozen=True)
class Calibration:
    """Match weight (bits) -> probability, monotone, by linear interpolation
    between knots; constant beyond the first and last knot."""

    weights: tuple[float, ...]
    probabilities: tuple[float, ...]

    def apply(self, weights: Floats) -> Floats:
        result: Floats = np.interp(weights, self.weights, self.probabilities)
        return result

    def weight_for(self, probability: float) -> float:
        """The lowest weight whose probability is at least ``probability``
        (infinity when none is)."""
        for weight, p in zip(self.weights, self.probabilities, strict=True):
            if p >= probability:
                return weight
        return float("inf")

    def to_json(self) -> dict[str, Any]:
        return {"weights": list(self.weights), "probabilities": list(self.probabilities)}

    @classmethod
    def from_model(cls, model: dict[str, Any]) -> Calibration | None:
        raw = model.get(MODEL_KEY)
        if not raw:
            return None
        return cls(tuple(raw["weights"]), tuple(raw["probabilities"]))


def fit_mixture(weights: Floats, start: Floats) -> Calibration | None:
    """Fit the two-component mixture to the candidate pairs' ``weights``
    from their probabilities ``start``; ``None`` when the candidates hold
    too few expected matches to fit a component to."""
    if weights.size < 3 or float(np.sum(start)) < MIN_EXPECTED_MATCHES:
        return None
    resp = start.copy()
    for _ in range(MIXTURE_ROUNDS):
        share, (mu1, sd1), (mu0, sd0) = _m_step(weights, resp)
        updated = _e_step(weights, share, mu1, sd1, mu0, sd0)
        if float(np.max(np.abs(updated - resp))) < 1e-6:
            resp = updated
            break
        resp = updated
    share, (mu1, sd1), (mu0, sd0) = _m_step(weights, resp)
    grid = np.linspace(float(weights.min()), float(weights.max()), KNOTS)
    probs = _e_step(grid, share, mu1, sd1, mu0, sd0)
    # The mixture's Gaussians misjudge the tails where a component is far
    # from Gaussian; the model's own posterior misjudges correlated
    # evidence. Their mean did best of the three over the benchmark
    # datasets taken together (the mixture alone over-merged the
    # multi-source demo world, the model alone merged none of RLdata500 at
    # 0.95); the mean of their log-odds kept the mixture's overconfidence.
    # Figures: bench/RESULTS.md, "Resolution calibration".
    probs = 0.5 * (probs + 1.0 / (1.0 + np.exp2(-grid)))
    # Gaussian tails can turn back (a wide non-match component outlasts a
    # narrow match one at high weights): never less likely with more evidence.
    probs = np.maximum.accumulate(probs)
    return Calibration(tuple(float(w) for w in grid), tuple(float(p) for p in probs))


def _m_step(
    weights: Floats, resp: Floats
) -> tuple[float, tuple[float, float], tuple[float, float]]:
    share = float(np.clip(np.mean(resp), 1e-9, 1 - 1e-9))
    return share, _moments(weights, resp), _moments(weights, 1.0 - resp)


def _moments(weights: Floats, resp: Floats) -> tuple[float, float]:
    mass = float(np.sum(resp)) or 1e-12
    mean = float(np.sum(resp * weights)) / mass
    var = float(np.sum(resp * (weights - mean) ** 2)) / mass
    return mean, max(MIN_SPREAD, float(np.sqrt(var)))


def _e_step(
    weights: Floats, share: float, mu1: float, sd1: float, mu0: float, sd0: float
) -> Floats:
    log1 = np.log(share) - np.log(sd1) - 0.5 * ((weights - mu1) / sd1) ** 2
    log0 = np.log(1 - share) - np.log(sd0) - 0.5 * ((weights - mu0) / sd0) ** 2
    result: Floats = 1.0 / (1.0 + np.exp(np.clip(log0 - log1, -700, 700)))
    return result


def expected_quality(probabilities: Floats, merge: float, review: float) -> dict[str, float | None]:
    """What calibrated probabilities promise, without any truth: the
    expected precision of the pairs merged (at or above ``merge``) and of
    the review band (``review`` to ``merge``), and the expected recall of
    merging alone and of merging every reviewed pair as well. Recall is
    over the matches expected among the scored pairs (probability at least
    ``review``): matches scored below the review threshold are not counted,
    so it is an upper bound. ``None`` where there is nothing to average."""
    scored = probabilities[probabilities >= review]
    merged = scored[scored >= merge]
    band = scored[scored < merge]
    expected = float(np.sum(scored))

    def mean(values: Floats) -> float | None:
        return round(float(np.mean(values)), 4) if values.size else None

    def share(values: Floats) -> float | None:
        return round(float(np.sum(values)) / expected, 4) if expected > 0 else None

    return {
        "expected_merge_precision": mean(merged),
        "expected_merge_recall": share(merged),
        "expected_review_precision": mean(band),
        "expected_recall_with_review": share(scored),
    }
