"""Exports over the API: an allow-list of fields (no personal details),
capped, watermarked with who, when and why, and safe to open in a
spreadsheet; a case export holds the case's entities only."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from tests.helpers.api import PURPOSE, Api


def rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_csv_export_is_allow_listed_escaped_and_watermarked(api: Api) -> None:
    response = api.get("olga", "/export", params={"format": "csv", "purpose": PURPOSE})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="threadline-')
    assert response.headers["cache-control"] == "no-store"
    rows = {row["id"]: row for row in rows_of(response.content)}
    header = list(next(iter(rows.values())))
    assert header[:4] == ["id", "schema", "caption", "datasets"] and header[-1] == "watermark"
    for personal in ("birthDate", "idNumber", "address", "phone", "email", "nationality"):
        assert personal not in header
    olena = rows["p-olena"]
    assert olena["name"] == "Olena Koval" and olena["country"] == "ua"
    assert "AB123456" not in response.text and "Harbour Street" not in response.text
    # a hostile cell is text, not a formula
    assert rows["c-hostile"]["name"].startswith("'=HYPERLINK(")
    assert rows["c-hostile"]["caption"].startswith("'=HYPERLINK(")
    watermark = olena["watermark"]
    assert watermark.startswith("Threadline export by olga at ")
    assert watermark.endswith(f"purpose: {PURPOSE}")
    assert response.headers["x-threadline-watermark"] == watermark
    assert int(response.headers["x-threadline-rows"]) == len(rows)
    assert response.headers["x-threadline-truncated"] == "false"
    assert rows["o1"]["owner"] == "p-ivan" and rows["o1"]["percentage"] == "60"


def test_ftm_export_lines(api: Api) -> None:
    response = api.get("mark", "/export", params={"format": "ftm", "purpose": PURPOSE})
    lines = [json.loads(line) for line in response.content.splitlines()]
    by_id = {line["id"]: line for line in lines}
    olena = by_id["p-olena"]
    assert olena["schema"] == "Person"
    assert olena["properties"] == {"name": ["Olena Koval"], "country": ["ua"]}
    assert olena["watermark"].startswith("Threadline export by mark at ")


def test_case_export_holds_the_case_entities_only(api: Api) -> None:
    base = f"/cases/{api.case_id}/entities"
    for entity_id in ("c-alpha", "c-gamma", "not-loaded-yet"):
        assert api.post("olga", base, json={"entity_id": entity_id}).status_code == 201
    response = api.get("mark", "/export", params={"format": "csv", "case": api.case_id})
    assert response.status_code == 200
    assert sorted(row["id"] for row in rows_of(response.content)) == ["c-alpha", "c-gamma"]
    assert response.headers["x-threadline-watermark"].endswith(f"case {api.case_id}")
    assert api.get("nina", "/export", params={"case": api.case_id}).status_code == 403
    both = api.get("mark", "/export", params={"case": api.case_id, "dataset": "registry"})
    assert both.status_code == 400


def test_exports_are_capped(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    state = api.state
    monkeypatch.setattr(state, "settings", dataclasses.replace(state.settings, export_max_rows=5))
    response = api.get("olga", "/export", params={"format": "csv", "purpose": PURPOSE})
    rows = rows_of(response.content)
    assert len(rows) == 5
    assert response.headers["x-threadline-truncated"] == "true"
    assert rows[0]["watermark"].endswith("; cut off at 5 entities")
    entry = api.access.audit.log.entries(1, action="export")[0]
    assert entry.details == {"format": "csv", "rows": 5, "truncated": True}


def test_dataset_exports(api: Api) -> None:
    params = {"format": "csv", "purpose": PURPOSE, "dataset": "leak"}
    rows = rows_of(api.get("olga", "/export", params=params).content)
    assert {row["datasets"] for row in rows} == {"leak"}
    missing = api.get("olga", "/export", params=params | {"dataset": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "no dataset named 'nope'"


def test_viewers_and_admins_do_not_export(api: Api) -> None:
    for name in ("vera", "ada"):
        response = api.get(name, "/export", params={"purpose": PURPOSE})
        assert response.status_code == 403
        assert "may not export" in response.json()["error"]["message"]
