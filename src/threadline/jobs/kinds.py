"""The kinds of job and the work each does, over the workspace's own methods.

Each kind checks its parameters before the job is queued (a bad one is a
400 or exit 2 at once, not a failed job later) and names the audit action its
finished work is recorded under. The long part of a table upload (reading
and mapping the file in a limited worker) runs without the workspace lock,
so the server goes on answering; everything that touches the store runs
under it, since the store has one writer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadline.access.audit import Action
from threadline.errors import InputError, ResolveError
from threadline.jobs.context import JobContext

Params = dict[str, Any]
Work = Callable[[JobContext, Params], dict[str, Any]]

_TABLE_KEYS = ("schema", "format", "sheet", "mapping")


def _text(params: Mapping[str, Any], key: str, required: bool = False) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise InputError(f"job parameter {key!r} is required")
        return None
    if not isinstance(value, str):
        raise InputError(f"job parameter {key!r} must be text, not {type(value).__name__}")
    return value


def _texts(params: Mapping[str, Any], key: str) -> list[str]:
    value = params.get(key) or []
    if isinstance(value, str):
        value = [value]  # one item given alone
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"job parameter {key!r} must be a list of text")
    return list(value)


def _number(params: Mapping[str, Any], key: str) -> float | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"job parameter {key!r} must be a number")
    return float(value)


def _flag(params: Mapping[str, Any], key: str) -> bool:
    value = params.get(key, False)
    if not isinstance(value, bool):
        raise InputError(f"job parameter {key!r} must be true or false")
    return value


def _unknown(params: Mapping[str, Any], known: set[str]) -> None:
    extra = sorted(set(params) - known)
    if extra:
        raise InputError(f"unknown job parameters: {', '.join(extra)}")


# -- ingest: a table -----------------------------------------------------------------


def check_ingest(params: Mapping[str, Any]) -> Params:
    known = {"path", "dataset", "maps", "keys", "encoding", "on_error", "source_name", "isolate"}
    _unknown(params, known | set(_TABLE_KEYS))
    from threadline.ingest.pipeline import ON_ERROR_CHOICES, check_dataset_name

    dataset = _text(params, "dataset", required=True)
    assert dataset is not None
    check_dataset_name(dataset)
    on_error = _text(params, "on_error") or "fail"
    if on_error not in ON_ERROR_CHOICES:
        raise InputError(f"on_error must be one of {', '.join(ON_ERROR_CHOICES)}")
    checked: Params = {
        "path": _text(params, "path", required=True),
        "dataset": dataset,
        "maps": _texts(params, "maps"),
        "keys": _texts(params, "keys"),
        "encoding": _text(params, "encoding") or "utf-8",
        "on_error": on_error,
        "isolate": _flag(params, "isolate"),
        "source_name": _text(params, "source_name"),
    }
    for key in _TABLE_KEYS:
        checked[key] = _text(params, key)
    return checked


def run_ingest(ctx: JobContext, params: Params) -> dict[str, Any]:
    from threadline.ingest.pipeline import IngestOptions

    path = Path(params["path"])
    mapping = params.get("mapping")
    options = IngestOptions(
        dataset=params["dataset"],
        mapping=Path(mapping) if mapping else None,
        schema=params.get("schema"),
        maps=list(params["maps"]),
        keys=list(params["keys"]),
        format=params.get("format"),
        encoding=params["encoding"],
        sheet=params.get("sheet"),
        on_error=params["on_error"],
    )
    if params["isolate"] and ctx.limits.upload is not None:
        # read and map in a limited worker with the workspace free: the
        # server answers searches meanwhile; only the commit takes the lock
        ctx.progress(None, f"reading {params.get('source_name') or path.name}", force=True)
        with ctx.workspace() as ws:
            reader = ws.read_isolated
        spooled = reader(path, options, ctx.limits.upload)
        try:
            ctx.progress(0.9, f"{spooled.records:,} rows read; storing", force=True)
        except BaseException:
            spooled.spool.unlink(missing_ok=True)
            raise
        with ctx.workspace() as ws:
            report = ws.commit_read(spooled)
    else:
        with ctx.workspace() as ws:
            report = ws.ingest(
                path,
                options.dataset,
                options.mapping,
                schema=options.schema,
                maps=options.maps,
                keys=options.keys,
                format=options.format,
                encoding=options.encoding,
                sheet=options.sheet,
                on_error=options.on_error,
                progress=ctx.ingest_progress(),
            )
    data = report.to_dict()
    if report.rejects_path is not None:
        data["rejects_path"] = report.rejects_path.name
    ctx.log(f"{report.records:,} records, {report.statements:,} statements into {report.dataset}")
    return data


# -- ingest: documents ---------------------------------------------------------------


def check_documents(params: Mapping[str, Any]) -> Params:
    _unknown(params, {"path", "dataset", "ocr_languages", "retry_failed", "isolate"})
    from threadline.ingest.pipeline import check_dataset_name

    dataset = _text(params, "dataset", required=True)
    assert dataset is not None
    check_dataset_name(dataset)
    return {
        "path": _text(params, "path", required=True),
        "dataset": dataset,
        "ocr_languages": _text(params, "ocr_languages") or "eng",
        "retry_failed": _flag(params, "retry_failed"),
        "isolate": _flag(params, "isolate"),
    }


def run_documents(ctx: JobContext, params: Params) -> dict[str, Any]:
    limits = ctx.limits.documents if params["isolate"] else None
    workers = ctx.limits.document_workers if params["isolate"] else None
    with ctx.workspace() as ws:
        report = ws.ingest_documents(
            params["path"],
            params["dataset"],
            ocr_languages=params["ocr_languages"],
            retry_failed=params["retry_failed"],
            limits=limits,
            workers=workers,
            progress=ctx.document_progress(),
        )
    for failed in report.failed[:100]:
        ctx.log(f"failed: {failed}")
    data = report.to_dict()
    data["kind"] = "documents"
    return data


# -- resolve, reindex, mentions, retention ------------------------------------------


def check_resolve(params: Mapping[str, Any]) -> Params:
    _unknown(params, {"merge_threshold", "review_threshold", "retrain", "full"})
    checked: Params = {"retrain": _flag(params, "retrain"), "full": _flag(params, "full")}
    for key in ("merge_threshold", "review_threshold"):
        value = _number(params, key)
        if value is not None:
            checked[key] = value
    from threadline.resolve.resolver import ResolveOptions

    try:
        ResolveOptions(**checked).check()
    except ResolveError as exc:  # a bad parameter, not a workspace not ready
        raise InputError(str(exc)) from None
    return checked


def run_resolve(ctx: JobContext, params: Params) -> dict[str, Any]:
    from threadline.resolve.resolver import ResolveOptions

    with ctx.workspace() as ws:
        report = ws.resolve(ResolveOptions(**params), progress=ctx.phase_progress())
    return report.to_dict()


def check_nothing(params: Mapping[str, Any]) -> Params:
    _unknown(params, set())
    return {}


def run_reindex(ctx: JobContext, params: Params) -> dict[str, Any]:
    with ctx.workspace() as ws:
        count = ws.reindex(progress=ctx.count_progress("entities"))
    return {"indexed": count}


def check_mentions(params: Mapping[str, Any]) -> Params:
    _unknown(params, {"dataset"})
    return {"dataset": _text(params, "dataset", required=True)}


def run_mentions(ctx: JobContext, params: Params) -> dict[str, Any]:
    with ctx.workspace() as ws:
        count = ws.tag_mentions(params["dataset"])
    return {"dataset": params["dataset"], "mentions": count}


def check_sweep(params: Mapping[str, Any]) -> Params:
    _unknown(params, {"dry_run"})
    return {"dry_run": _flag(params, "dry_run")}


def run_sweep(ctx: JobContext, params: Params) -> dict[str, Any]:
    with ctx.workspace() as ws:
        removed = ws.sweep_retention(dry_run=params["dry_run"])
    rows = [item.to_dict() for item in removed]
    return {
        "dry_run": params["dry_run"],
        "removed": rows,
        "statements": sum(item.statements for item in removed),
    }


@dataclass(frozen=True)
class Kind:
    name: str
    check: Callable[[Mapping[str, Any]], Params]
    run: Work
    #: what the finished work is recorded as in the audit log
    action: Action
    #: the audit target: the dataset, or the whole workspace
    target: Callable[[Params], str]
    #: whether ``POST /api/v1/jobs`` may start it from parameters alone (an
    #: ingest from the API comes with its upload, never a server path)
    from_api: bool


def _dataset(params: Params) -> str:
    return str(params["dataset"])


def _workspace(_params: Params) -> str:
    return "workspace"


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("ingest", check_ingest, run_ingest, Action.INGEST, _dataset, from_api=False),
        Kind("documents", check_documents, run_documents, Action.INGEST, _dataset, False),
        Kind("resolve", check_resolve, run_resolve, Action.RESOLVE, _workspace, True),
        Kind("reindex", check_nothing, run_reindex, Action.REINDEX, _workspace, True),
        Kind("mentions", check_mentions, run_mentions, Action.MENTIONS, _dataset, True),
        Kind("retention_sweep", check_sweep, run_sweep, Action.RETENTION_SWEEP, _workspace, True),
    )
}


def kind_of(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise InputError(f"unknown job kind {name!r}; one of {', '.join(sorted(KINDS))}")
    return kind
