"""Cases as need-to-know compartments: every case operation, tried by someone
in every position (owner, analyst member, viewer member, analyst outsider,
admin), against the expected outcome. The table is the specification; the
positions run in that order so that the owner's successful changes come last
and cannot change what the others see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.access import People
from threadline.access import AccessControl, Principal, Relation, Role
from threadline.errors import CaseNotFound, InputError, PermissionDenied

Op = Callable[[AccessControl, Principal, People], Any]
POSITIONS = ("admin", "outsider", "viewer", "member", "owner")
OK, NO = "ok", "denied"


def _in_list(access: AccessControl, who: Principal, people: People) -> None:
    if people.case_id not in [case.id for case in access.cases.list_cases(who)]:
        raise PermissionDenied("not listed")


OPERATIONS: dict[str, Op] = {
    "list": _in_list,
    "get": lambda a, p, pp: a.cases.get(p, pp.case_id),
    "members": lambda a, p, pp: a.cases.members(p, pp.case_id),
    "notes": lambda a, p, pp: a.cases.notes(p, pp.case_id),
    "add_note": lambda a, p, pp: a.cases.add_note(p, pp.case_id, "Met the source."),
    "entities": lambda a, p, pp: a.cases.entities(p, pp.case_id),
    "add_entity": lambda a, p, pp: a.cases.add_entity(p, pp.case_id, "company-1"),
    "remove_entity": lambda a, p, pp: a.cases.remove_entity(p, pp.case_id, "company-0"),
    "add_member": lambda a, p, pp: a.cases.add_member(p, pp.case_id, "sam"),
    "remove_member": lambda a, p, pp: a.cases.remove_member(p, pp.case_id, "vera"),
    "transfer": lambda a, p, pp: a.cases.transfer_ownership(p, pp.case_id, "mark"),
    "search_in_case": lambda a, p, pp: a.audit.search(p, "Petrov", case_id=pp.case_id),
    "view_in_case": lambda a, p, pp: a.audit.view(p, "company-0", case_id=pp.case_id),
    "export_in_case": lambda a, p, pp: a.audit.export(p, "entities", case_id=pp.case_id),
    "judge_in_case": lambda a, p, pp: a.audit.judgement(p, "a", "b", "same", case_id=pp.case_id),
    "merge_in_case": lambda a, p, pp: a.audit.merge(p, ["a", "b"], case_id=pp.case_id),
}

# operation: outcome for (admin, outsider, viewer, member, owner)
MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    "list": (OK, NO, OK, OK, OK),
    "get": (OK, NO, OK, OK, OK),
    "members": (OK, NO, OK, OK, OK),
    "notes": (NO, NO, OK, OK, OK),
    "add_note": (NO, NO, NO, OK, OK),
    "entities": (NO, NO, OK, OK, OK),
    "add_entity": (NO, NO, NO, OK, OK),
    "remove_entity": (NO, NO, NO, OK, OK),
    "add_member": (NO, NO, NO, NO, OK),
    "remove_member": (NO, NO, NO, NO, OK),
    "transfer": (NO, NO, NO, NO, OK),
    "search_in_case": (NO, NO, OK, OK, OK),
    "view_in_case": (NO, NO, OK, OK, OK),
    "export_in_case": (NO, NO, NO, OK, OK),
    "judge_in_case": (NO, NO, NO, OK, OK),
    "merge_in_case": (NO, NO, NO, OK, OK),
}


def test_matrix_covers_every_operation() -> None:
    assert set(MATRIX) == set(OPERATIONS)


@pytest.mark.parametrize("operation", list(MATRIX))
def test_case_compartment_matrix(access: AccessControl, people: People, operation: str) -> None:
    access.cases.add_entity(people.owner, people.case_id, "company-0")
    mismatches = []
    for position, expected in zip(POSITIONS, MATRIX[operation], strict=True):
        try:
            OPERATIONS[operation](access, people.by_position(position), people)
            outcome = OK
        except PermissionDenied:
            outcome = NO
        if outcome != expected:
            mismatches.append(f"{position}: expected {expected}, got {outcome}")
    assert not mismatches, f"{operation}: {mismatches}"


def test_denials_say_why(access: AccessControl, people: People) -> None:
    case = people.case_id
    with pytest.raises(PermissionDenied) as exc:
        access.cases.notes(people.outsider, case)
    assert str(exc.value) == (
        f"nina (analyst) is not a member of case {case}, so may not read case notes and "
        "entity lists; its owner can add them"
    )
    with pytest.raises(PermissionDenied) as exc:
        access.cases.notes(people.admin, case)
    assert str(exc.value) == (
        "ada (admin) may not read case notes and entity lists; only analysts and viewers may"
    )
    with pytest.raises(PermissionDenied) as exc:
        access.cases.add_member(people.member, case, "sam")
    assert str(exc.value) == (
        f"mark (analyst) may not add and remove case members: only the owner of case {case} may"
    )


def test_case_contents_and_members(access: AccessControl, people: People) -> None:
    case = people.case_id
    note = access.cases.add_note(people.member, case, "  Met the source at the port.  ")
    assert (note.author, note.body) == ("mark", "Met the source at the port.")
    access.cases.add_entity(people.owner, case, "company-1")
    access.cases.add_entity(people.member, case, "company-1")  # already there: no-op
    assert [(e.entity_id, e.added_by) for e in access.cases.entities(people.viewer, case)] == [
        ("company-1", "olga")
    ]
    assert [n.body for n in access.cases.notes(people.viewer, case)] == [note.body]
    members = access.cases.members(people.admin, case)
    assert [(m.name, m.relation, m.role) for m in members] == [
        ("olga", Relation.OWNER, Role.ANALYST),
        ("mark", Relation.MEMBER, Role.ANALYST),
        ("vera", Relation.MEMBER, Role.VIEWER),
    ]
    access.cases.transfer_ownership(people.owner, case, "mark")
    assert access.cases.get(people.owner, case).owner == "mark"
    # the old owner is now an ordinary member
    with pytest.raises(PermissionDenied):
        access.cases.add_member(people.owner, case, "sam")


def test_membership_rules(access: AccessControl, people: People) -> None:
    case, owner = people.case_id, people.owner
    with pytest.raises(InputError, match="ada is an admin; admins manage accounts"):
        access.cases.add_member(owner, case, "ada")
    with pytest.raises(InputError, match="mark is already a member"):
        access.cases.add_member(owner, case, "mark")
    with pytest.raises(InputError, match="the owner cannot leave their case"):
        access.cases.remove_member(owner, case, "olga")
    with pytest.raises(InputError, match="vera is a viewer; only an analyst can own a case"):
        access.cases.transfer_ownership(owner, case, "vera")
    access.cases.remove_member(owner, case, "vera")
    with pytest.raises(PermissionDenied):
        access.cases.notes(people.viewer, case)  # removed: out on the next call


def test_who_may_create_cases(access: AccessControl, people: People) -> None:
    assert access.cases.create(people.outsider, "Another case").owner == "nina"
    for who in (people.viewer, people.admin):
        with pytest.raises(PermissionDenied, match="may not create cases; only analysts may"):
            access.cases.create(who, "Not allowed")
    with pytest.raises(InputError, match="case name is empty"):
        access.cases.create(people.owner, "   ")


def test_admin_lists_every_case_others_only_theirs(access: AccessControl, people: People) -> None:
    other = access.cases.create(people.outsider, "Nina's case")
    assert {c.id for c in access.cases.list_cases(people.admin)} == {people.case_id, other.id}
    assert [c.id for c in access.cases.list_cases(people.member)] == [people.case_id]
    assert [c.id for c in access.cases.list_cases(people.outsider)] == [other.id]


def test_unknown_case(access: AccessControl, people: People) -> None:
    with pytest.raises(CaseNotFound, match="no case with id 'nope'"):
        access.cases.notes(people.owner, "nope")
