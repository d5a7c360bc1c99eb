"""The review queue of doubtful pairs, and judgements on pairs. A judgement
is recorded (and, for "same", a merge too) before it is made."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

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
    """Pairs the resolver was unsure of, most likely matches first, each with
    both records and the evidence (as ``threadline review --json``)."""
    require_judge(principal)
    with state.data() as ws:
        pairs = []
        for explanation in ws.resolution.review_queue(limit=limit):
            pairs.append(
                {
                    "left": summary(ws.entity(explanation.left_id, resolved=False)),
                    "right": summary(ws.entity(explanation.right_id, resolved=False)),
                    "probability": round(explanation.probability, 6),
                    "explanation": explanation.to_dict(),
                }
            )
    return {"pairs": pairs}


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
