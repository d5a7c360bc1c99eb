"""Jobs over the API: an upload queued as an ingest job answers at once and
loads in the background; the server answers searches while the job reads
its file; a job can be cancelled (and stores nothing); resolve, reindex,
mention tagging and retention sweeps run as jobs; every start, cancel and
end is in the audit log; who may see and cancel what."""

from __future__ import annotations

from typing import Any

from tests.helpers.api import API, PURPOSE, Api
from tests.helpers.jobs import held, in_thread, wait_for_end
from threadline.access.jobs import JobState
from threadline.workspace import Workspace

CSV = (
    "member_no,full_name,dob,country\n"
    "17,Oksana Marchenko,1975-02-03,ua\n"
    "18,Taras Bondar,1981-11-30,ua\n"
)


def upload(dataset: str, name: str = "members.csv") -> dict[str, Any]:
    return {
        "data": {
            "dataset": dataset,
            "schema": "Person",
            "map": ["name=full_name", "birthDate=dob", "nationality=country"],
            "key": ["member_no"],
        },
        "files": {"file": (name, CSV.encode(), "text/csv")},
    }


def actions_on(api: Api, target: str) -> list[tuple[str, str]]:
    entries = api.access.audit.log.entries(limit=10_000)
    return [(e.action, e.actor) for e in entries if e.target == target]


def test_an_uploaded_ingest_runs_as_a_job_and_is_audited(api: Api) -> None:
    response = api.post("mark", "/jobs/ingest", **upload("jobmembers"))
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["kind"] == "ingest" and job["owner"] == "mark"
    ended = wait_for_end(api.access.jobs, job["id"])
    assert ended.state is JobState.DONE, ended.error
    assert ended.result is not None and ended.result["records"] == 2
    shown = api.get("mark", f"/jobs/{job['id']}").json()
    assert shown["state"] == "done" and shown["progress"] == 1.0
    assert any("2 records" in line for line in shown["log"])
    hits = api.get("mark", "/search", params={"q": "Oksana Marchenko", "purpose": PURPOSE})
    assert hits.json()["total"] >= 1
    assert actions_on(api, job["id"]) == [("job.start", "mark"), ("job.end", "mark")]
    assert ("ingest", "mark") in actions_on(api, "jobmembers")
    # the uploaded file the job owned is gone
    assert not (api.state.workspace_path / "tmp" / "jobs" / job["id"]).exists()


def test_the_server_answers_while_a_job_reads_its_file(api: Api) -> None:
    with held(Workspace, "read_isolated") as (reached, release):
        job = api.post("mark", "/jobs/ingest", **upload("whilereading")).json()
        assert reached.wait(60)
        # the job is reading: searches, entity views and the job list still answer
        search = in_thread(
            lambda: api.get("mark", "/search", params={"q": "Ivan Petrov", "purpose": PURPOSE})
        )
        assert search.status_code == 200
        view = {"purpose": PURPOSE}
        entity = in_thread(lambda: api.get("mark", "/entities/c-alpha", params=view))
        assert entity.status_code == 200
        listed = in_thread(lambda: api.get("olga", "/jobs"))
        running = [j for j in listed.json()["jobs"] if j["id"] == job["id"]]
        assert running[0]["state"] == "running"
        release.set()
    assert wait_for_end(api.access.jobs, job["id"]).state is JobState.DONE


def test_a_cancelled_ingest_job_stores_nothing(api: Api) -> None:
    with held(Workspace, "read_isolated") as (reached, release):
        job = api.post("mark", "/jobs/ingest", **upload("cancelled")).json()
        assert reached.wait(60)
        # another analyst may not stop mark's job; an admin may
        refused = api.post("nina", f"/jobs/{job['id']}/cancel")
        assert refused.status_code == 403
        answer = api.post("ada", f"/jobs/{job['id']}/cancel")
        assert answer.status_code == 200 and answer.json()["cancel_requested"]
        release.set()
    ended = wait_for_end(api.access.jobs, job["id"])
    assert ended.state is JobState.CANCELLED
    with api.state.data() as ws:
        assert "cancelled" not in {d.name for d in ws.datasets()}
        assert not list((ws.path / "tmp").glob("spool-*"))
    assert actions_on(api, job["id"]) == [
        ("job.start", "mark"),
        ("job.cancel", "ada"),
        ("job.end", "mark"),
    ]
    refusals = [e for e in api.access.audit.log.entries(limit=10_000) if e.action == "refused"]
    assert refusals[-1].actor == "nina" and job["id"] in str(refusals[-1].target)
    assert actions_on(api, "cancelled") == []  # no ingest recorded: nothing was loaded
    again = api.post("mark", f"/jobs/{job['id']}/cancel")
    assert again.status_code == 409  # it has finished


