"""Search, entities, the graph and the review queue over the API: the
answers carry what the contract promises (facets, sources of every value,
relations, merge evidence, paths with their edges) and judgements change
clusters at once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from tests.helpers.api import PURPOSE, Api
from threadline.search.base import SearchQuery

SCOPE = {"purpose": PURPOSE}


def test_search_results_and_facets(api: Api) -> None:
    data = api.get("vera", "/search", params={"q": "Cobalt Marine", **SCOPE}).json()
    assert data["query"] == "Cobalt Marine"
    results = data["results"]
    first = results[0]
    assert set(first) == {"id", "caption", "schema", "datasets", "countries", "score", "members"}
    # one hit per resolved entity: merged records come under their canonical id
    hit_of = {m: r["id"] for r in results for m in (r["members"] or [r["id"]])}
    assert {"reg-cobalt", "leak-cobalt", "other-cobalt"} <= set(hit_of)
    assert len({r["id"] for r in results}) == len(results)
    # the vetoed namesake (another registration number) is a hit of its own
    assert hit_of["other-cobalt"] != hit_of["reg-cobalt"]
    # total and facets count every matching record, exactly: the same as
    # the index's own hits, one per record, fetched without a limit
    with api.state.data() as ws:
        records = ws.index.search(SearchQuery("Cobalt Marine", limit=10_000))
    assert data["total"] == len(records) >= len(results)
    expected: dict[str, Counter[str]] = {k: Counter() for k in ("schema", "dataset", "country")}
    for hit in records:
        expected["schema"][hit.schema] += 1
        expected["dataset"].update(hit.datasets)
        expected["country"].update(hit.countries)
    assert data["facets"] == {name: dict(counts) for name, counts in expected.items()}
    # largest first
    counts = list(data["facets"]["dataset"].values())
    assert counts == sorted(counts, reverse=True)


def test_search_filters_and_limit(api: Api) -> None:
    params = {"q": "Petrov", "schema": "Person", "dataset": "leak", **SCOPE}
    data = api.get("vera", "/search", params=params).json()
    # the leak's record of Petrov, shown as the resolved person it belongs to
    (hit,) = data["results"]
    assert hit["members"] == ["leak-ivan"] and hit["datasets"] == ["leak"]
    assert hit["id"] == api.get("vera", "/entities/leak-ivan", params=SCOPE).json()["id"]
    limited = api.get("vera", "/search", params={"q": "Cobalt", "limit": 1, **SCOPE}).json()
    assert len(limited["results"]) == 1 and limited["total"] >= 2
    assert sum(limited["facets"]["schema"].values()) == limited["total"]


def test_entity_page_has_sources_relations_and_merge(api: Api) -> None:
    data = api.get("mark", "/entities/p-ivan", params=SCOPE).json()
    assert data["members"] == ["leak-ivan", "p-ivan"]
    names = {v["value"]: v for v in data["properties"]["name"]}
    assert names["Ivan Petrov"] == {
        "value": "Ivan Petrov",
        "original_value": None,
        "dataset": "registry",
        "source": "registry.ftm.json",
        "source_line": 1,
        "entity_id": "p-ivan",
    }
    assert names["Петров Иван"]["dataset"] == "leak"
    merge = data["merge"]
    assert merge["members"] == ["leak-ivan", "p-ivan"]
    (pair,) = merge["evidence"]
    assert {pair["left_id"], pair["right_id"]} == {"leak-ivan", "p-ivan"}
    assert pair["evidence"]
    relations = {(r["edge_type"], r["direction"], r["other"]["id"]) for r in data["relations"]}
    assert relations == {("Ownership", "out", "c-alpha"), ("Directorship", "out", "c-beta")}
    ownership = next(r for r in data["relations"] if r["edge_type"] == "Ownership")
    assert ownership["edge"]["percentage"] == 60.0 and ownership["edge"]["statement_ids"]
    assert ownership["other"]["caption"] == "Alpha Holding Ltd"


def test_an_unmerged_entity_has_no_merge(api: Api) -> None:
    data = api.get("mark", "/entities/c-beta", params=SCOPE).json()
    assert data["merge"] is None and data["members"] == ["c-beta"]
    incoming = {r["other"]["id"] for r in data["relations"] if r["direction"] == "in"}
    assert incoming >= {"c-alpha"}


def test_graph_neighbours_path_and_owners(api: Api) -> None:
    hood = api.get("vera", "/graph/neighbours/c-beta", params={"type": "Ownership", **SCOPE}).json()
    assert hood["center"]["id"] == "c-beta"
    assert {n["id"] for n in hood["nodes"]} == {"c-beta", "c-alpha", "c-gamma"}
    assert {e["type"] for e in hood["edges"]} == {"Ownership"}
    path = api.get(
        "vera", "/graph/path", params={"source": "pb-ministry", "target": "c-beta", **SCOPE}
    )
    (found,) = path.json()["paths"]
    assert found["nodes"][0]["id"] == "pb-ministry" and found["nodes"][-1]["id"] == "c-beta"
    assert all(hop["edges"] for hop in found["hops"])
    owners = api.get("vera", "/graph/owners/c-gamma", params={"threshold": 25, **SCOPE}).json()
    (top,) = owners["owners"]
    assert top["members"] == ["leak-ivan", "p-ivan"] and top["share"] == 30.0
    assert [h["edges"][0]["edge_id"] for h in top["chains"][0]["hops"]] == ["o1", "o2", "o3"]


def test_review_queue_and_judgements(api: Api) -> None:
    data = api.get("mark", "/review", params={"limit": 10}).json()
    cases = data["cases"]
    assert cases and data["remaining"] >= len(cases)
    case = cases[0]
    assert {"candidate", "cluster", "candidate_members", "cluster_members", "evidence"} <= set(case)
    summary = {"id", "caption", "schema", "datasets", "properties"}
    assert set(case["candidate_entity"]) == set(case["cluster_entity"]) == summary
    assert case["evidence"]["evidence"]
    left, right = case["candidate"], case["cluster"]
    body = {"candidate": left, "cluster": right, "judgement": "same", **SCOPE}
    decided = api.post("mark", "/review/decisions", json=body).json()
    assert decided["ok"] is True
    merged = api.get("mark", f"/entities/{left}", params=SCOPE).json()
    assert merged["id"] == decided["canonical_id"]
    assert set(case["candidate_members"]) | set(case["cluster_members"]) <= set(merged["members"])
    assert merged["merge"]["judgements"][-1]["user"] == "mark"
    remaining = api.get("mark", "/review", params={"limit": 10}).json()["cases"]
    assert (left, right) not in {(c["candidate"], c["cluster"]) for c in remaining}
    # a pair judgement still works, and "not same" splits them again
    pair = {"left_id": case["candidate_members"][0], "right_id": case["cluster_members"][0]}
    body = {**pair, "judgement": "not-same", **SCOPE}
    assert api.post("mark", "/judgements", json=body).status_code == 200
    members = api.get("mark", f"/entities/{pair['left_id']}", params=SCOPE).json()["members"]
    assert pair["right_id"] not in members
    preview = api.post("mark", "/review/bulk", json={"rule": "legal-form-only"}).json()
    assert preview["applied"] is False and isinstance(preview["cases"], list)


def test_search_waits_for_a_busy_workspace(api: Api) -> None:
    """A search runs at once when the workspace is free, and otherwise waits
    in a worker thread for the request holding it (an ingest, an export)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with api.state.data():
            held.set()
            release.wait(20)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    answers: list[Any] = []
    asker = threading.Thread(
        target=lambda: answers.append(api.get("vera", "/search", params={"q": "Cobalt", **SCOPE}))
    )
    asker.start()
    asker.join(0.5)
    assert asker.is_alive() and not answers  # waiting for the workspace
    release.set()
    asker.join(20)
    holder.join(5)
    assert answers[0].status_code == 200 and answers[0].json()["results"]
