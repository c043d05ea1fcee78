"""Meeting documents through the API: multipart upload with size and type limits, list, download, remove."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.api.conftest import ApiWorld

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The test app allows 1 MB per upload (max_upload_mb=1 in api_settings).
LIMIT = 1024 * 1024


def _upload(
    world: ApiWorld,
    meeting_id: int | None,
    name: str,
    data: bytes,
    who: str = "secretary.own",
    ctype: str = "application/pdf",
) -> Any:
    return world.client.post(
        f"/api/v1/meetings/{meeting_id}/documents", files={"file": (name, data, ctype)}, headers=world.headers(who)
    )


def test_upload_list_download_remove(world: ApiWorld) -> None:
    meeting = world.make_meeting(publish=True)
    uploaded = _upload(world, meeting.id, "Báo cáo tháng 3.pdf", PDF)
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert document["filename"] == "Báo cáo tháng 3.pdf"
    assert document["content_type"] == "application/pdf"
    assert document["size"] == len(PDF)
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    base = f"/api/v1/meetings/{meeting.id}/documents"

    # An invited commune's official sees and downloads it.
    official = world.headers("site_official.invited")
    listed = world.client.get(base, headers=official)
    assert [d["id"] for d in listed.json()] == [document["id"]]
    assert (
        world.client.get(f"/api/v1/meetings/{meeting.id}", headers=official).json()["documents"][0]["id"]
        == document["id"]
    )
    content = world.client.get(f"{base}/{document['id']}/content", headers=official)
    assert content.status_code == 200
    assert content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert "attachment" in content.headers["content-disposition"]
    assert world.client.get(f"{base}/{document['id']}", headers=official).json()["filename"] == "Báo cáo tháng 3.pdf"

    # Another commune, not invited, does not; nor may an official remove it.
    assert (
        world.client.get(f"{base}/{document['id']}/content", headers=world.headers("site_official.other")).status_code
        == 403
    )
    assert world.client.delete(f"{base}/{document['id']}", headers=official).status_code == 403

    removed = world.client.delete(f"{base}/{document['id']}", headers=world.headers("secretary.own"))
    assert removed.status_code == 204
    assert world.client.get(base, headers=official).json() == []
    assert world.client.get(f"{base}/{document['id']}/content", headers=official).status_code == 404


def test_document_of_another_meeting_is_404(world: ApiWorld) -> None:
    first, second = world.make_meeting(), world.make_meeting()
    document = _upload(world, first.id, "a.pdf", PDF).json()
    response = world.client.get(
        f"/api/v1/meetings/{second.id}/documents/{document['id']}/content", headers=world.headers("secretary.own")
    )
    assert response.status_code == 404
    assert response.json()["field"] == "document_id"


REFUSED: list[tuple[str, bytes, int, str]] = [
    ("lớn.pdf", b"%PDF-" + b"0" * LIMIT, 413, "quá lớn"),
    ("rất lớn.pdf", b"%PDF-" + b"0" * (3 * LIMIT), 413, "quá lớn"),
    ("trang.html", b"<html><script>alert(1)</script></html>", 415, "chỉ nhận các loại tệp"),
    ("chay.exe", b"MZ\x90\x00", 415, "chỉ nhận"),
    ("không đuôi", b"abc", 415, "chỉ nhận"),
    ("giả.pdf", b"<html>not a pdf</html>", 422, "không phải tệp PDF"),
    ("rỗng.pdf", b"", 422, "rỗng"),
]


def test_refused_uploads(world: ApiWorld) -> None:
    meeting = world.make_meeting()
    for name, data, status, words in REFUSED:
        response = _upload(world, meeting.id, name, data)
        assert response.status_code == status, (name, response.text)
        assert words in response.json()["error"], name
    listed = world.client.get(f"/api/v1/meetings/{meeting.id}/documents", headers=world.headers("secretary.own"))
    assert listed.json() == []


def test_exactly_the_limit_is_accepted(world: ApiWorld) -> None:
    meeting = world.make_meeting()
    data = b"%PDF-" + b"0" * (LIMIT - 5)
    response = _upload(world, meeting.id, "vừa đủ.pdf", data)
    assert response.status_code == 201, response.text
    assert response.json()["size"] == LIMIT


def test_malformed_uploads(world: ApiWorld) -> None:
    meeting = world.make_meeting()
    url = f"/api/v1/meetings/{meeting.id}/documents"
    headers = world.headers("secretary.own")
    as_json = world.client.post(url, json={"file": "abc"}, headers=headers)
    assert as_json.status_code == 415
    wrong_field = world.client.post(url, files={"tep": ("a.pdf", PDF, "application/pdf")}, headers=headers)
    assert wrong_field.status_code == 422
    assert wrong_field.json()["field"] == "file"
    broken = world.client.post(
        url, content=b"--xyz\r\nnonsense", headers={**headers, "content-type": "multipart/form-data; boundary=xyz"}
    )
    assert 400 <= broken.status_code < 500
    assert broken.json()["error"]
    unknown_meeting = _upload(world, 999_999, "a.pdf", PDF)
    assert unknown_meeting.status_code == 404


def test_who_may_upload(world: ApiWorld) -> None:
    meeting = world.make_meeting(publish=True)
    assert _upload(world, meeting.id, "a.pdf", PDF, who="chair.own").status_code == 201
    assert _upload(world, meeting.id, "b.pdf", PDF, who="administrator.other").status_code == 201
    assert _upload(world, meeting.id, "c.pdf", PDF, who="site_official.invited").status_code == 403
    assert _upload(world, meeting.id, "d.pdf", PDF, who="chair.other").status_code == 403
    cancelled = world.client.post(
        f"/api/v1/meetings/{meeting.id}/cancel", json={"reason": "Hoãn"}, headers=world.headers("chair.own")
    )
    assert cancelled.status_code == 200
    closed = _upload(world, meeting.id, "e.pdf", PDF, who="chair.own")
    assert closed.status_code == 409
    assert "Đã huỷ" in closed.json()["error"]
