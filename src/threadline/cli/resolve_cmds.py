"""Entity-resolution commands: resolve, review, judge, judgements, match.
Thin, like every command: parse, call the workspace, render."""

from __future__ import annotations

import getpass
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.common import emit_json, err, open_workspace, out, record_read, show_progress
from threadline.cli.options import (
    CaseOpt,
    JsonReportOpt,
    JsonResultsOpt,
    OutputOpt,
    PurposeOpt,
    UserOpt,
)

if TYPE_CHECKING:
    from threadline.model.entity import Entity
    from threadline.resolve.explain import Explanation
    from threadline.resolve.review import ReviewCase
    from threadline.workspace import Workspace


class EngineChoice(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


def _user(user: str | None) -> str:
    if user:
        return user
    try:
        return os.environ.get("THREADLINE_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def resolve(
    engine: Annotated[EngineChoice, typer.Option(help="Where the model runs.")] = (
        EngineChoice.duckdb
    ),
    retrain: Annotated[
        bool,
        typer.Option(
            help="Train the model afresh and re-score every pair (default: train on the "
            "first run, then score only new and changed records)."
        ),
    ] = False,
    merge_threshold: Annotated[
        float, typer.Option(help="Merge pairs at or above this match probability.")
    ] = 0.7,  # ResolveOptions.merge_threshold (not imported: the CLI starts lazily)
    review_threshold: Annotated[
        float, typer.Option(help="Queue pairs at or above this probability for review.")
    ] = 0.1,  # ResolveOptions.review_threshold
    veto: Annotated[
        list[str] | None,
        typer.Option(
            help="Identifier property whose conflict forbids a merge (repeatable). "
            "Default: registration, LEI, INN, OGRN, tax, VAT, SWIFT, IMO and MMSI numbers."
        ),
    ] = None,
    as_json: JsonReportOpt = False,
) -> None:
    """Find the same person, company or vessel across datasets and merge it."""
    from threadline.resolve.features import DEFAULT_VETO_PROPS
    from threadline.resolve.resolver import ResolveOptions

    options = ResolveOptions(
        engine=engine.value,
        merge_threshold=merge_threshold,
        review_threshold=review_threshold,
        retrain=retrain,
        veto_props=tuple(veto) if veto else DEFAULT_VETO_PROPS,
    )

    def progress(phase: str) -> None:
        if show_progress():
            err.print(f"[dim]{escape(phase)}…[/dim]")

    with open_workspace() as ws:
        report = ws.resolve(options, progress=progress)
    if as_json:
        emit_json(report.to_dict())
        return
    mode = "trained and scored all" if report.trained else "scored new and changed"
    err.print(
        f"Resolved {report.entities:,} entities ({mode}: {report.rescored:,}) on "
        f"{report.engine} in {report.seconds:.1f}s: {report.merged_entities:,} entities in "
        f"{report.clusters:,} merged clusters, {report.review:,} pairs to review "
        "(`threadline review`)."
    )
    if report.expected_merge_precision is not None:
        err.print(
            f"Expected precision of the merges {report.expected_merge_precision:.1%}, "
            f"recall {report.expected_merge_recall or 0:.1%} "
            f"({report.expected_recall_with_review or 0:.1%} if every pair to review is a match)."
        )
    if report.skipped:
        err.print(f"Skipped {report.skipped:,} entities with no name or identifier to match on.")
    if report.refused_vetoed:
        err.print(f"{report.refused_vetoed:,} merges refused for conflicting identifiers.")
    if report.refused_weak:
        err.print(
            f"{report.refused_weak:,} merges of two clusters refused: too few of the pairs "
            "between them are likely matches (`threadline review` lists those pairs that "
            "are below the merge threshold)."
        )


def _evidence_table(explanation: Explanation) -> Table:
    table = Table("evidence", "level", "weight", title=None)
    for ev in explanation.evidence:
        style = "green" if ev.weight > 0.05 else ("red" if ev.weight < -0.05 else "dim")
        table.add_row(ev.comparison, escape(ev.level), f"[{style}]{ev.weight:+.1f}[/{style}]")
    table.add_row("prior", "how often two random records match", f"{explanation.prior_weight:+.1f}")
    return table


def _side_by_side(left: Entity, right: Entity) -> Table:
    table = Table("property", escape(left.caption), escape(right.caption))
    props = sorted(
        {p for p, _ in left.proxy.itervalues()} | {p for p, _ in right.proxy.itervalues()},
        key=lambda p: p.label,
    )
    for prop in props:
        if prop.hidden:
            continue
        table.add_row(
            escape(prop.label),
            escape("; ".join(left.proxy.get(prop.name, quiet=True))),
            escape("; ".join(right.proxy.get(prop.name, quiet=True))),
        )
    table.add_row("datasets", escape(", ".join(left.datasets)), escape(", ".join(right.datasets)))
    table.add_row("id", left.id, right.id)
    return table


def _case_json(ws: Workspace, case: ReviewCase) -> dict[str, object]:
    data = case.to_dict()
    data["candidate_entity"] = ws.entity(case.candidate).to_dict()
    data["cluster_entity"] = ws.entity(case.cluster).to_dict()
    return data


def review(
    limit: Annotated[int, typer.Option(help="How many cases.", min=1)] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the queue as JSON (no prompts).")
    ] = False,
    bulk: Annotated[
        str | None,
        typer.Option(
            "--bulk",
            help="List the cases a bulk rule decides 'same' (legal-form-only); add --apply "
            "to decide them.",
        ),
    ] = None,
    apply: Annotated[bool, typer.Option("--apply", help="With --bulk: decide them.")] = False,
    user: UserOpt = None,
    purpose: PurposeOpt = None,
    case_id: CaseOpt = None,
) -> None:
    """Review doubtful cases, one per candidate and cluster, and decide: same,
    not same (covers every member of the cluster), unsure."""
    record_read("view", "review queue", purpose=purpose, case=case_id, details={"bulk": bulk})
    with open_workspace() as ws:
        if bulk is not None:
            cases = ws.bulk_review(bulk, apply=apply, user=_user(user))
            if as_json:
                emit_json({"rule": bulk, "applied": apply, "cases": [c.to_dict() for c in cases]})
                return
            for case in cases:
                left, right = ws.entity(case.candidate), ws.entity(case.cluster)
                out.print(f"{escape(left.caption)}  =  {escape(right.caption)}")
            verb = "Decided 'same' for" if apply else "Would decide 'same' for"
            err.print(f"{verb} {len(cases):,} cases (rule {bulk}).")
            if cases and not apply:
                err.print("Run again with --apply to record them.")
            return
        queue = ws.review_queue(limit=limit)
        if as_json:
            emit_json([_case_json(ws, case) for case in queue])
            return
        if not queue:
            err.print("Nothing to review.")
            return
        if not sys.stdin.isatty():
            from threadline.errors import ResolveError

            raise ResolveError(
                "`threadline review` asks questions and needs a terminal; use --json to read "
                "the queue and `threadline judge` to record judgements."
            )
        who = _user(user)
        choices = {"s": "same", "n": "not-same", "u": "unsure"}
        total = ws.resolution.summary()["review"]
        decided = 0
        for number, case in enumerate(queue, start=1):
            left = ws.entity(case.candidate)
            right = ws.entity(case.cluster)
            members = len(case.cluster_members)
            out.rule(
                f"{number}/{len(queue)} ({total - decided:,} in the queue)  match probability "
                f"{case.probability:.2f}  cluster of {members}"
            )
            out.print(_side_by_side(left, right))
            out.print(_evidence_table(case.evidence))
            answer = (
                typer.prompt("[s]ame, [n]ot same, [u]nsure, s[k]ip, [q]uit", default="k")
                .strip()
                .lower()
            )
            if answer == "q":
                break
            if answer in choices:
                ws.decide(case.candidate, case.cluster, choices[answer], who)
                decided += 1
                err.print(f"Recorded: {choices[answer]}.")


