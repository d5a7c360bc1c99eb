"""``threadline jobs``: list, show and cancel jobs from the command line,
against the app database alone (so they work beside a running server), with
the cancel recorded in the audit log under the local operator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from threadline.access import AccessControl
from threadline.access.jobs import JobState, this_runner

Cli = Callable[..., tuple[int, str, str]]


def test_jobs_are_listed_shown_and_cancelled(cli: Cli, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    w = ["-w", str(ws)]
    assert cli("init", str(ws))[0] == 0
    code, _out, err = cli(*w, "jobs")
    assert code == 0 and "No jobs yet" in err
    with AccessControl.for_workspace(ws) as access:
        queued = access.jobs.create("olga", "reindex", {})
        running = access.jobs.create("mark", "resolve", {})
        access.jobs.start(running.id, this_runner())
        access.jobs.progress(running.id, 0.5, "Scoring candidate pairs")
        access.jobs.log(running.id, "Reading match features")
        dead = access.jobs.create("mark", "ingest", {"dataset": "x"})
        access.jobs.start(dead.id, "nohost:1:1")  # a host that is not this one: left alone

    code, out, _err = cli(*w, "jobs", "--json")
    assert code == 0
    listed = {job["id"]: job for job in json.loads(out)}
    assert listed[running.id]["state"] == "running"
    assert listed[running.id]["progress"] == 0.5
    assert listed[queued.id]["state"] == "queued"

    code, out, _err = cli(*w, "jobs", "show", running.id)
    assert code == 0
    assert "Scoring candidate pairs" in out and "Reading match features" in out

    code, _out, err = cli(*w, "jobs", "cancel", queued.id)
    assert code == 0 and "cancelled" in err
    code, _out, err = cli(*w, "jobs", "cancel", running.id)
    assert code == 0 and "Asked job" in err
    assert cli(*w, "jobs", "cancel", queued.id)[0] == 12  # already finished
    assert cli(*w, "jobs", "show", "nosuchjob")[0] == 4

    with AccessControl.for_workspace(ws) as access:
        assert access.jobs.get(queued.id).state is JobState.CANCELLED
        flagged = access.jobs.get(running.id)
        assert flagged.state is JobState.RUNNING and flagged.cancel_requested
        entries = [(e.action, e.actor, e.target) for e in access.audit.log.entries(limit=100)]
    cancels = [(a, t) for a, actor, t in entries if actor.startswith("local:")]
    assert cancels == [("job.cancel", queued.id), ("job.cancel", running.id)]
    assert ("job.end", "olga", queued.id) in entries  # a queued job ends at once


def test_a_job_of_a_dead_command_line_process_shows_as_interrupted(
    cli: Cli, tmp_path: Path
) -> None:
    import subprocess
    import sys

    ws = tmp_path / "ws"
    assert cli("init", str(ws))[0] == 0
    gone = subprocess.run(
        [sys.executable, "-c", "from threadline.access.jobs import this_runner; "
         "print(this_runner())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    with AccessControl.for_workspace(ws) as access:
        job = access.jobs.create("olga", "ingest", {})
        access.jobs.start(job.id, gone)
    code, out, _err = cli("-w", str(ws), "jobs", "--json")
    assert code == 0
    (shown,) = json.loads(out)
    assert shown["state"] == "failed" and shown["error"].startswith("interrupted")


def test_a_job_started_without_a_server_runs_here(cli: Cli, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    w = ["-w", str(ws)]
    assert cli("init", str(ws))[0] == 0
    (tmp_path / "people.csv").write_text("id,name\n1,Ivan Petrov\n2,Anna Ivanova\n", "utf-8")
    params = ["-p", "dataset=people", "-p", "schema=Person", "-p", "maps=name=name"]
    code, out, _err = cli(
        *w, "jobs", "start", "ingest", "-p", f"path={tmp_path / 'people.csv'}", *params, "--json"
    )
    assert code == 0, _err
    job = json.loads(out)
    assert job["state"] == "done" and job["result"]["records"] == 2
    code, out, _err = cli(*w, "datasets", "--json")
    assert [d["name"] for d in json.loads(out)] == ["people"]
    # a failing job: its error, and the job error's exit code
    code, _out, err = cli(*w, "jobs", "start", "mentions", "-p", "dataset=nope")
    assert code == 12 and "no dataset named 'nope'" in err
    # a bad parameter is refused before anything is queued
    code, _out, err = cli(*w, "jobs", "start", "resolve", "-p", "merge_threshold=high")
    assert code == 2 and "merge_threshold" in err
    with AccessControl.for_workspace(ws) as access:
        kinds = [(j.kind, str(j.state)) for j in access.jobs.recent()]
        actions = [e.action for e in access.audit.log.entries(limit=100)]
    assert kinds == [("mentions", "failed"), ("ingest", "done")]
    assert actions.count("job.start") == 2 and actions.count("job.end") == 2
    assert "ingest" in actions
