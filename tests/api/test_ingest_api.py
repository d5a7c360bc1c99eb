"""Loading files over the API: a preview of columns, rows, mapped entities
and problems, then the ingest itself; bad files give a 400 naming the file
and line, and uploads over the limit a 413 before anything is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.api import API, PURPOSE, Api, make_api

UPLOAD_LIMIT = 64 * 1024
CSV = (
    "member_no,full_name,dob,country\n"
    "17,Oksana Marchenko,1975-02-03,ua\n"
    "18,Taras Bondar,1981-11-30,ua\n"
)
QUICK = {
    "dataset": "members",
    "schema": "Person",
    "map": ["name=full_name", "birthDate=dob", "nationality=country"],
    "key": ["member_no"],
}
MAPPING = """\
members:
  queries:
    - entities:
        person:
          schema: Person
          keys: [member_no]
          properties:
            name: {column: full_name}
            birthDate: {column: dob}
"""


@pytest.fixture(scope="module")
def api(workspace_copy: Path) -> Iterator[Api]:
    made = make_api(workspace_copy, max_upload_bytes=UPLOAD_LIMIT)
    yield made
    made.state.close()


def send(api: Api, path: str, content: str | bytes, name: str = "members.csv", **form: Any) -> Any:
    data = content.encode() if isinstance(content, str) else content
    files = {"file": (name, data, "text/csv")}
    return api.post("olga", path, data=form or QUICK, files=files)


def test_preview_shows_columns_rows_and_entities(api: Api) -> None:
    response = send(api, "/ingest/preview", CSV)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["columns"] == ["member_no", "full_name", "dob", "country"]
    assert preview["rows"][0] == {
        "member_no": "17",
        "full_name": "Oksana Marchenko",
        "dob": "1975-02-03",
        "country": "ua",
    }
    first, _ = preview["entities"]
    assert first["schema"] == "Person"
    assert first["properties"] == {
        "name": ["Oksana Marchenko"],
        "birthDate": ["1975-02-03"],
        "nationality": ["ua"],
    }
    assert preview["errors"] == []
    # nothing was written
    search = api.get("olga", "/search", params={"q": "Oksana Marchenko", "purpose": PURPOSE})
    assert search.json()["total"] == 0


def test_preview_reports_problems_by_line(api: Api) -> None:
    bad = CSV + "19,Ivan Sirko,not a date,ua\n"
    errors = send(api, "/ingest/preview", bad).json()["errors"]
    assert errors == [
        {
            "file": "members.csv",
            "line": 4,
            "column": "dob",
            "message": "'not a date' is not a valid date for Person.birthDate",
            "hint": "fix the value, add a `format:` to the mapping, or use --on-error skip",
        }
    ]
    typo = QUICK | {"map": ["name=fullname"]}
    errors = send(api, "/ingest/preview", CSV, **typo).json()["errors"]
    assert errors[0]["column"] == "fullname"
    assert "not in the header" in errors[0]["message"]


def test_preview_of_ftm_entities_and_a_yaml_mapping(api: Api) -> None:
    line = b'{"id": "x1", "schema": "Company", "properties": {"name": ["Odesa Port LLC"]}}\n'
    ftm = send(api, "/ingest/preview", line, name="port.ftm.json", dataset="port").json()
    assert ftm["entities"] == [
        {"id": "x1", "schema": "Company", "properties": {"name": ["Odesa Port LLC"]}}
    ]
    yaml = send(api, "/ingest/preview", CSV, dataset="members", mapping=MAPPING).json()
    assert [e["properties"]["name"] for e in yaml["entities"]] == [
        ["Oksana Marchenko"],
        ["Taras Bondar"],
    ]


def test_ingest_loads_the_file(api: Api) -> None:
    response = send(api, "/ingest", CSV)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["dataset"], report["source"], report["records"]) == ("members", "members.csv", 2)
    assert report["entities"] == 2 and report["rejected"] == 0
    search = api.get("olga", "/search", params={"q": "Taras Bondar", "purpose": PURPOSE}).json()
    (hit,) = search["results"]
    entity = api.get("olga", f"/entities/{hit['id']}", params={"purpose": PURPOSE}).json()
    (name,) = entity["properties"]["name"]
    assert (name["dataset"], name["source"], name["source_line"]) == ("members", "members.csv", 3)


def test_a_bad_file_is_a_400_naming_file_and_line(api: Api) -> None:
    ragged = CSV + "20,Too,Many,Cells,Here\n"
    response = send(api, "/ingest", ragged, name="ragged.csv")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert error["message"].startswith("ragged.csv, line 4: ")
    assert "/tmp" not in error["message"]
    typo = send(api, "/ingest", CSV, **(QUICK | {"map": ["name=fullname"]}))
    assert typo.status_code == 400
    assert typo.json()["error"]["message"].startswith(
        "members.csv, line 1, column 'fullname': column 'fullname' used by --map"
    )
    bad_yaml = send(api, "/ingest", CSV, dataset="members", mapping="members: [")
    assert bad_yaml.status_code == 400
    assert bad_yaml.json()["error"]["message"].startswith("the mapping")
    # the server's temporary folder never shows, in the location or in the YAML parser's text
    assert "threadline-upload" not in bad_yaml.json()["error"]["message"]
    loop = "members:\n  queries:\n    - &q\n      entities: {}\n      again: *q\n"
    looped = send(api, "/ingest", CSV, dataset="members", mapping=loop)
    assert looped.status_code == 400
    assert "contains itself" in looped.json()["error"]["message"]
    not_ftm = send(api, "/ingest", b"hello\n", name="notes.json", dataset="notes")
    assert not_ftm.status_code == 400
    assert "notes.json" in not_ftm.json()["error"]["message"]


def test_skip_loads_the_good_rows(api: Api) -> None:
    bad = CSV + "19,Ivan Sirko,not a date,ua\n"
    form = QUICK | {"dataset": "members2", "on_error": "skip"}
    report = send(api, "/ingest", bad, **form).json()
    assert (report["records"], report["rejected"]) == (3, 1)
    assert report["rejects_path"].endswith(".jsonl") and "/" not in report["rejects_path"]


def test_missing_form_fields_are_422(api: Api) -> None:
    response = api.post("olga", "/ingest", data={"dataset": "x"})
    assert response.status_code == 422
    assert "body.file" in [f["field"] for f in response.json()["error"]["fields"]]


def test_uploads_over_the_limit_are_413(api: Api) -> None:
    big = CSV + "".join(f"{n},Person {n},1970-01-01,ua\n" for n in range(5000))
    assert len(big) > UPLOAD_LIMIT
    response = send(api, "/ingest", big, name="big.csv")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large" and f"{UPLOAD_LIMIT:,} bytes" in error["message"]


def test_chunked_uploads_over_the_limit_are_413(api: Api) -> None:
    """No Content-Length: the body is counted as it arrives."""
    boundary = "threadline-test"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="dataset"\r\n\r\nbig\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(20):
            yield b"x" * 8192

    response = api.client.post(
        f"{API}/ingest",
        content=body(),
        headers={
            **api.headers("olga"),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
