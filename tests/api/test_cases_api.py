"""Cases as need-to-know compartments, through the API: members read notes
and entities; non-members and admins do not; only the owner adds members,
and a change of membership applies on the next request."""

from __future__ import annotations

from tests.helpers.api import Api


def test_members_see_notes_and_entities(api: Api) -> None:
    base = f"/cases/{api.case_id}"
    note = api.post(
        "mark", f"{base}/notes", json={"text": "Gamma won the tender", "entity_id": "c-gamma"}
    )
    assert note.status_code == 201
    assert note.json()["text"] == "Gamma won the tender"
    assert note.json()["entity_id"] == "c-gamma"
    assert api.post("olga", f"{base}/entities", json={"entity_id": "c-beta"}).status_code == 201
    for reader in ("olga", "mark", "vera"):
        case = api.get(reader, base).json()
        assert case["title"] == "Harbour contracts" and case["owner"] == "olga"
        notes = {n["text"]: n for n in case["notes"]}
        assert notes["Gamma won the tender"]["entity_id"] == "c-gamma"
        assert notes["Gamma won the tender"]["entity_caption"] == "Gamma Supplies"
        assert notes["Gamma won the tender"]["author"] == "mark"
        entities = {e["entity_id"]: e for e in case["entities"]}
        assert entities["c-beta"]["caption"] == "Beta Trading LLC"
        assert entities["c-beta"]["added_by"] == "olga"
        relations = {m["name"]: m["relation"] for m in case["members"]}
        assert relations == {"olga": "owner", "mark": "member", "vera": "member"}


def test_non_members_and_admins_cannot_read_a_case(api: Api) -> None:
    base = f"/cases/{api.case_id}"
    for outsider, role in (("nina", "analyst"), ("val", "viewer")):
        response = api.get(outsider, base)
        assert response.status_code == 403
        message = response.json()["error"]["message"]
        assert message.startswith(f"{outsider} ({role}) is not a member of case")
        assert "Gamma" not in response.text
    admin = api.get("ada", base)
    assert admin.status_code == 403
    assert admin.json()["error"]["message"] == (
        "ada (admin) may not read case notes and entity lists; only analysts and viewers may"
    )


def test_admins_see_that_cases_exist_but_are_in_none(api: Api) -> None:
    listed = {c["id"]: c for c in api.get("ada", "/cases").json()["cases"]}
    assert listed[api.case_id]["member"] is False
    assert listed[api.case_id]["title"] == "Harbour contracts"
    assert api.case_id not in {c["id"] for c in api.get("nina", "/cases").json()["cases"]}
    mine = {c["id"]: c for c in api.get("vera", "/cases").json()["cases"]}
    assert mine[api.case_id]["member"] is True


def test_viewers_read_but_do_not_write(api: Api) -> None:
    response = api.post("vera", f"/cases/{api.case_id}/notes", json={"text": "mine"})
    assert response.status_code == 403
    assert "may not write case notes" in response.json()["error"]["message"]


def test_only_the_owner_adds_members_and_it_applies_at_once(api: Api) -> None:
    base = f"/cases/{api.case_id}"
    refused = api.post("mark", f"{base}/members", json={"username": "nina"})
    assert refused.status_code == 403
    assert "only the owner of case" in refused.json()["error"]["message"]
    assert api.get("nina", base).status_code == 403
    assert api.post("olga", f"{base}/members", json={"username": "nina"}).status_code == 201
    assert api.get("nina", base).status_code == 200
    removed = api.client.delete(f"/api/v1{base}/members/nina", headers=api.headers("olga"))
    assert removed.status_code == 204 and removed.content == b""
    assert api.get("nina", base).status_code == 403


def test_membership_mistakes_are_400(api: Api) -> None:
    base = f"/cases/{api.case_id}/members"
    again = api.post("olga", base, json={"username": "mark"})
    assert again.status_code == 400
    assert again.json()["error"]["message"] == f"mark is already a member of case {api.case_id}"
    admin = api.post("olga", base, json={"username": "ada"})
    assert admin.status_code == 400
    assert "admins manage accounts and cannot read cases" in admin.json()["error"]["message"]
    nobody = api.post("olga", base, json={"username": "nobody"})
    assert nobody.status_code == 404


def test_a_new_case_belongs_to_its_creator(api: Api) -> None:
    created = api.post("nina", "/cases", json={"title": "Nina's leads", "description": "tips"})
    assert created.status_code == 201
    case = created.json()
    assert (case["title"], case["owner"], case["member"]) == ("Nina's leads", "nina", True)
    assert api.get("nina", f"/cases/{case['id']}").json()["notes"] == []
    assert api.get("olga", f"/cases/{case['id']}").status_code == 403
