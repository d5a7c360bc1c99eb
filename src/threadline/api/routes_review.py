"""The review queue of doubtful pairs, and judgements on pairs. A judgement
is recorded (and, for "same", a merge too) before it is made."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from threadline.access.audit import Action
from threadline.api.deps import CurrentUser, State
from threadline.api.rules import require_judge
from threadline.api.views import summary

router = APIRouter(tags=["review"])


@router.get("/review")
def review_queue(
    principal: CurrentUser,
    state: State,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Doubtful cases, one per candidate and cluster, most likely matches
    first: the candidate and the cluster as resolved entities, their
    members, and the strongest pair's evidence (as ``threadline review
    --json``)."""
    require_judge(principal)
    with state.data() as ws:
        cases = []
        for case in ws.review_queue(limit=limit):
            cases.append(
                {
                    **case.to_dict(),
                    "candidate_entity": summary(ws.entity(case.candidate)),
                    "cluster_entity": summary(ws.entity(case.cluster)),
                }
            )
        remaining = ws.resolution.summary()["review"] if cases else 0
    return {"cases": cases, "remaining": remaining}


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    candidate: str = Field(min_length=1, max_length=200)
    cluster: str = Field(min_length=1, max_length=200)
    judgement: Literal["same", "not-same", "unsure"]
    case: str | None = Field(default=None, max_length=64)
    purpose: str | None = Field(default=None, max_length=1000)


@router.post("/review/decisions")
def decide(body: DecisionBody, principal: CurrentUser, state: State) -> dict[str, Any]:
    """Decide a case: "same" merges candidate and cluster, "not same" covers
    every member of the cluster, "unsure" takes it off the queue. Audited
    like a judgement, first."""
    audit = state.access.audit
    audit.judgement(
        principal, body.candidate, body.cluster, body.judgement, case_id=body.case,
        purpose=body.purpose,
    )  # fmt: skip
    if body.judgement == "same":
        audit.merge(
            principal, [body.candidate, body.cluster], case_id=body.case, purpose=body.purpose
        )
    with state.data() as ws:
        records = ws.decide(body.candidate, body.cluster, body.judgement, user=principal.name)
        canonical = ws.resolution.canonical_id(records[0].left_id)
    return {"ok": True, "canonical_id": canonical, "judgements": [r.to_dict() for r in records]}


class BulkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str = Field(min_length=1, max_length=64)
    apply: bool = False
    case: str | None = Field(default=None, max_length=64)
    purpose: str | None = Field(default=None, max_length=1000)


@router.post("/review/bulk")
def bulk(body: BulkBody, principal: CurrentUser, state: State) -> dict[str, Any]:
    """What a bulk rule would decide "same" (``apply: false``, the preview),
    or decide it (``apply: true``; audited as one merge per case)."""
    require_judge(principal)
    with state.data() as ws:
        cases = ws.bulk_review(body.rule, apply=False)
        if body.apply:
            # one audit entry for the rule and every case it decides, before
            # anything is recorded; it checks the case or purpose too
            state.access.audit.record(
                principal,
                Action.MERGE,
                case_id=body.case,
                purpose=body.purpose,
                target=f"bulk rule {body.rule}",
                details={"rule": body.rule, "cases": [[c.candidate, c.cluster] for c in cases]},
            )
            cases = ws.bulk_review(body.rule, apply=True, user=principal.name)
    return {"rule": body.rule, "applied": body.apply, "cases": [c.to_dict() for c in cases]}


class JudgementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    left_id: str = Field(min_length=1, max_length=200)
    right_id: str = Field(min_length=1, max_length=200)
    judgement: Literal["same", "not-same", "unsure"]
    case: str | None = Field(default=None, max_length=64)
    purpose: str | None = Field(default=None, max_length=1000)


@router.post("/judgements")
def judge(body: JudgementBody, principal: CurrentUser, state: State) -> dict[str, Any]:
    """Record a judgement; clusters change at once. Needs a case you are a
    member of or a stated purpose, like every change to the data."""
    # The audit log first, as for every look at or change to the data: it
    # checks the role and the case or purpose, and records who judged and
    # why. The judgement itself goes to the workspace store, its one home,
    # which re-clusters; an unknown id there is a 400 after the attempt was
    # logged, which is what an audit trail should show.
    audit = state.access.audit
    audit.judgement(
        principal,
        body.left_id,
        body.right_id,
        body.judgement,
        case_id=body.case,
        purpose=body.purpose,
    )
    if body.judgement == "same":
        audit.merge(
            principal, [body.left_id, body.right_id], case_id=body.case, purpose=body.purpose
        )
    with state.data() as ws:
        record = ws.judge(body.left_id, body.right_id, body.judgement, user=principal.name)
        canonical = ws.resolution.canonical_id(record.left_id)
    return {"ok": True, "canonical_id": canonical, "judgement": record.to_dict()}