def test_resolve_reindex_mentions_and_sweep_run_as_jobs(api: Api) -> None:
    for kind, params, action in [
        ("reindex", {}, "reindex"),
        ("resolve", {"merge_threshold": 0.95, "review_threshold": 0.5}, "resolve"),
        ("mentions", {"dataset": "registry"}, "mentions"),
        ("retention_sweep", {"dry_run": True}, "retention.sweep"),
    ]:
        response = api.post("olga", "/jobs", json={"kind": kind, "params": params})
        assert response.status_code == 202, response.text
        ended = wait_for_end(api.access.jobs, response.json()["id"])
        assert ended.state is JobState.DONE, (kind, ended.error)
        entries = api.access.audit.log.entries(limit=10_000)
        assert any(e.action == action and e.details.get("job") == ended.id for e in entries)
    reindexed = next(j for j in api.access.jobs.recent() if j.kind == "reindex")
    assert reindexed.result is not None and reindexed.result["indexed"] > 0


def test_bad_job_requests_are_refused_before_anything_is_queued(api: Api) -> None:
    before = len(api.access.jobs.recent(limit=1000))
    for body, status in [
        ({"kind": "ingest", "params": {"path": "/etc/passwd", "dataset": "x"}}, 422),
        ({"kind": "resolve", "params": {"merge_threshold": "high"}}, 400),
        ({"kind": "resolve", "params": {"merge_threshold": 0.2, "review_threshold": 0.9}}, 400),
        ({"kind": "mentions", "params": {}}, 400),
        ({"kind": "reindex", "params": {"surprise": 1}}, 400),
    ]:
        response = api.post("olga", "/jobs", json=body)
        assert response.status_code == status, (body, response.text)
    assert len(api.access.jobs.recent(limit=1000)) == before
    assert api.get("olga", "/jobs/nosuchjob").status_code == 404


def test_a_failed_job_says_why(api: Api) -> None:
    response = api.post("olga", "/jobs", json={"kind": "mentions", "params": {"dataset": "nope"}})
    ended = wait_for_end(api.access.jobs, response.json()["id"])
    assert ended.state is JobState.FAILED
    assert ended.error is not None and "no dataset named 'nope'" in ended.error
    shown = api.get("olga", f"/jobs/{ended.id}").json()
    assert shown["error"] == ended.error
    assert any("nope" in line for line in shown["log"])


def test_the_jobs_page_is_served(api: Api) -> None:
    page = api.client.get("/jobs")
    assert page.status_code == 200
    assert 'src="/static/jobs.js"' in page.text
    assert api.client.get("/static/jobs.js").status_code == 200


def test_viewers_see_no_jobs(api: Api) -> None:
    assert api.get("vera", "/jobs").status_code == 403
    assert api.client.get(API + "/jobs").status_code == 401


def test_a_bad_upload_fails_its_job_naming_the_file_and_line(api: Api) -> None:
    bad = upload("badjob", name="broken.csv")
    bad["files"] = {"file": ("broken.csv", b"id,full_name\n1,\xff\xfe bad\n", "text/csv")}
    bad["data"] = {**bad["data"], "map": ["name=full_name"], "key": ["id"]}
    job = api.post("mark", "/jobs/ingest", **bad).json()
    ended = wait_for_end(api.access.jobs, job["id"])
    assert ended.state is JobState.FAILED
    assert ended.error is not None and "broken.csv" in ended.error
    assert str(api.state.workspace_path) not in ended.error  # no server path
    with api.state.data() as ws:
        assert "badjob" not in {d.name for d in ws.datasets()}
