"""The signalling WebSocket against bad and hostile input: refused joins, malformed and oversized messages,
malformed SDP, a peer vanishing mid-handshake. Each ends in a clear message and a clean close, and the sites
already in the room are not disturbed."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from meetings import directory
from meetings.directory import PersonDraft, SiteDraft, UnitDraft
from meetings.people import Role
from meetings.units import UnitLevel
from tests.web.conftest import Directory
from tests.web.room.conftest import RoomWorld, Served, room_world, stop_all
from web.room.bots import wait_until
from web.room.tokens import JoinGrant, person_token

pytestmark = pytest.mark.slow


async def exchange(
    served: Served, *messages: str | bytes, wait: float = 10.0
) -> tuple[list[dict[str, Any]], int | None]:
    """Send ``messages`` on a fresh connection; return what came back and the close code."""
    received: list[dict[str, Any]] = []
    async with connect(served.ws_url, max_size=2**20) as ws:
        for message in messages:
            try:
                await ws.send(message)
            except ConnectionClosed:
                break
        try:
            async with asyncio.timeout(wait):
                async for raw in ws:
                    received.append(json.loads(raw))
        except (TimeoutError, ConnectionClosed):
            pass
        return received, ws.close_code


def join(token: str) -> str:
    return json.dumps({"type": "join", "token": token})


async def refusal(served: Served, token: str) -> str:
    received, code = await exchange(served, join(token))
    assert code == 4403
    assert [m["type"] for m in received] == ["refused"]
    message = received[0]["message"]
    assert isinstance(message, str)
    return message


async def test_forged_expired_and_uninvited_joins_are_refused_with_a_message(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    token = world.site_token(world.sites[1])
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert "không hợp lệ" in await refusal(served, forged)
    assert "không hợp lệ" in await refusal(served, "rác")
    expired = world.token(
        JoinGrant("site", world.meeting_id, world.sites[1].id, None, datetime.now(UTC) - timedelta(minutes=1))
    )
    assert (
        await refusal(served, expired)
        == "Đường dẫn vào phòng họp đã hết hạn. Hãy xin đường dẫn mới từ thư ký cuộc họp."
    )
    # A commune's room that the meeting does not invite, with a correctly signed link.
    with served.app.state.ctx.session() as session:
        unit = directory.create_unit(
            session,
            None,
            UnitDraft(name="UBND xã Pa Ủ", code="000.03.12.H49", level=UnitLevel.COMMUNE, parent_id=people.district.id),
        )
        assert unit.id is not None
        stranger = directory.create_site(session, None, SiteDraft(unit_id=unit.id, name="Hội trường xã Pa Ủ"))
        official = directory.create_person(
            session,
            None,
            PersonDraft(username="canbo.pau", full_name="Lò Thị Pa", unit_id=unit.id, roles=(Role.SITE_OFFICIAL,)),
        )
    not_invited = world.token(
        JoinGrant("site", world.meeting_id, stranger.id, None, datetime.now(UTC) + timedelta(hours=1))
    )
    assert await refusal(served, not_invited) == "Điểm cầu này không có trong danh sách được mời dự cuộc họp."
    assert official.id is not None
    ctx = served.app.state.ctx
    person = person_token(ctx.settings, ctx.secret_key, world.meeting_id, None, official.id, now=datetime.now(UTC))
    assert "không được mời" in await refusal(served, person)
    # A token from another application (another secret) is as good as forged.
    other = JoinGrant("site", world.meeting_id, world.sites[1].id, None, datetime.now(UTC) + timedelta(hours=1))
    from web.room.tokens import make_token

    assert "không hợp lệ" in await refusal(served, make_token("another secret " * 3, other))


async def test_malformed_and_oversized_messages_are_refused_and_the_room_is_undisturbed(
    served: Served, people: Directory
) -> None:
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a", size=(160, 120), fps=10)
    b = served.bot(world.site_token(world.sites[2]), "b", tone=False, size=(160, 120), fps=10)
    token = world.site_token(world.sites[0])
    try:
        await wait_until(lambda: a.seen(5) == {f"site-{world.sites[2].id}"} and b.seen(5), 30, "the room working")

        cases: list[tuple[tuple[str | bytes, ...], str, int]] = [
            (("{not json",), "malformed", 4400),
            (("[1, 2]",), "malformed", 4400),
            ((b"\x00\x01binary",), "malformed", 4400),
            ((json.dumps({"type": "offer", "sdp": "v=0"}),), "malformed", 4400),  # before joining
            ((json.dumps({"type": "teleport"}),), "unknown_type", 4400),
            ((json.dumps({"type": "join", "token": "x" * 70_000}),), "too_big", 1009),
            ((json.dumps({"type": "ping"}),), "join_first", 4400),
            ((join(token), json.dumps({"type": "chat", "text": 42})), "malformed", 4400),
            ((join(token), json.dumps({"type": "hand", "raised": "yes"})), "malformed", 4400),
            ((join(token), json.dumps({"type": "chair", "action": "explode"})), "malformed", 4400),
            ((join(token), json.dumps({"type": "stats", "loss": 7})), "malformed", 4400),
            ((join(token), json.dumps({"type": "join", "token": token})), "malformed", 4400),
            ((join(token), "x" * 70_000), "too_big", 1009),
            # A client gone mad: hundreds of messages at once.
            (
                (
                    join(token),
                    *[json.dumps({"type": "media_state", "audio": i % 2 == 0, "video": True}) for i in range(250)],
                ),
                "flood",
                4429,
            ),
        ]
        for messages, code, close in cases:
            received, close_code = await exchange(served, *messages)
            errors = [m for m in received if m["type"] == "error"]
            assert [e["code"] for e in errors] == [code], (messages[-1][:60], received)
            assert errors[0]["message"], "a message people can read"
            assert close_code == close
        # Offers whose roles do not fit: a role twice, a mid both sent and received, a role that does not exist.
        for tracks, slots in (
            ({"0": "camera", "1": "camera"}, {"2": "main"}),
            ({"0": "camera"}, {"0": "main"}),
            ({"0": "camera"}, {"2": "wall"}),
            ({"0": "camera"}, {"2": "main", "3": "main"}),
        ):
            offer = json.dumps({"type": "offer", "sdp": "v=0\r\n", "tracks": tracks, "slots": slots})
            received, close_code = await exchange(served, join(token), offer)
            assert [m["code"] for m in received if m["type"] == "error"] == ["malformed"]
            assert close_code == 4400

        # Everyone already there is still there, still receiving.
        frames_a, frames_b = a.pictures[f"site-{world.sites[2].id}"], b.pictures[f"site-{world.sites[1].id}"]
        await wait_until(
            lambda: (
                a.pictures[f"site-{world.sites[2].id}"] > frames_a + 10
                and b.pictures[f"site-{world.sites[1].id}"] > frames_b + 10
            ),
            20,
            "the others' media still flowing",
        )
        assert a.state == b.state == "joined" and a.sessions == b.sessions == 1
    finally:
        await stop_all(a, b)


async def test_malformed_sdp_is_refused_cleanly(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a", size=(160, 120), fps=10)
    try:
        await wait_until(lambda: a.state == "joined", 20, "a in the room")
        token = world.site_token(world.sites[2])
        for sdp in ("v=0\r\nthis is not sdp", "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", "m=" + "x" * 40_000):
            offer = json.dumps({"type": "offer", "sdp": sdp, "tracks": {"0": "camera"}, "slots": {"1": "main"}})
            received, close_code = await exchange(served, join(token), offer)
            assert received[0]["type"] == "welcome" and received[-1]["type"] == "error", received
            assert received[-1]["code"] == "bad_offer"
            assert "SDP" in received[-1]["message"]
            assert close_code == 4400
        # A real offer whose m-lines do not match the roles it claims (audio called a camera).
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        pc.addTransceiver("audio", direction="sendonly")
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        offer = json.dumps(
            {"type": "offer", "sdp": pc.localDescription.sdp, "tracks": {"0": "camera"}, "slots": {"1": "main"}}
        )
        received, close_code = await exchange(served, join(token), offer)
        await pc.close()
        assert received[-1]["code"] == "bad_offer" and close_code == 4400
        await asyncio.sleep(0.5)
        stats = await served.rooms.media_call("stats", room=f"meeting-{world.meeting_id}")
        assert set(stats[f"meeting-{world.meeting_id}"]) == {f"site-{world.sites[1].id}"}
        assert a.state == "joined" and a.sessions == 1
    finally:
        await stop_all(a)


async def test_a_peer_vanishing_mid_handshake_is_cleaned_up(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a", size=(160, 120), fps=10)
    room_key = f"meeting-{world.meeting_id}"
    vanishing = f"site-{world.sites[2].id}"
    try:
        await wait_until(lambda: a.state == "joined", 20, "a in the room")
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        pc.addTransceiver("video", direction="sendonly")
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        offer = {"type": "offer", "sdp": pc.localDescription.sdp, "tracks": {"0": "camera"}, "slots": {"1": "main"}}
        # Join, offer, and go away without waiting for the answer.
        async with connect(served.ws_url) as ws:
            await ws.send(join(world.site_token(world.sites[2])))
            await ws.send(json.dumps(offer))
        await pc.close()

        async def gone() -> bool:
            stats = await served.rooms.media_call("stats")
            room = served.rooms.rooms.get(room_key)
            return vanishing not in stats.get(room_key, {}) and (room is None or vanishing not in room.participants)

        for _ in range(400):
            if await gone():
                break
            await asyncio.sleep(0.1)
        assert await gone(), "the vanished peer is still in the room"
        assert [p["id"] for p in a.roster] == [f"site-{world.sites[1].id}"]
        assert a.state == "joined" and a.sessions == 1
        # The same site can come in properly right after.
        b = served.bot(world.site_token(world.sites[2]), "b", tone=False, size=(160, 120), fps=10)
        await wait_until(lambda: a.seen(5) == {vanishing}, 30, "the site, properly this time")
        await b.stop()
    finally:
        await stop_all(a)


async def test_a_media_session_no_room_knows_is_let_go(served: Served, people: Directory) -> None:
    # What a race between a vanishing client and its answer can leave behind: a session in the media server
    # that the room has forgotten. The rooms' ticker lets it go.
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a", size=(160, 120), fps=10)
    room_key = f"meeting-{world.meeting_id}"
    pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    try:
        await wait_until(lambda: a.state == "joined", 20, "a in the room")
        pc.addTransceiver("video", direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        await served.rooms.media_call("join", room=room_key, participant="site-orphan", sdp=pc.localDescription.sdp)
        assert "site-orphan" in (await served.rooms.media_call("stats"))[room_key]

        async def released() -> bool:
            return "site-orphan" not in (await served.rooms.media_call("stats")).get(room_key, {})

        for _ in range(200):
            if await released():
                break
            await asyncio.sleep(0.1)
        assert await released(), "the orphan is still in the media room"
        assert a.state == "joined" and a.sessions == 1  # the room's own participant stays
    finally:
        await pc.close()
        await stop_all(a)


async def test_a_peer_that_never_connects_its_media_is_dropped_from_the_media_room(
    served: Served, people: Directory
) -> None:
    world: RoomWorld = room_world(served.app, people)
    world.open()
    # An offer whose ICE never completes: the peer connection is closed right after offering, but the
    # signalling stays. The server gives up after its connect timeout (shortened here) and says so.
    served.rooms.connect_timeout = 2.0
    pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    pc.addTransceiver("video", direction="sendonly")
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    await pc.close()
    offer = {"type": "offer", "sdp": pc.localDescription.sdp, "tracks": {"0": "camera"}, "slots": {"1": "main"}}
    received, _ = await exchange(served, join(world.site_token(world.sites[1])), json.dumps(offer), wait=6)
    assert [m["code"] for m in received if m["type"] == "error"] == ["media_timeout"]
    stats = await served.rooms.media_call("stats")
    assert f"site-{world.sites[1].id}" not in stats.get(f"meeting-{world.meeting_id}", {})
