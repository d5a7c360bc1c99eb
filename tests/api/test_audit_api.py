"""Audit from day one: a search needs a case or a stated purpose, and every
search, entity view, export, judgement and merge made over the API is in
the audit log with who, which case and why; the chain still verifies."""

from __future__ import annotations

from typing import Any

from tests.helpers.api import PURPOSE, Api
from threadline.access import AuditEntry


def last(api: Api, action: str) -> AuditEntry:
    entries = api.access.audit.log.entries(1, action=action)
    assert entries, f"no {action} entry"
    return entries[-1]


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def test_a_search_needs_a_case_or_a_purpose(api: Api) -> None:
    status, code, message = error(api.get("mark", "/search", params={"q": "Petrov"}))
    assert (status, code) == (400, "purpose_required")
    assert "a search needs a case or a stated purpose" in message
    blank = api.get("mark", "/search", params={"q": "Petrov", "purpose": "   "})
    assert error(blank)[:2] == (400, "purpose_required")
    # a case the user is not in is refused, purpose or not
    outsider = api.get("nina", "/search", params={"q": "x", "case": api.case_id, "purpose": "p"})
    status, code, message = error(outsider)
    assert (status, code) == (403, "permission_denied")
    assert "nina (analyst) is not a member of case" in message
    assert "its owner can add them" in message


def test_search_is_recorded_with_filters_and_result_count(api: Api) -> None:
    params = {"q": "Cobalt Marine", "schema": "Company", "purpose": PURPOSE}
    response = api.get("mark", "/search", params=params)
    assert response.status_code == 200
    entry = last(api, "search")
    assert (entry.actor, entry.purpose, entry.case_id) == ("mark", PURPOSE, None)
    assert entry.target == "Cobalt Marine"
    page = response.json()
    assert entry.details == {
        "filters": {"schema": "Company"},
        "results": page["total"],
        "documents": len(page["documents"]),
    }
    assert entry.details["results"] >= 3


def test_search_in_a_case_is_recorded_with_the_case(api: Api) -> None:
    response = api.get("vera", "/search", params={"q": "Gamma", "case": api.case_id})
    assert response.status_code == 200
    entry = last(api, "search")
    assert (entry.actor, entry.case_id, entry.purpose) == ("vera", api.case_id, None)


def test_entity_view_is_recorded(api: Api) -> None:
    assert api.get("mark", "/entities/c-beta", params={"case": api.case_id}).status_code == 200
    entry = last(api, "view")
    assert (entry.actor, entry.case_id, entry.target) == ("mark", api.case_id, "c-beta")
    refused = api.get("mark", "/entities/c-beta")
    assert error(refused)[:2] == (400, "purpose_required")


def test_graph_reads_with_a_purpose_are_recorded_as_views(api: Api) -> None:
    response = api.get("mark", "/graph/owners/c-gamma", params={"purpose": PURPOSE})
    assert response.status_code == 200
    entry = last(api, "view")
    assert (entry.target, entry.details, entry.purpose) == (
        "c-gamma",
        {"graph": "owners"},
        PURPOSE,
    )


def test_export_is_recorded_with_its_size(api: Api) -> None:
    response = api.get("olga", "/export", params={"format": "ftm", "purpose": PURPOSE})
    assert response.status_code == 200
    entry = last(api, "export")
    rows = len(response.content.splitlines())
    assert entry.actor == "olga" and entry.purpose == PURPOSE and entry.target == "workspace"
    assert entry.details == {"format": "ftm", "rows": rows, "truncated": False}


def test_judgements_and_merges_are_recorded(api: Api) -> None:
    body = {"left_id": "reg-cobalt", "right_id": "leak-cobalt", "judgement": "same"}
    response = api.post("olga", "/judgements", json=body | {"case": api.case_id})
    assert response.status_code == 200
    judgement, merge = api.access.audit.log.entries(2)
    assert (judgement.action, judgement.actor, judgement.case_id) == (
        "judgement",
        "olga",
        api.case_id,
    )
    assert judgement.target == "reg-cobalt,leak-cobalt"
    assert judgement.details == {"judgement": "same"}
    assert (merge.action, merge.details) == (
        "merge",
        {"entity_ids": ["reg-cobalt", "leak-cobalt"]},
    )
    # not the same: a judgement, no merge
    body["judgement"] = "not-same"
    assert api.post("olga", "/judgements", json=body | {"purpose": PURPOSE}).status_code == 200
    assert [e.action for e in api.access.audit.log.entries(2)] == ["merge", "judgement"]
    refused = api.post("olga", "/judgements", json=body)
    assert error(refused)[:2] == (400, "purpose_required")


def test_admins_read_the_log_and_verify_it(api: Api) -> None:
    response = api.get("ada", "/audit", params={"limit": 1000})
    assert response.status_code == 200
    actions = {e["action"] for e in response.json()["entries"]}
    assert {"search", "view", "export", "judgement", "merge", "login"} <= actions
    assert last(api, "audit.read").actor == "ada"
    report = api.get("ada", "/audit/verify").json()
    assert report["ok"] is True and report["first_bad"] is None
    assert report["entries"] == api.access.audit.log.count()
    assert api.access.audit.log.verify().ok


def test_case_activity_shows_the_case_s_entries_to_members(api: Api) -> None:
    api.get("mark", "/search", params={"q": "Alpha", "case": api.case_id})
    events = api.get("vera", f"/cases/{api.case_id}/activity").json()["events"]
    assert events and all(e["case_id"] == api.case_id for e in events)
    assert any(e["action"] == "search" and e["target"] == "Alpha" for e in events)
    assert api.get("ada", f"/cases/{api.case_id}/activity").status_code == 403


def test_refusals_of_logged_in_users_are_recorded(api: Api) -> None:
    # a non-member naming the case, and a search with no reason at all
    before = len(api.access.audit.log.entries(1000, action="refused"))
    outsider = api.get("nina", "/entities/c-alpha", params={"case": api.case_id})
    assert outsider.status_code == 403
    no_reason = api.get("val", "/search", params={"q": "Ivan"})
    assert no_reason.status_code == 400
    refused = api.access.audit.log.entries(2, action="refused")
    by_actor = {e.actor: e for e in refused}
    assert by_actor["nina"].target == "GET /api/v1/entities/c-alpha"
    assert by_actor["nina"].details["case"] == api.case_id
    assert "not a member" in str(by_actor["nina"].details["reason"])
    assert by_actor["val"].target == "GET /api/v1/search"
    # no session, no entry: anyone could fill the log with those
    assert api.get(None, "/search", params={"q": "Ivan"}).status_code == 401
    assert len(api.access.audit.log.entries(1000, action="refused")) == before + 2
