"""The Giấy mời's form filled from a meeting (meetings.records.forms.Invitation): the agency, who is
invited (the invited units' leaders and the people invited by name), the subject, the chair, time,
place, sites and link, content, preparation, contact, and the signature block of the convening unit's
head. Used when publishing (meetings.records.invitation_issue) and when a change needs a new Giấy mời
(meetings.records.invitation_reissue).
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from meetings.drafts import KIND_LABELS
from meetings.meeting import Document, Meeting, MeetingInvitee, MeetingSite
from meetings.people import Person
from meetings.records.forms import Agency, DocumentType, Invitation, NumberAndSymbol, Signature
from meetings.records.numbering import IssuedNumber
from meetings.units import Site, Unit


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _competence(unit: Unit) -> str:
    """``TM. ỦY BAN NHÂN DÂN`` for a People's Committee (a collective body signs through its head)."""
    name = _one_line(unit.name)
    if name.lower().startswith(("ủy ban nhân dân", "uỷ ban nhân dân", "ubnd")):
        return "TM. ỦY BAN NHÂN DÂN"
    return ""


def _person_line(person: Person, unit: Unit | None = None) -> str:
    parts = [f"Đồng chí {_one_line(person.full_name)}"]
    if person.position:
        parts.append(_one_line(person.position))
    if unit is not None:
        parts.append(_one_line(unit.name))
    return ", ".join(parts)


def invitation_form(
    session: Session,
    meeting: Meeting,
    number: IssuedNumber,
    *,
    tz: ZoneInfo,
    join_link: str = "",
    site_ids: Sequence[int] | None = None,
    invitee_ids: Sequence[int] | None = None,
) -> Invitation:
    """The Giấy mời of ``meeting`` as the form wants it, from what the meeting holds — or, for a change
    not saved yet, from ``meeting`` as it will be and the ``site_ids`` and ``invitee_ids`` it will have."""
    assert meeting.id is not None
    if site_ids is None:
        site_ids = site_ids_of(session, meeting.id)
    if invitee_ids is None:
        invitee_ids = list(
            session.exec(select(MeetingInvitee.person_id).where(MeetingInvitee.meeting_id == meeting.id)).all()
        )
    unit = session.get(Unit, meeting.convening_unit_id)
    chair = session.get(Person, meeting.chair_id)
    assert unit is not None and chair is not None  # foreign keys
    parent = session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
    sites = session.exec(
        select(Site, Unit)
        .join(Unit, col(Unit.id) == col(Site.unit_id))
        .where(col(Site.id).in_(list(site_ids)))
        .order_by(col(Site.id))
    ).all()
    invited_units = [u for _, u in sites if u.id != unit.id]
    found = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(list(invitee_ids)))).all()}
    people = [found[i] for i in invitee_ids if i in found]
    invitees = [f"Lãnh đạo {_one_line(u.name)}" for u in _unique(invited_units)]
    invitees += [_person_line(p) for p in people]
    if not invitees:
        invitees = [f"Các đơn vị, đại biểu dự họp theo chương trình của {_one_line(unit.name)}"]
    contact = session.get(Person, meeting.contact_id) if meeting.contact_id is not None else None
    contact_line = ""
    if contact is not None:
        contact_line = _person_line(contact)
        if contact.telephone:
            contact_line += f", điện thoại {contact.telephone}"
        if contact.email:
            contact_line += f", thư điện tử {contact.email}"
    return Invitation(
        Agency(
            name=_one_line(unit.name),
            abbreviation=number.agency_abbreviation,
            code=unit.code,
            place_name=unit.place_name or _one_line(unit.name),
            parent_name=_one_line(parent.name) if parent is not None else "",
        ),
        number.number_and_symbol(),
        number.issued_on,
        _one_line(meeting.title),
        invitees=invitees,
        subject=_subject(meeting),
        chair=_person_line(chair, None if chair.position else unit),
        start_at=meeting.start_at.astimezone(tz).replace(tzinfo=None),
        end_at=meeting.end_at.astimezone(tz).replace(tzinfo=None),
        place=_one_line(meeting.place) or f"Trực tuyến, điểm cầu chính tại {_one_line(unit.name)}",
        online=bool(sites),
        join_link=join_link,
        sites=[_site_line(s, u) for s, u in sites],
        content=meeting.description,
        preparation=meeting.preparation,
        contact=contact_line,
        signature=Signature(
            title=_one_line(chair.position).upper() or "CHỦ TRÌ",
            full_name=_one_line(chair.full_name),
            competence=_competence(unit),
        ),
        recipients=["Như thành phần mời;", "Lưu: VT."],
    )


def _subject(meeting: Meeting) -> str:
    """What the invitees come to: ``cuộc họp giao ban công tác tháng 3`` (the title, unless it names the
    kind already, after the kind's words: ``họp chuyên đề …`` stays as it is)."""
    title = _one_line(meeting.title)
    lowered = title[:1].lower() + title[1:]
    if lowered.startswith(("họp", "cuộc họp", "hội nghị", "phiên họp")):
        return lowered
    if lowered.startswith(("sơ kết", "tổng kết")):
        return f"hội nghị {lowered}"
    if lowered.startswith("giao ban"):
        return f"cuộc họp {lowered}"
    return f"{KIND_LABELS.get(meeting.kind, 'Họp').lower()}: {lowered}"


def _site_line(site: Site, unit: Unit) -> str:
    """``Hội trường xã Bum Nưa (UBND xã Bum Nưa)``; the site's name alone when it names its unit."""
    name, unit_name = _one_line(site.name), _one_line(unit.name)
    return name if unit_name.casefold() in name.casefold() else f"{name} ({unit_name})"


def site_ids_of(session: Session, meeting_id: int) -> list[int]:
    return list(session.exec(select(MeetingSite.site_id).where(MeetingSite.meeting_id == meeting_id)).all())


def _unique(units: Sequence[Unit]) -> list[Unit]:
    seen: set[int | None] = set()
    result = []
    for u in units:
        if u.id not in seen:
            seen.add(u.id)
            result.append(u)
    return result


def pdf_filename(number: NumberAndSymbol) -> str:
    """``Giay-moi-01-GM-UBND.pdf`` (ASCII: some mail programs mangle other names)."""
    return f"Giay-moi-{number.number_text}-{number.symbol}.pdf"


def issued_invitation_number(session: Session, document: Document) -> IssuedNumber | None:
    """The Giấy mời number ``document`` carries, when it is a Giấy mời giaoban issued for its meeting."""
    query = select(IssuedNumber).where(
        IssuedNumber.meeting_id == document.meeting_id, IssuedNumber.type_code == DocumentType.INVITATION.value
    )
    for number in session.exec(query).all():
        if pdf_filename(number.number_and_symbol()) == document.filename:
            return number
    return None
