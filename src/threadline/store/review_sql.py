"""SQL both store engines share: the review queue by entity.

Pairs are keyed by the resolved entities on their two sides; pairs whose
sides an analyst's judgement already settles, or that are one entity, drop
out; what is left is ranked per pair of sides, so a case is one candidate
against one cluster with its strongest pair and how many pairs join them.
The engines differ only in how a query marks its parameters.
"""

from __future__ import annotations


def open_pairs_sql(low: str, high: str) -> str:
    """The ``WITH ... open_pairs`` clause, with ``low`` and ``high`` as the
    engine's parameter markers for the probability band."""
    return _OPEN_PAIRS.format(low=low, high=high)


_OPEN_PAIRS = """
    WITH keyed AS (
        SELECT p.left_id, p.right_id, p.probability, p.weight, p.weights, p.gammas,
               least(coalesce(cl.canonical_id, p.left_id),
                     coalesce(cr.canonical_id, p.right_id)) AS side_a,
               greatest(coalesce(cl.canonical_id, p.left_id),
                        coalesce(cr.canonical_id, p.right_id)) AS side_b
        FROM resolve_pairs p
        LEFT JOIN canonical cl ON cl.entity_id = p.left_id
        LEFT JOIN canonical cr ON cr.entity_id = p.right_id
        WHERE p.probability >= {low} AND p.probability < {high}
    ), settled AS (
        SELECT DISTINCT
               least(coalesce(cl.canonical_id, j.left_id),
                     coalesce(cr.canonical_id, j.right_id)) AS side_a,
               greatest(coalesce(cl.canonical_id, j.left_id),
                        coalesce(cr.canonical_id, j.right_id)) AS side_b
        FROM judgements j
        LEFT JOIN canonical cl ON cl.entity_id = j.left_id
        LEFT JOIN canonical cr ON cr.entity_id = j.right_id
    ), open_pairs AS (
        SELECT k.*,
               row_number() OVER (PARTITION BY k.side_a, k.side_b
                                  ORDER BY k.probability DESC, k.left_id, k.right_id) AS rank,
               count(*) OVER (PARTITION BY k.side_a, k.side_b) AS pairs
        FROM keyed k
        WHERE k.side_a <> k.side_b
          AND NOT EXISTS (SELECT 1 FROM settled s
                          WHERE s.side_a = k.side_a AND s.side_b = k.side_b)
    )
"""
