"""The access matrix at domain level, every answer written out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meetings.access import (
    can_create_meeting,
    can_manage_calendar,
    can_manage_directory,
    can_manage_meeting,
    can_read_audit,
    can_view_meeting,
    require_create_meeting,
    require_manage_directory,
    require_manage_meeting,
    require_view_meeting,
)
from meetings.errors import Forbidden
from meetings.meeting import Meeting, MeetingKind, MeetingState
from meetings.people import Person

DISTRICT, COMMUNE_A, COMMUNE_B = 10, 21, 22  # the district convenes; commune A is invited, B is not
START = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
END = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


def meeting(state: MeetingState, *, published: bool) -> Meeting:
    return Meeting(
        id=1,
        title="Giao ban tháng 3",
        kind=MeetingKind.BRIEFING,
        start_at=START,
        end_at=END,
        convening_unit_id=DISTRICT,
        chair_id=100,
        secretary_id=101,
        contact_id=102,
        state=state,
        published_at=START if published else None,
    )


PUBLISHED = meeting(MeetingState.PUBLISHED, published=True)
DRAFT = meeting(MeetingState.DRAFT, published=False)
CANCELLED_DRAFT = meeting(MeetingState.CANCELLED, published=False)
CANCELLED_AFTER_PUBLISHING = meeting(MeetingState.CANCELLED, published=True)
INVITED_UNITS = {DISTRICT, COMMUNE_A}

_next_id = iter(range(200, 400))


def person(roles: str, unit_id: int, *, active: bool = True, person_id: int | None = None) -> Person:
    return Person(
        id=person_id if person_id is not None else next(_next_id),
        username=f"u{roles}{unit_id}",
        full_name="Cán bộ",
        unit_id=unit_id,
        roles=roles,
        active=active,
    )


# Columns: view a published meeting, view the draft, view a draft cancelled before publishing,
# view a meeting cancelled after publishing, manage it, create a meeting for the district,
# create one for commune A, manage the directory / holidays / read the audit log.
# fmt: off
MATRIX = [
    # who                              unit        pub    draft  c-drf  c-pub  manage create-D create-A admin
    ("administrator",                  COMMUNE_B,  True,  True,  True,  True,  True,  True,    True,    True),
    ("chair",                          DISTRICT,   True,  True,  True,  True,  True,  True,    False,   False),
    ("secretary",                      DISTRICT,   True,  True,  True,  True,  True,  True,    False,   False),
    ("site_official",                  DISTRICT,   True,  False, False, True,  False, False,   False,   False),
    ("site_operator",                  DISTRICT,   True,  False, False, True,  False, False,   False,   False),
    ("chair",                          COMMUNE_A,  True,  False, False, True,  False, False,   True,    False),
    ("secretary",                      COMMUNE_A,  True,  False, False, True,  False, False,   True,    False),
    ("site_official",                  COMMUNE_A,  True,  False, False, True,  False, False,   False,   False),
    ("site_operator",                  COMMUNE_A,  True,  False, False, True,  False, False,   False,   False),
    ("chair",                          COMMUNE_B,  False, False, False, False, False, False,   False,   False),
    ("secretary",                      COMMUNE_B,  False, False, False, False, False, False,   False,   False),
    ("site_official",                  COMMUNE_B,  False, False, False, False, False, False,   False,   False),
    ("site_operator",                  COMMUNE_B,  False, False, False, False, False, False,   False,   False),
    ("",                               DISTRICT,   False, False, False, False, False, False,   False,   False),
    ("",                               COMMUNE_A,  False, False, False, False, False, False,   False,   False),
    ("site_official site_operator",    COMMUNE_A,  True,  False, False, True,  False, False,   False,   False),
    ("administrator chair",            DISTRICT,   True,  True,  True,  True,  True,  True,    True,    True),
]
# fmt: on


@pytest.mark.parametrize(
    "roles, unit, view_pub, view_draft, view_c_draft, view_c_pub, manage, create_d, create_a, admin",
    MATRIX,
)
def test_access_matrix(
    roles: str,
    unit: int,
    view_pub: bool,
    view_draft: bool,
    view_c_draft: bool,
    view_c_pub: bool,
    manage: bool,
    create_d: bool,
    create_a: bool,
    admin: bool,
) -> None:
    who = person(roles, unit)
    assert can_view_meeting(who, PUBLISHED, INVITED_UNITS) is view_pub
    assert can_view_meeting(who, DRAFT, INVITED_UNITS) is view_draft
    assert can_view_meeting(who, CANCELLED_DRAFT, INVITED_UNITS) is view_c_draft
    assert can_view_meeting(who, CANCELLED_AFTER_PUBLISHING, INVITED_UNITS) is view_c_pub
    assert can_manage_meeting(who, PUBLISHED) is manage
    assert can_manage_meeting(who, DRAFT) is manage
    assert can_create_meeting(who, DISTRICT) is create_d
    assert can_create_meeting(who, COMMUNE_A) is create_a
    assert can_manage_directory(who) is admin
    assert can_manage_calendar(who) is admin
    assert can_read_audit(who) is admin


@pytest.mark.parametrize(("roles", "unit"), [(row[0], row[1]) for row in MATRIX if row[0]])
def test_inactive_accounts_can_do_nothing(roles: str, unit: int) -> None:
    who = person(roles, unit, active=False)
    assert not can_view_meeting(who, PUBLISHED, INVITED_UNITS)
    assert not can_manage_meeting(who, PUBLISHED)
    assert not can_create_meeting(who, unit)
    assert not can_manage_directory(who)


# People named in the meeting. (roles, unit, id, view published, view draft)
# fmt: off
NAMED = [
    ("site_official", COMMUNE_B, 300, True,  False),  # invited by name from a unit not invited
    ("",              COMMUNE_B, 300, True,  False),  # even without a role: the invitation names them
    ("site_official", COMMUNE_B, 301, False, False),  # not named
    ("chair",         COMMUNE_B, 100, True,  True),   # the meeting's chair sees the draft too
    ("secretary",     COMMUNE_B, 101, True,  True),   # and its secretary
    ("site_official", COMMUNE_B, 102, True,  False),  # the contact person sees it once announced
]
# fmt: on


@pytest.mark.parametrize(("roles", "unit", "person_id", "view_pub", "view_draft"), NAMED)
def test_people_named_in_the_meeting(roles: str, unit: int, person_id: int, view_pub: bool, view_draft: bool) -> None:
    who = person(roles, unit, person_id=person_id)
    assert can_view_meeting(who, PUBLISHED, INVITED_UNITS, invitee_ids={300}) is view_pub
    assert can_view_meeting(who, DRAFT, INVITED_UNITS, invitee_ids={300}) is view_draft
    assert not can_manage_meeting(who, PUBLISHED)


def test_require_variants_raise_forbidden_with_a_message() -> None:
    outsider = person("site_official", COMMUNE_B)
    with pytest.raises(Forbidden, match="không được mời"):
        require_view_meeting(outsider, PUBLISHED, INVITED_UNITS)
    with pytest.raises(Forbidden, match="«Giao ban tháng 3»"):
        require_manage_meeting(outsider, PUBLISHED)
    with pytest.raises(Forbidden) as create:
        require_create_meeting(outsider, DISTRICT)
    assert create.value.field == "convening_unit_id"
    with pytest.raises(Forbidden, match="quản trị viên"):
        require_manage_directory(outsider)
    chair = person("chair", DISTRICT)
    require_view_meeting(chair, DRAFT, INVITED_UNITS)
    require_manage_meeting(chair, DRAFT)
    require_create_meeting(chair, DISTRICT)
