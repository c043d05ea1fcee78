"""Who a meeting's mail goes to, and the facts of the meeting a mail carries.

Mail goes to each invited site's unit (its official address) and to each person invited by name, in
their own language. A recipient without a usable address is still listed (``address`` empty, ``problem``
saying why), so the mail log can show a person what could not be sent.

A mail is rendered from a *snapshot* taken in the transaction of the change that caused it — plain
JSON values, not database rows — so a mail that goes out late (the server was down) still says what was
decided when it was written, and the worker needs no access to the meeting tables to send it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session, select

from mailer import InvalidAddressError, normalize_address
from meetings.documents import may_be_mailed
from meetings.meeting import Meeting
from meetings.people import Person
from meetings.units import Site, Unit
from meetings.viewing import meeting_detail


@dataclass(frozen=True)
class MailRecipient:
    ref: str
    """``site:<id>``, ``person:<id>`` or ``address:<address>``: who this is, whatever their address."""
    name: str
    address: str
    language: str = "vi"
    site_id: int | None = None
    site_name: str = ""
    person_id: int | None = None
    problem: str = ""
    """Why ``address`` is empty: no address in the directory, or one the mailer cannot use."""

    def as_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, values: dict[str, Any]) -> MailRecipient:
        return cls(**values)


def checked_address(raw: str, owner: str) -> tuple[str, str]:
    """``(address, "")`` for a usable address, ``("", problem)`` otherwise."""
    if not raw.strip():
        return "", f"{owner} chưa có địa chỉ thư điện tử trong danh bạ."
    try:
        return normalize_address(raw), ""
    except InvalidAddressError as exc:
        return "", f"Địa chỉ thư điện tử của {owner} không dùng được: {exc.reason}"


def one_line(text: str) -> str:
    """Names are one line wherever a mail shows them (a stray line break must not start a new line)."""
    return " ".join(text.split())


def site_recipient(site: Site, unit: Unit) -> MailRecipient:
    address, problem = checked_address(unit.email, unit.name)
    return MailRecipient(
        ref=f"site:{site.id}",
        name=one_line(unit.name),
        address=address,
        site_id=site.id,
        site_name=one_line(site.name),
        problem=problem,
    )


def person_recipient(person: Person, site: Site | None) -> MailRecipient:
    address, problem = checked_address(person.email, person.full_name)
    return MailRecipient(
        ref=f"person:{person.id}",
        name=one_line(person.full_name),
        address=address,
        language=person.language or "vi",
        site_id=site.id if site is not None else None,
        site_name=one_line(site.name) if site is not None else "",
        person_id=person.id,
        problem=problem,
    )


def meeting_recipients(session: Session, meeting: Meeting) -> list[MailRecipient]:
    """The invited sites' units, then the people invited by name; an address already served by an
    earlier recipient is not mailed twice (a person whose address is their unit's gets the unit's mail)."""
    detail = meeting_detail(session, meeting)
    recipients = [site_recipient(invited.site, invited.unit) for invited in detail.sites]
    site_of_unit = {invited.unit.id: invited.site for invited in detail.sites}
    recipients += [person_recipient(p, site_of_unit.get(p.unit_id)) for p in detail.invitees]
    seen: set[str] = set()
    unique: list[MailRecipient] = []
    for recipient in recipients:
        if recipient.address and recipient.address in seen:
            continue
        seen.add(recipient.address)
        unique.append(recipient)
    return unique


def current_recipient(session: Session, ref: str) -> MailRecipient | None:
    """The recipient ``ref`` names, with their address as the directory has it now."""
    kind, _, value = ref.partition(":")
    if kind == "address":
        address, problem = checked_address(value, value)
        return MailRecipient(ref=ref, name="", address=address, problem=problem)
    if not value.isdigit():
        return None
    if kind == "site":
        site = session.get(Site, int(value))
        unit = session.get(Unit, site.unit_id) if site is not None else None
        return site_recipient(site, unit) if site is not None and unit is not None else None
    if kind == "person":
        person = session.get(Person, int(value))
        return person_recipient(person, None) if person is not None else None
    return None


def _person(person: Person | None, unit_name: str) -> dict[str, str] | None:
    if person is None:
        return None
    return {
        "name": one_line(person.full_name),
        "position": one_line(person.position),
        "unit": one_line(unit_name),
        "phone": person.telephone,
        "email": person.email,
    }


def meeting_snapshot(session: Session, meeting: Meeting) -> dict[str, Any]:
    """The facts of ``meeting`` a mail about it shows, as JSON values."""
    detail = meeting_detail(session, meeting)
    unit_names = {u.id: u.name for u in session.exec(select(Unit)).all()}
    documents = [
        {"id": d.id, "name": d.filename, "content_type": d.content_type, "size": d.size, "sha256": d.sha256}
        for d in detail.documents
    ]
    return {
        "id": meeting.id,
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "title": meeting.title,
        "kind": meeting.kind.value,
        "start": meeting.start_at.isoformat(),
        "end": meeting.end_at.isoformat(),
        "place": meeting.place,
        "content": meeting.description,
        "preparation": meeting.preparation,
        "urgent": meeting.urgent,
        "confidential": meeting.confidential,
        "cancelled_reason": meeting.cancelled_reason,
        "unit": {"name": one_line(detail.unit.name), "email": detail.unit.email, "code": detail.unit.code},
        "chair": _person(detail.chair, unit_names.get(detail.chair.unit_id, "")),
        "contact": _person(detail.contact, unit_names.get(detail.contact.unit_id, "")) if detail.contact else None,
        "agenda": [{"title": a.title, "presenter": a.presenter, "minutes": a.planned_minutes} for a in detail.agenda],
        # Decree/Decision rule: a confidential meeting's documents never go out by e-mail. They are left
        # out here already, so no later step can attach them by mistake.
        "documents": documents if may_be_mailed(meeting) else [],
    }


def message_domain(meeting_unit_email: str) -> str:
    """The right-hand side of Message-IDs: the convening unit's mail domain when it has one."""
    _, at, domain = meeting_unit_email.rpartition("@")
    return domain.lower() if at and domain else "giaoban.local"
