"""Answers to an invitation: attend, decline with a reason, a deputy the chair accepts or refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from meetings.errors import Forbidden, NotFound, RuleViolation, ValidationError
from meetings.replies import decide_deputy, record_reply, replies_for
from meetings.scheduling import cancel_meeting, create_meeting
from tests.outbox.world import HANOI, briefing, build_mail_world, publish


def test_answers_are_kept_one_per_respondent(session: Session) -> None:
    world = build_mail_world(session)
    meeting = publish(session, world)
    mid = meeting.id or 0
    site = f"site:{world.sites[1].id}"
    record_reply(session, mid, site, answer="attend")
    record_reply(session, mid, f"person:{world.guest.id}", answer="decline", reason="  Đi công tác\ntỉnh ")
    record_reply(session, mid, site, answer="deputy", deputy_name="Lò Văn Phó", deputy_position="Phó Chủ tịch")

    answers = {r.respondent: r for r in replies_for(session, mid)}
    assert len(answers) == 2
    assert (answers[site].answer, answers[site].deputy_name, answers[site].decision) == (
        "deputy",
        "Lò Văn Phó",
        "pending",
    )
    assert answers[site].respondent_name == "UBND xã Số 1"
    guest = answers[f"person:{world.guest.id}"]
    assert (guest.answer, guest.reason, guest.respondent_name) == ("decline", "Đi công tác tỉnh", "Phạm Văn Khách")


def test_a_decline_needs_a_reason_and_a_deputy_a_name(session: Session) -> None:
    world = build_mail_world(session)
    mid = publish(session, world).id or 0
    site = f"site:{world.sites[1].id}"
    with pytest.raises(ValidationError) as no_reason:
        record_reply(session, mid, site, answer="decline", reason="   ")
    assert no_reason.value.field == "reason"
    with pytest.raises(ValidationError) as no_name:
        record_reply(session, mid, site, answer="deputy")
    assert no_name.value.field == "deputy_name"
    with pytest.raises(ValidationError):
        record_reply(session, mid, site, answer="maybe")
    with pytest.raises(ValidationError):
        record_reply(session, mid, site, answer="decline", reason="x" * 501)
    assert replies_for(session, mid) == []


def test_only_invited_respondents_of_an_open_meeting_may_answer(session: Session) -> None:
    world = build_mail_world(session)
    meeting = publish(session, world, site_ids=[world.sites[1].id or 0])
    mid = meeting.id or 0
    with pytest.raises(NotFound):
        record_reply(session, mid, f"site:{world.sites[2].id}", answer="attend")  # not invited
    with pytest.raises(NotFound):
        record_reply(session, mid, "site:abc", answer="attend")
    later = briefing(world, title="Nháp", start_at=meeting.end_at, end_at=meeting.end_at + timedelta(hours=1))
    draft = create_meeting(session, world.secretary, later, tz=HANOI)
    with pytest.raises(RuleViolation):
        record_reply(session, draft.id or 0, f"site:{world.sites[1].id}", answer="attend")  # not published
    cancel_meeting(session, world.secretary, mid, "Hoãn")
    with pytest.raises(RuleViolation, match="đã bị huỷ"):
        record_reply(session, mid, f"site:{world.sites[1].id}", answer="attend")


def test_the_chair_alone_decides_on_a_deputy(session: Session) -> None:
    world = build_mail_world(session)
    mid = publish(session, world).id or 0
    site = f"site:{world.sites[1].id}"
    reply = record_reply(session, mid, site, answer="deputy", deputy_name="Lò Văn Phó")
    with pytest.raises(Forbidden):
        decide_deputy(session, world.secretary, reply.id or 0, accept=True)
    accepted = decide_deputy(session, world.chair, reply.id or 0, accept=True, note="Đồng ý")
    assert (accepted.decision, accepted.decided_by_id, accepted.decision_note) == ("accepted", world.chair.id, "Đồng ý")

    # The same deputy again keeps the decision; another deputy needs a new one.
    assert record_reply(session, mid, site, answer="deputy", deputy_name="Lò Văn Phó").decision == "accepted"
    again = record_reply(session, mid, site, answer="deputy", deputy_name="Hà Thị Khác")
    assert (again.decision, again.decided_by_id) == ("pending", None)
    refused = decide_deputy(session, world.chair, again.id or 0, accept=False)
    assert refused.decision == "refused"

    attend = record_reply(session, mid, f"person:{world.guest.id}", answer="attend")
    with pytest.raises(RuleViolation):
        decide_deputy(session, world.chair, attend.id or 0, accept=True)