class JudgementChoice(StrEnum):
    same = "same"
    not_same = "not-same"
    unsure = "unsure"


def judge(
    left: Annotated[str, typer.Argument(help="Entity or canonical id.")],
    right: Annotated[str, typer.Argument(help="Entity or canonical id.")],
    judgement: Annotated[JudgementChoice, typer.Argument(help="same, not-same or unsure.")],
    user: UserOpt = None,
) -> None:
    """Record a judgement on two entities; clusters update at once. A later
    judgement on the same pair replaces it (history is kept)."""
    with open_workspace() as ws:
        record = ws.judge(left, right, judgement.value, _user(user))
        canonical = ws.resolution.canonical_id(record.left_id)
    err.print(
        f"Recorded {judgement.value} for {record.left_id} and {record.right_id}"
        f" by {record.user}; {record.left_id} is now in {canonical}."
    )


def judgements_export(output: OutputOpt = "-") -> None:
    """Write the current judgements as a nomenklatura resolver file."""
    with open_workspace() as ws:
        if output == "-":
            count = ws.export_judgements(sys.stdout.buffer)
        else:
            with Path(output).open("wb") as fh:
                count = ws.export_judgements(fh)
    err.print(f"Exported {count:,} judgements.")


def judgements_import(
    path: Annotated[Path, typer.Argument(help="A nomenklatura resolver file (JSON lines).")],
) -> None:
    """Load judgements from a nomenklatura resolver file; clusters update."""
    with open_workspace() as ws:
        count = ws.import_judgements(path)
    err.print(f"Imported {count:,} judgements from {escape(str(path))}.")


