"""The chair's decision on a deputy reaches the unit that proposed them, by mail, through the outbox and a real
SMTP server, in the recipient's language."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from mailer.testserver import SmtpTestServer
from meetings.replies import decide_deputy, record_reply
from tests.outbox.test_invitations import run_worker, text_of, to_address
from tests.outbox.world import DOMAIN, build_mail_world, items, mail_settings, publish, settled


async def test_accepted_and_refused_deputies_are_mailed_to_their_units(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url, smtp_url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        mid = publish(session, world).id or 0
        commune = record_reply(
            session, mid, f"site:{world.sites[1].id}", answer="deputy",
            deputy_name="Lò Văn Phó", deputy_position="Phó Chủ tịch UBND xã",
        )  # fmt: skip
        guest = record_reply(session, mid, f"person:{world.guest.id}", answer="deputy", deputy_name="Hà Văn Thay")
        decide_deputy(session, world.chair, commune.id or 0, accept=True, note="Đề nghị mang theo báo cáo của xã.")
        decide_deputy(session, world.chair, guest.id or 0, accept=False)

    deputy_items = items(engine, purpose="deputy")
    assert [i.destination for i in deputy_items] == [f"ubnd.xa1@{DOMAIN}", f"khach@{DOMAIN}"]
    await run_worker(settings, engine, settled(engine))

    received = smtp_server.wait_for(6)  # four invitations, two decisions
    decisions = {to_address(m): m.message for m in received if "dự thay" in str(m.message["Subject"]) or
                 "Deputy" in str(m.message["Subject"])}  # fmt: skip
    assert set(decisions) == {f"ubnd.xa1@{DOMAIN}", f"khach@{DOMAIN}"}

    accepted = decisions[f"ubnd.xa1@{DOMAIN}"]
    assert str(accepted["Subject"]).startswith("[Người dự thay] Giao ban công tác tháng – ")
    assert not any(p.get_content_type() == "text/calendar" for p in accepted.walk())
    text = text_of(accepted)
    assert (
        "Người chủ trì đồng ý để Lò Văn Phó, Phó Chủ tịch UBND xã dự họp thay tại cuộc họp “Giao ban công tác tháng”."
        in text
    )
    assert "Ghi chú của người chủ trì: Đề nghị mang theo báo cáo của xã." in text
    assert "Điểm cầu của đơn vị: Hội trường UBND xã Số 1" in text

    refused = decisions[f"khach@{DOMAIN}"]
    assert str(refused["Subject"]).startswith("[Deputy] Giao ban công tác tháng – ")
    english = text_of(refused)
    refusal = "The chair does not accept Hà Văn Thay attending the meeting “Giao ban công tác tháng” in your place"
    assert refusal in english
    assert "The chair's note" not in english


async def test_a_changed_decision_is_mailed_again(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        mid = publish(session, world).id or 0
        reply = record_reply(session, mid, f"site:{world.sites[2].id}", answer="deputy", deputy_name="Lò Văn Phó")
        decide_deputy(session, world.chair, reply.id or 0, accept=False)
        decide_deputy(session, world.chair, reply.id or 0, accept=True)
    sent = items(engine, purpose="deputy")
    assert [(i.destination, i.data()["deputy_accepted"]) for i in sent] == [
        (f"ubnd.xa2@{DOMAIN}", False),
        (f"ubnd.xa2@{DOMAIN}", True),
    ]
