"""Who may do what: pure functions over a person, a meeting and the units invited to it.

The matrix (Decision 45/2018 practice and issue 3):

- an administrator may do everything;
- a chair or secretary manages the meetings of their own unit (create, edit, publish, cancel, run,
  upload documents) and sees them, drafts included;
- anyone else with a role (site official, site operator, and chairs/secretaries of other units) sees
  a meeting once it is announced, when their unit convenes it, when their unit is invited to it, or
  when they are named in it (chair, secretary, contact or invitee);
- a person without a role sees only meetings naming them; an inactive account sees nothing.

Drafts are the convening unit's working papers: only those who manage the meeting, and the people it
names as chair or secretary, see them.
"""

from __future__ import annotations

from collections.abc import Collection

from meetings.errors import N_, Forbidden
from meetings.meeting import Meeting, MeetingState
from meetings.people import Person, Role

_MANAGING_ROLES = frozenset({Role.CHAIR, Role.SECRETARY})


def is_administrator(person: Person) -> bool:
    return person.active and person.has_role(Role.ADMINISTRATOR)


def _manages_unit(person: Person, unit_id: int) -> bool:
    return person.active and person.unit_id == unit_id and bool(person.role_set() & _MANAGING_ROLES)


def is_announced(meeting: Meeting) -> bool:
    """Whether invitees have been told of the meeting (it was published at some point)."""
    if meeting.state == MeetingState.DRAFT:
        return False
    return not (meeting.state == MeetingState.CANCELLED and meeting.published_at is None)


def can_manage_directory(person: Person) -> bool:
    """Units, sites, people and API tokens of others: administrators only."""
    return is_administrator(person)


def can_manage_calendar(person: Person) -> bool:
    """Holidays and make-up days: administrators only."""
    return is_administrator(person)


def can_read_audit(person: Person) -> bool:
    return is_administrator(person)


def can_create_meeting(person: Person, unit_id: int) -> bool:
    """An administrator for any unit; a chair or secretary for their own unit."""
    return is_administrator(person) or _manages_unit(person, unit_id)


def can_manage_meeting(person: Person, meeting: Meeting) -> bool:
    """Edit, publish, cancel, run the meeting and change its documents."""
    return is_administrator(person) or _manages_unit(person, meeting.convening_unit_id)


def can_view_meeting(
    person: Person,
    meeting: Meeting,
    invited_unit_ids: Collection[int],
    invitee_ids: Collection[int] = (),
) -> bool:
    """See the meeting, its agenda and its documents.

    ``invited_unit_ids`` are the units owning the meeting's invited sites; ``invitee_ids`` the people
    invited by name.
    """
    if not person.active:
        return False
    if can_manage_meeting(person, meeting):
        return True
    if person.id is not None and person.id in (meeting.chair_id, meeting.secretary_id):
        return True
    if not is_announced(meeting):
        return False
    # Named people see their invitation whatever their roles; units see it through their roles.
    if person.id is not None and (person.id == meeting.contact_id or person.id in invitee_ids):
        return True
    if not person.role_set():
        return False
    return person.unit_id == meeting.convening_unit_id or person.unit_id in invited_unit_ids


def require_manage_directory(person: Person) -> None:
    if not can_manage_directory(person):
        raise Forbidden(N_("Chỉ quản trị viên được quản lý danh bạ đơn vị, điểm cầu và người dùng."))


def require_manage_calendar(person: Person) -> None:
    if not can_manage_calendar(person):
        raise Forbidden(N_("Chỉ quản trị viên được khai báo ngày nghỉ lễ và ngày làm bù."))


def require_read_audit(person: Person) -> None:
    if not can_read_audit(person):
        raise Forbidden(N_("Chỉ quản trị viên được xem nhật ký thao tác."))


def require_create_meeting(person: Person, unit_id: int) -> None:
    if not can_create_meeting(person, unit_id):
        raise Forbidden(
            N_("Chỉ chủ trì hoặc thư ký của đơn vị triệu tập (hoặc quản trị viên) được tạo cuộc họp cho đơn vị này."),
            field="convening_unit_id",
        )


def require_manage_meeting(person: Person, meeting: Meeting) -> None:
    if not can_manage_meeting(person, meeting):
        raise Forbidden(
            N_(
                "Anh/chị không có quyền quản lý cuộc họp «%(title)s»: "
                "chỉ chủ trì, thư ký của đơn vị triệu tập hoặc quản trị viên được làm việc này."
            ),
            title=meeting.title,
        )


def require_view_meeting(
    person: Person,
    meeting: Meeting,
    invited_unit_ids: Collection[int],
    invitee_ids: Collection[int] = (),
) -> None:
    if not can_view_meeting(person, meeting, invited_unit_ids, invitee_ids):
        raise Forbidden(N_("Anh/chị không có quyền xem cuộc họp này: đơn vị của anh/chị không được mời."))
