"""Masking of personal details: viewers see them masked everywhere; a case's
owner can mask them for everyone in the case; a masked value is revealed one
at a time, with a reason that the audit log keeps (the value it never keeps)."""

from __future__ import annotations

from typing import Any

from tests.helpers.api import PURPOSE, Api

OLENA = "/entities/p-olena"
PERSONAL = {"birthDate", "idNumber", "address", "phone", "email"}


def _values(page: dict[str, Any], prop: str) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = page["properties"][prop]
    return values


def test_viewers_see_personal_details_masked(api: Api) -> None:
    page = api.get("val", OLENA, params={"purpose": PURPOSE}).json()
    assert page["masked"] is True
    for prop in PERSONAL:
        for item in _values(page, prop):
            assert item["masked"] is True and "value" not in item, (prop, item)
            assert item["source"] and item["dataset"] == "registry"  # provenance stays
    # what is not personal stays readable
    assert [v["value"] for v in _values(page, "name")] == ["Olena Koval"]
    assert [v["value"] for v in _values(page, "country")] == ["ua"]
    for secret in ("1980-05-06", "AB123456", "Harbour Street", "123 4567", "olena@"):
        assert secret not in str(page)


def test_analysts_see_them_unless_the_case_masks_them(api: Api) -> None:
    page = api.get("mark", OLENA, params={"purpose": PURPOSE}).json()
    assert page["masked"] is False
    assert [v["value"] for v in _values(page, "birthDate")] == ["1980-05-06"]
    base = f"/cases/{api.case_id}"
    # only the owner decides, and the choice is audited
    put = api.client.put
    refused = put(
        f"/api/v1{base}/policy", json={"mask_sensitive": True}, headers=api.headers("mark")
    )
    assert refused.status_code == 403
    done = put(f"/api/v1{base}/policy", json={"mask_sensitive": True}, headers=api.headers("olga"))
    assert done.status_code == 200
    (entry,) = api.access.audit.log.entries(1, action="case.policy")
    assert entry.actor == "olga" and entry.details == {"mask_sensitive": True}
    assert api.get("olga", base).json()["mask_sensitive"] is True
    try:
        in_case = api.get("mark", OLENA, params={"case": api.case_id}).json()
        assert in_case["masked"] is True
        assert "1980-05-06" not in str(in_case)
        # outside the case, the analyst's role decides again
        outside = api.get("mark", OLENA, params={"purpose": PURPOSE}).json()
        assert outside["masked"] is False
    finally:
        put(f"/api/v1{base}/policy", json={"mask_sensitive": False}, headers=api.headers("olga"))


def test_a_reveal_returns_one_value_and_records_the_reason(api: Api) -> None:
    page = api.get("val", OLENA, params={"purpose": PURPOSE}).json()
    (birth,) = _values(page, "birthDate")
    body = {"property": "birthDate", "ref": birth["ref"], "purpose": PURPOSE}
    # a reason is required
    missing = api.post("val", f"{OLENA}/reveal", json={**body, "reason": " "})
    assert missing.status_code == 400
    shown = api.post("val", f"{OLENA}/reveal", json={**body, "reason": "confirm identity"})
    assert shown.status_code == 200, shown.text
    assert shown.json()["value"] == "1980-05-06"
    assert shown.json()["source"] == birth["source"]
    (entry,) = api.access.audit.log.entries(1, action="reveal")
    assert entry.actor == "val" and entry.target == "p-olena"
    assert entry.details == {"property": "birthDate", "reason": "confirm identity"}
    assert "1980-05-06" not in str(entry)  # the log holds the reason, not the value


def test_a_reference_reveals_only_its_own_value(api: Api) -> None:
    page = api.get("val", OLENA, params={"purpose": PURPOSE}).json()
    (phone,) = _values(page, "phone")
    for wrong in (
        {"property": "birthDate", "ref": phone["ref"]},  # another property
        {"property": "phone", "ref": "0" * 24},  # a guess
        {"property": "name", "ref": phone["ref"]},  # not masked at all
    ):
        body = {**wrong, "reason": "curious", "purpose": PURPOSE}
        response = api.post("val", f"{OLENA}/reveal", json=body)
        assert response.status_code == 404, (wrong, response.text)
    assert not [
        e
        for e in api.access.audit.log.entries(20, action="reveal")
        if e.actor == "val" and e.details.get("reason") == "curious"
    ]
    # a reveal needs a case or purpose like any read
    no_purpose = {"property": "phone", "ref": phone["ref"], "reason": "check"}
    assert api.post("val", f"{OLENA}/reveal", json=no_purpose).status_code in (400, 403)


def test_the_same_value_gets_another_reference_on_another_server(api: Api) -> None:
    from threadline.access.masking import Masking

    first = api.access.masking.ref("p-olena", "birthDate", "1980-05-06")
    other = Masking(api.access.cases, api.access.settings)
    assert other.ref("p-olena", "birthDate", "1980-05-06") != first
