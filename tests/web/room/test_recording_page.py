"""A meeting's recordings on its page: listed with the agenda items they cover, downloadable (with ranges) by
those who may see the meeting, refused to others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings import accounts, directory
from meetings.directory import PersonDraft
from meetings.log.tables import AgendaTurn, Recording
from meetings.meeting import AgendaItem
from meetings.people import Role
from tests.web.conftest import PASSWORD, Directory, log_in
from tests.web.room.conftest import add_communes, room_world


def test_recordings_are_listed_and_served_to_those_invited_only(
    app: Starlette, people: Directory, client: TestClient
) -> None:
    world = room_world(app, people)
    [unit] = [s.unit_id for s in add_communes(app, people, 1)]  # a commune not invited
    ctx = app.state.ctx
    started = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    content = bytes(range(256)) * 40
    (ctx.settings.data_dir / "recordings").mkdir(parents=True)
    (ctx.settings.data_dir / "recordings" / "meeting-x.mp4").write_bytes(content)
    with ctx.session() as session:
        item = AgendaItem(meeting_id=world.meeting_id, position=1, title="Phương án sơ tán dân")
        session.add(item)
        session.flush()
        assert item.id is not None
        session.add(
            AgendaTurn(
                meeting_id=world.meeting_id,
                agenda_item_id=item.id,
                started_at=started + timedelta(seconds=95),
                ended_at=started + timedelta(minutes=20),
            )
        )
        done = Recording(
            meeting_id=world.meeting_id,
            filename="recordings/meeting-x.mp4",
            started_at=started,
            ended_at=started + timedelta(minutes=10),
            size_bytes=len(content),
            duration_s=600.0,
            status="done",
        )
        failed = Recording(
            meeting_id=world.meeting_id,
            filename="recordings/meeting-y.mp4",
            started_at=started + timedelta(minutes=30),
            status="failed",
        )
        session.add_all([done, failed])
        stranger = directory.create_person(
            session,
            None,
            PersonDraft(username="nguoingoai", full_name="Người Ngoài", unit_id=unit, roles=[Role.SITE_OFFICIAL]),
        )
        accounts.set_password(session, stranger, PASSWORD, hasher=ctx.password_hasher)
        session.commit()
    link = f"/meetings/{world.meeting_id}/recordings/{done.id}"

    log_in(client, "chutich")
    page = client.get(f"/meetings/{world.meeting_id}").text
    assert "Ghi hình cuộc họp" in page
    assert f'href="{link}"' in page and "0:10:00" in page
    assert f'href="{link}#t=95">Phương án sơ tán dân</a>' in page
    assert "Ghi hình không thành công." in page
    assert f"/recordings/{failed.id}" not in page
    response = client.get(link)
    assert response.status_code == 200 and response.content == content
    assert response.headers["content-type"] == "video/mp4"
    part = client.get(link, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == content[100:200]
    assert client.get(f"/meetings/{world.meeting_id}/recordings/{failed.id}").status_code == 404

    client.post("/logout", data={"csrf_token": ""})
    client.cookies.clear()
    log_in(client, "nguoingoai")
    assert client.get(link).status_code in (403, 404)
    assert client.get(f"/meetings/{world.meeting_id}").status_code in (403, 404)


async def test_recordings_left_running_by_a_restart_are_completed(app: Starlette, people: Directory) -> None:
    world = room_world(app, people)
    ctx = app.state.ctx
    folder = ctx.settings.data_dir / "recordings"
    folder.mkdir(parents=True)
    (folder / "finished.mp4").write_bytes(b"x" * 1000)  # the recorder finished it when the app went away
    (folder / "crashed.mp4.part").write_bytes(b"y" * 500)
    started = datetime.now(UTC) - timedelta(minutes=5)
    with ctx.session() as session:
        for name in ("finished", "crashed"):
            session.add(Recording(meeting_id=world.meeting_id, filename=f"recordings/{name}.mp4", started_at=started))
        session.commit()
    await app.state.rooms.recordings.recover()
    with ctx.session() as session:
        finished, crashed = session.exec(select(Recording).order_by(col(Recording.id))).all()
    assert finished.status == "done" and finished.size_bytes == 1000
    assert finished.duration_s is not None and 290 <= finished.duration_s <= 310
    assert crashed.status == "failed" and crashed.ended_at is not None
    assert sorted(p.name for p in folder.iterdir()) == ["finished.mp4"]
