"""Loading files from the browser: a preview (columns, first rows, mapped
entities, problems) and the ingest itself, with the same form fields as
``threadline ingest``'s options. Analysts only.

Tables are read in one limited worker (``threadline.ingest.isolated``);
documents and archives through the document sandbox, each file and member
in a worker of its own under ``ApiSettings.upload_document_limits``. Both
are recorded in the audit log with what they loaded."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, UploadFile

from threadline.access import Principal
from threadline.access.audit import Action
from threadline.api.deps import CurrentUser, State
from threadline.api.ingest_kind import Kind, document_preview, upload_is_table
from threadline.api.ingest_preview import preview
from threadline.api.rules import require_ingest
from threadline.api.state import AppState
from threadline.api.uploads import Upload as SavedUpload
from threadline.api.uploads import saved_upload
from threadline.ingest.documents.blobs import sha256_of
from threadline.ingest.isolated import run_isolated

router = APIRouter(prefix="/ingest", tags=["ingest"])

Dataset = Annotated[str, Form(min_length=1, max_length=100)]
Schema = Annotated[str | None, Form(alias="schema", max_length=100)]
Maps = Annotated[list[str] | None, Form(alias="map", description="property=column, repeated")]
Keys = Annotated[list[str] | None, Form(alias="key", description="key column, repeated")]
MappingText = Annotated[str | None, Form(max_length=1_000_000, description="mapping YAML")]
Format = Annotated[
    Literal["csv", "tsv", "xlsx", "json", "ndjson", "parquet"] | None,
    Form(description="override the format the file name suggests"),
]
Encoding = Annotated[str, Form(max_length=40)]
Sheet = Annotated[str | None, Form(max_length=100)]
KindField = Annotated[
    Kind,
    Form(
        description="table, documents (PDF, images, office files, e-mail, archives), "
        "or auto: a table when a mapping, schema or format is given or the file is "
        "FtM data or a spreadsheet, else documents"
    ),
]


@dataclass(frozen=True)
class IngestForm:
    """The form both routes take: a file and ``threadline ingest``'s options."""

    file: UploadFile
    dataset: str
    schema: str | None
    maps: list[str]
    keys: list[str]
    mapping: str | None
    format: str | None
    encoding: str
    sheet: str | None
    kind: Kind = "auto"

    @property
    def mapped(self) -> bool:
        return bool(self.mapping or self.schema or self.maps or self.format)

    def is_table(self, state: AppState, upload: SavedUpload) -> bool:
        limits = state.settings.upload_limits
        return upload_is_table(upload.path, self.kind, self.mapped, limits, upload.path.name)


async def ingest_form(
    file: UploadFile,
    dataset: Dataset,
    schema_name: Schema = None,
    maps: Maps = None,
    keys: Keys = None,
    mapping: MappingText = None,
    format: Format = None,
    encoding: Encoding = "utf-8",
    sheet: Sheet = None,
    kind: KindField = "auto",
) -> IngestForm:
    return IngestForm(
        file,
        dataset,
        schema_name or None,
        maps or [],
        keys or [],
        mapping,
        format,
        encoding,
        sheet,
        kind,
    )


Upload = Annotated[IngestForm, Depends(ingest_form)]


@router.post("/preview")
def ingest_preview(principal: CurrentUser, state: State, form: Upload) -> dict[str, Any]:
    """What an ingest of this file would load, from its first rows; nothing
    is written. Read in a worker under the upload limits, like an ingest."""
    require_ingest(principal)
    with saved_upload(form.file, form.mapping) as upload:
        if not form.is_table(state, upload):
            limits = state.settings.upload_limits
            return document_preview(upload.path, limits, upload.path.name)
        job = partial(
            preview,
            upload.path,
            upload.path.name,
            form.dataset,
            mapping=upload.mapping,
            schema=form.schema,
            maps=form.maps,
            keys=form.keys,
            fmt=form.format,
            encoding=form.encoding,
            sheet=form.sheet,
        )
        result: dict[str, Any] = run_isolated(
            job, limits=state.settings.upload_limits, what=upload.path.name
        )
        return result


@router.post("")
def ingest(
    principal: CurrentUser,
    state: State,
    form: Upload,
    on_error: Annotated[Literal["fail", "skip"], Form()] = "fail",
) -> dict[str, Any]:
    """Load the file into ``dataset`` (all or nothing, unless ``on_error``
    is ``skip``); re-sending a file of the same name replaces what it loaded.
    A document, mailbox or archive (``kind``) is read file by file, each in
    a sandboxed worker; a file that fails is stored as failed with its
    reason and listed under ``failed``, and the rest is loaded."""
    require_ingest(principal)
    with saved_upload(form.file, form.mapping) as upload:
        if not form.is_table(state, upload):
            return _ingest_documents(principal, state, form, upload)
        with state.data() as ws:
            report = ws.ingest(
                upload.path,
                form.dataset,
                upload.mapping,
                schema=form.schema,
                maps=form.maps,
                keys=form.keys,
                format=form.format,
                encoding=form.encoding,
                sheet=form.sheet,
                on_error=on_error,
                isolate=state.settings.upload_limits,
            )
    data = report.to_dict()
    keep = ("source", "sha256", "format", "records", "entities", "statements", "rejected")
    state.access.audit.log.append(
        principal.name,
        Action.INGEST,
        target=report.dataset,
        details={key: data[key] for key in keep if key in data},
    )
    if report.rejects_path is not None:
        # where the rejected rows are, inside the workspace, not the server's path
        data["rejects_path"] = report.rejects_path.name
    return data


def _ingest_documents(
    principal: Principal, state: AppState, form: IngestForm, upload: SavedUpload
) -> dict[str, Any]:
    """A document, a mailbox or an archive: every file in a sandboxed worker
    under the upload budgets; recorded like a table upload, with the files
    that failed counted (each is stored as failed with its reason)."""
    settings = state.settings
    sha256 = sha256_of(upload.path)
    with state.data() as ws:
        report = ws.ingest_documents(
            upload.path,
            form.dataset,
            limits=settings.upload_document_limits,
            workers=settings.upload_document_workers,
        )
    data = report.to_dict()
    details = {
        "source": report.source,
        "sha256": sha256,
        "format": "documents",
        "files": report.files,
        "processed": report.processed,
        "pages": report.pages,
        "entities": report.entities,
        "statements": report.statements,
        "failed": len(report.failed),
        "mentions": report.mentions,
    }
    state.access.audit.log.append(
        principal.name, Action.INGEST, target=report.dataset, details=details
    )
    data["kind"] = "documents"
    data["sha256"] = sha256
    return data
