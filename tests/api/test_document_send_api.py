"""Sending a meeting's new documents through the API: POST /meetings/{id}/documents/send, who may, what is
sent the first and the second time, and the refusals (a draft, a confidential meeting)."""

from __future__ import annotations

from sqlmodel import select

from meetings import scheduling
from meetings.outbox import OutboxItem
from meetings.types import utcnow
from tests.api.conftest import HANOI, ApiWorld

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(world: ApiWorld, meeting_id: int | None, name: str) -> int:
    response = world.client.post(
        f"/api/v1/meetings/{meeting_id}/documents",
        files={"file": (name, PDF, "application/pdf")},
        headers=world.headers("secretary.own"),
    )
    assert response.status_code == 201, response.text
    document_id = response.json()["id"]
    assert isinstance(document_id, int)
    return document_id


def documents_mails(world: ApiWorld) -> list[OutboxItem]:
    with world.app.state.ctx.session() as session:
        return list(session.exec(select(OutboxItem).where(OutboxItem.purpose == "documents")).all())


def test_the_new_documents_are_sent_once_by_those_who_manage_the_meeting(world: ApiWorld) -> None:
    meeting = world.make_meeting(publish=True)
    document_id = upload(world, meeting.id, "Báo cáo tháng 3.pdf")
    send = f"/api/v1/meetings/{meeting.id}/documents/send"
    listed = world.client.get(f"/api/v1/meetings/{meeting.id}/documents", headers=world.headers("secretary.own"))
    assert [(d["id"], d["mailed_at"]) for d in listed.json()] == [(document_id, None)]

    for who in ("site_official.invited", "site_operator.invited", "site_official.other", "secretary.other"):
        assert world.client.post(send, headers=world.headers(who)).status_code == 403, who
    assert world.client.post(send).status_code == 401
    assert documents_mails(world) == []

    sent = world.client.post(send, headers=world.headers("secretary.own"))
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert [d["id"] for d in body["documents"]] == [document_id]
    assert body["mails"] == 2  # the district's own site and the invited commune's
    assert body["sent_at"].endswith("Z")
    assert body["documents"][0]["mailed_at"] == body["sent_at"]
    got = world.client.get(f"/api/v1/meetings/{meeting.id}/documents/{document_id}", headers=world.headers("chair.own"))
    assert got.json()["mailed_at"] == body["sent_at"]
    assert len(documents_mails(world)) == 2

    again = world.client.post(send, headers=world.headers("chair.own"))
    assert again.status_code == 200
    assert again.json() == {"documents": [], "mails": 0, "sent_at": None}
    assert len(documents_mails(world)) == 2


def test_a_draft_and_a_confidential_meeting_are_refused(world: ApiWorld) -> None:
    draft = world.make_meeting()
    upload(world, draft.id, "Báo cáo.pdf")
    refused = world.client.post(f"/api/v1/meetings/{draft.id}/documents/send", headers=world.headers("secretary.own"))
    assert refused.status_code == 409
    assert "khi giấy mời đã phát hành" in refused.text

    confidential = world.make_meeting()
    admin = world.people["administrator.own"]
    with world.app.state.ctx.session() as session:
        meeting_draft = scheduling.draft_of(session, confidential)
        meeting_draft.confidential = True
        scheduling.update_meeting(session, admin, confidential.id or 0, meeting_draft, tz=HANOI)
        scheduling.publish_meeting(session, admin, confidential.id or 0, now=utcnow(), tz=HANOI)
    upload(world, confidential.id, "Báo cáo mật.pdf")
    refused = world.client.post(
        f"/api/v1/meetings/{confidential.id}/documents/send", headers=world.headers("secretary.own")
    )
    assert refused.status_code == 409
    assert "Cuộc họp mật: tài liệu không gửi qua thư điện tử" in refused.text
    assert documents_mails(world) == []
    missing = world.client.post("/api/v1/meetings/999999/documents/send", headers=world.headers("administrator.own"))
    assert missing.status_code == 404


def test_the_operation_is_in_the_openapi_document(world: ApiWorld) -> None:
    document = world.client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/meetings/{meeting_id}/documents/send"]["post"]
    assert set(operation["responses"]) == {"200", "401", "403", "404", "409"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/DocumentsSent"}
    assert set(document["components"]["schemas"]["DocumentsSent"]["properties"]) == {"documents", "mails", "sent_at"}
    assert "mailed_at" in document["components"]["schemas"]["DocumentOut"]["properties"]