def match(
    path: Annotated[Path, typer.Argument(help="CSV with FtM property columns, or FtM JSON lines.")],
    schema: Annotated[str, typer.Option(help="Schema of the CSV's records.")] = "Person",
    threshold: Annotated[float, typer.Option(help="Lowest match probability shown.")] = 0.5,
    limit: Annotated[int, typer.Option(help="Candidates per record.", min=1)] = 5,
    as_json: JsonResultsOpt = False,
    purpose: PurposeOpt = None,
    case: CaseOpt = None,
) -> None:
    """Screen a list against the workspace, as in sanctions or watchlist screening."""
    record_read("search", f"match {path.name}", purpose=purpose, case=case)
    with open_workspace() as ws:
        results = ws.match(path, schema=schema, threshold=threshold, limit=limit)
        if as_json:
            emit_json([r.to_dict() for r in results])
            return
        for result in results:
            out.rule(f"{escape(result.caption)}  [dim]line {result.line}[/dim]")
            if not result.candidates:
                out.print("[dim]no candidates[/dim]")
                continue
            table = Table("score", "candidate", "schema", "datasets", "evidence", "id")
            for cand in result.candidates:
                entity = ws.entity(cand.canonical_id)
                evidence = ", ".join(
                    f"{e.comparison}: {e.level} ({e.weight:+.1f})"
                    for e in cand.explanation.evidence
                    if abs(e.weight) > 0.05
                )
                table.add_row(
                    f"{cand.explanation.probability:.2f}",
                    escape(entity.caption),
                    entity.schema.name,
                    ", ".join(entity.datasets),
                    escape(evidence),
                    cand.canonical_id,
                )
            out.print(table)


def show_resolution(ws: Workspace, entity: Entity) -> None:
    """The merge behind an entity: its members and the evidence joining them."""
    members = entity.members
    if len(members) < 2:
        return
    out.print(f"[bold]merged from {len(members)} records:[/bold] {', '.join(members)}")
    for pair in ws.resolution.pairs_of(members, limit=20):
        if pair.left_id in members and pair.right_id in members:
            out.print(
                f"[dim]{pair.left_id} ~ {pair.right_id}: probability {pair.probability:.3f}[/dim]"
            )
            out.print(_evidence_table(pair))
    history = ws.resolution.judgements.history(members)
    for rec in history:
        out.print(
            f"[dim]judged {rec.judgement.value}: {rec.left_id} ~ {rec.right_id} by "
            f"{rec.user} at {rec.created_at:%Y-%m-%d %H:%M}[/dim]"
        )
