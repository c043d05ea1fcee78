"""Forwarding between real aiortc peers on loopback, through the media server running in this process."""

from __future__ import annotations

import asyncio
import itertools
import time

from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender

from media import rtcp
from media.bench.sources import CounterVideoTrack, ToneAudioTrack, read_stamp
from media.server import MediaServer
from media.vp8 import parse_descriptor
from tests.media.conftest import Events
from tests.media.peers import Site, wait_for

ROOM = "giao-ban"


def joiner(server: MediaServer, name: str):  # type: ignore[no-untyped-def]
    return lambda sdp: server.join(ROOM, name, sdp)


async def start(server: MediaServer, site: Site) -> Site:
    await site.join(joiner(server, site.name))
    return site


def show(server: MediaServer, subscriber: Site, publisher: Site, kinds: tuple[str, ...] = ("video", "audio")) -> None:
    for kind in kinds:
        server.set_slot(ROOM, subscriber.name, subscriber.slots(kind)[0], publisher.name, publisher.track(kind))


def no_codec_in_server(server: MediaServer) -> None:
    for room in server.rooms.values():
        for participant in room.participants.values():
            for transceiver in participant.pc.getTransceivers():
                sender: RTCRtpSender = transceiver.sender
                receiver: RTCRtpReceiver = transceiver.receiver
                assert sender._RTCRtpSender__encoder is None  # type: ignore[attr-defined]
                assert sender._RTCRtpSender__rtp_task is None  # type: ignore[attr-defined]
                assert receiver._RTCRtpReceiver__decoder_thread is None  # type: ignore[attr-defined]


async def test_payloads_arrive_byte_identical_and_every_subscriber_counts_frames(media_server: MediaServer) -> None:
    chair = await start(media_server, Site("chair", CounterVideoTrack(), ToneAudioTrack()))
    communes = [await start(media_server, Site(f"xa-{i}", slots=("video", "audio"))) for i in range(3)]
    for commune in communes:
        show(media_server, commune, chair)
    for commune in communes:
        await wait_for(lambda c=commune: c.frames(c.slots("video")[0]) >= 20, 10, f"20 frames at {commune.name}")

    assert chair.sent is not None
    sent = set(chair.sent.payloads())
    for commune in communes:
        assert commune.received is not None
        video_ssrc = commune.slot_ssrc(commune.slots("video")[0])
        audio_ssrc = commune.slot_ssrc(commune.slots("audio")[0])
        video = commune.received.payloads(video_ssrc)
        audio = commune.received.payloads(audio_ssrc)
        assert len(video) > 20 and len(audio) > 20
        assert all(p in sent for p in video + audio), "a payload was altered on the way"
        assert commune.received.frames(video_ssrc) >= 20  # frame ends (marker bits) counted at the RTP level
        assert commune.frames(commune.slots("audio")[0]) > 20
    no_codec_in_server(media_server)
    stats = media_server.stats(ROOM)[ROOM]
    assert stats["chair"]["packets_received"] > 0
    assert all(stats[c.name]["packets_forwarded"] > 0 for c in communes)
    for site in [chair, *communes]:
        await site.close()


async def test_a_subscribers_keyframe_request_reaches_the_publisher(media_server: MediaServer) -> None:
    chair = await start(media_server, Site("chair", CounterVideoTrack()))
    commune = await start(media_server, Site("xa", slots=("video",)))
    show(media_server, commune, chair, ("video",))
    await wait_for(lambda: commune.frames("0") >= 5, 10, "the first frames")
    chair_receiver = media_server.room(ROOM).participants["chair"].receivers[chair.track("video")]
    requests_before = chair_receiver.keyframe_requests
    keyframes_before = chair_receiver.keyframes

    # The publisher's peer sees the server's PLI for its own video SSRC.
    plis: list[int] = []
    dtls = chair.pc.getTransceivers()[0].sender.transport
    original = dtls._handle_rtcp_data

    async def spy(data: bytes) -> None:
        plis.extend(i.media_ssrc for i in rtcp.parse_rtcp(data) if isinstance(i, rtcp.KeyframeRequest))
        await original(data)

    dtls._handle_rtcp_data = spy
    slot_ssrc = commune.slot_ssrc("0")
    sub_dtls = commune.pc.getTransceivers()[0].receiver.transport
    for _ in range(5):  # a burst of requests: the server passes them on rate-limited
        await sub_dtls._send_rtp(rtcp.picture_loss(1234, slot_ssrc))
    await wait_for(lambda: bool(plis), 3, "the PLI at the publisher")
    assert plis[0] == chair.pc.getTransceivers()[0].sender._ssrc
    await wait_for(lambda: chair_receiver.keyframes > keyframes_before, 3, "a new keyframe from the publisher")
    assert chair_receiver.keyframe_requests - requests_before == 1
    for site in (chair, commune):
        await site.close()


async def test_a_late_joiner_gets_a_picture_at_once(media_server: MediaServer) -> None:
    # aiortc's encoder makes keyframes only when asked: without the server's request a late joiner sees nothing.
    chair = await start(media_server, Site("chair", CounterVideoTrack()))
    early = await start(media_server, Site("early", slots=("video",)))
    show(media_server, early, chair, ("video",))
    await wait_for(lambda: early.frames("0") >= 30, 10, "two seconds of video at the early site")
    late = Site("late", slots=("video",))
    late.keep_frames = True
    asked = time.monotonic()
    await start(media_server, late)
    show(media_server, late, chair, ("video",))
    await wait_for(lambda: late.frames("0") >= 1, 3, "a picture at the late site")
    assert late.decoded["0"][0] - asked < 2.0
    # The first picture it decodes is a whole one: the frame counter drawn into it reads back.
    first = read_stamp(late.decoded_frames["0"][0])
    assert first >= 30
    for site in (chair, early, late):
        await site.close()


async def test_stopping_a_participants_audio_silences_it_everywhere(media_server: MediaServer) -> None:
    speaker = await start(media_server, Site("xa-a", CounterVideoTrack(), ToneAudioTrack()))
    listeners = [await start(media_server, Site(f"xa-{i}", slots=("video", "audio"))) for i in range(2)]
    for listener in listeners:
        show(media_server, listener, speaker)
    for listener in listeners:
        await wait_for(lambda x=listener: x.frames(x.slots("audio")[0]) > 10, 10, "audio at every listener")

    def audio_packets(site: Site) -> int:
        assert site.received is not None
        return len(site.received.payloads(site.slot_ssrc(site.slots("audio")[0])))

    def video_packets(site: Site) -> int:
        assert site.received is not None
        return len(site.received.payloads(site.slot_ssrc(site.slots("video")[0])))

    media_server.set_paused(ROOM, "xa-a", "audio", True)
    await asyncio.sleep(0.3)  # packets already on their way
    audio_before = [audio_packets(x) for x in listeners]
    video_before = [video_packets(x) for x in listeners]
    await asyncio.sleep(1.0)
    assert [audio_packets(x) for x in listeners] == audio_before
    assert all(video_packets(x) > v for x, v in zip(listeners, video_before, strict=True))

    # A site cannot undo the pause by joining again.
    await speaker.close()
    speaker = await start(media_server, Site("xa-a", CounterVideoTrack(), ToneAudioTrack()))
    await asyncio.sleep(1.0)
    assert [audio_packets(x) for x in listeners] == audio_before

    media_server.set_paused(ROOM, "xa-a", "audio", False)
    await wait_for(
        lambda: all(audio_packets(x) > a + 10 for x, a in zip(listeners, audio_before, strict=True)),
        5,
        "audio again after the resume",
    )
    for site in (speaker, *listeners):
        await site.close()


async def test_switching_the_slot_source_keeps_one_continuous_stream(media_server: MediaServer, events: Events) -> None:
    loud = await start(media_server, Site("chair", CounterVideoTrack(), ToneAudioTrack()))
    quiet = await start(media_server, Site("xa-b", CounterVideoTrack(), ToneAudioTrack(silent=True)))
    viewer = await start(media_server, Site("xa-c", slots=("video", "audio")))
    show(media_server, viewer, quiet)
    slot = viewer.slots("video")[0]
    await wait_for(lambda: viewer.frames(slot) >= 15, 10, "the first source's frames")
    show(media_server, viewer, loud)
    frames_at_switch = viewer.frames(slot)
    await wait_for(lambda: viewer.frames(slot) >= frames_at_switch + 15, 10, "the second source's frames")

    assert viewer.received is not None
    ssrc = viewer.slot_ssrc(slot)
    packets = [p for p in viewer.received.packets if p[0] == ssrc]
    assert {p[0] for p in viewer.received.packets} <= {
        viewer.slot_ssrc(m) for m in viewer.slots("video") + viewer.slots("audio")
    }
    seqs = [p[1] for p in packets]
    assert all((b - a) & 0xFFFF < 50 for a, b in itertools.pairwise(seqs)), "a jump in sequence numbers"
    timestamps = [p[2] for p in packets]
    assert all((b - a) & 0xFFFFFFFF < 90000 for a, b in itertools.pairwise(timestamps))
    pictures = [parse_descriptor(p[4])[0][0] for p in packets if p[4][0] & 0x10]  # frame starts
    steps = {(b - a) & 0x7FFF for a, b in itertools.pairwise(pictures)}
    assert steps <= {1, 2, 3}, f"picture ids must keep increasing across the switch, saw steps {sorted(steps)}"
    # The source is a different publisher now: its own frame counter, decoded at the viewer.
    assert media_server.stats(ROOM)[ROOM]["xa-c"]["slots"][slot]["source"] == f"chair/{loud.track('video')}"

    await wait_for(
        lambda: any(e["participant"] == "chair" for e in events.of("active_speaker")),
        5,
        "the tone as the active speaker",
    )
    assert all(e["participant"] != "xa-b" for e in events.of("active_speaker"))
    for site in (loud, quiet, viewer):
        await site.close()


async def test_a_room_layout_of_many_slots_negotiates_once(media_server: MediaServer) -> None:
    # What a meeting-room page asks for: main view, active speaker, four thumbnails, screen share, three audio.
    chair = await start(media_server, Site("chair", CounterVideoTrack(), ToneAudioTrack()))
    layout = ("audio", "video", "video", "video", "video", "video", "video", "video", "audio", "audio")
    commune = await start(media_server, Site("xa", CounterVideoTrack(), ToneAudioTrack(), slots=layout))
    assert [t["kind"] for t in commune.result["tracks"]] == ["video", "audio"]
    assert [s["kind"] for s in commune.result["slots"]] == list(layout)
    last_video, last_audio = commune.slots("video")[-1], commune.slots("audio")[-1]
    media_server.set_slot(ROOM, "xa", last_video, "chair", chair.track("video"))
    media_server.set_slot(ROOM, "xa", last_audio, "chair", chair.track("audio"))
    await wait_for(lambda: commune.frames(last_video) >= 5 and commune.frames(last_audio) >= 5, 10, "the last slots")
    for site in (chair, commune):
        await site.close()


async def test_h264_is_forwarded_too(media_server: MediaServer) -> None:
    from aiortc import RTCRtpSender

    chair = Site("chair", CounterVideoTrack())
    h264 = [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType in ("video/H264", "video/rtx")]
    chair.pc.getTransceivers()[0].setCodecPreferences(h264)
    await start(media_server, chair)
    late = await start(media_server, Site("xa", slots=("video",)))
    media_server.set_slot(ROOM, "xa", "0", "chair", chair.track("video"))
    await wait_for(lambda: late.frames("0") >= 10, 15, "H264 frames decoded at the subscriber")
    receiver = media_server.room(ROOM).participants["chair"].receivers[chair.track("video")]
    assert receiver.codecs[0].name == "H264"
    assert receiver.keyframes >= 1  # the IDR the server asked for, recognised in the H264 payload
    for site in (chair, late):
        await site.close()


async def test_sender_reports_carry_the_publishers_clock_into_the_slots_timestamps(media_server: MediaServer) -> None:
    chair = await start(media_server, Site("chair", CounterVideoTrack(), ToneAudioTrack()))
    commune = await start(media_server, Site("xa", slots=("video", "audio")))
    show(media_server, commune, chair)
    published: list[rtcp.SenderReport] = []
    received: list[rtcp.SenderReport] = []
    sender = chair.pc.getTransceivers()[0].sender.transport
    original_send = sender._send_rtp

    async def spy_send(data: bytes) -> None:
        if 192 <= data[1] <= 223:
            published.extend(i for i in rtcp.parse_rtcp(data) if isinstance(i, rtcp.SenderReport))
        await original_send(data)

    sender._send_rtp = spy_send
    receiving = commune.pc.getTransceivers()[0].receiver.transport
    original_handle = receiving._handle_rtcp_data

    async def spy_handle(data: bytes) -> None:
        received.extend(i for i in rtcp.parse_rtcp(data) if isinstance(i, rtcp.SenderReport))
        await original_handle(data)

    receiving._handle_rtcp_data = spy_handle
    video_slot = commune.slots("video")[0]
    out_ssrc = commune.slot_ssrc(video_slot)
    in_ssrc = chair.pc.getTransceivers()[0].sender._ssrc
    await wait_for(lambda: sum(1 for r in received if r.ssrc == out_ssrc) >= 2, 10, "two sender reports on the slot")

    # The slot's timestamps are the publisher's plus a fixed offset: find it from one payload seen on both sides.
    assert chair.sent is not None and commune.received is not None
    sent_ts = {p[4]: p[2] for p in chair.sent.packets if p[0] == in_ssrc}
    offset = next((p[2] - sent_ts[p[4]]) & 0xFFFFFFFF for p in commune.received.packets if p[0] == out_ssrc)
    by_ntp = {r.ntp: r.rtp_timestamp for r in published if r.ssrc == in_ssrc}
    mapped = [r for r in received if r.ssrc == out_ssrc and r.ntp in by_ntp]
    assert mapped, "the slot's sender reports should carry the publisher's NTP times"
    assert all(r.rtp_timestamp == (by_ntp[r.ntp] + offset) & 0xFFFFFFFF for r in mapped)
    for site in (chair, commune):
        await site.close()


async def test_publishers_get_receiver_reports_and_remb(media_server: MediaServer) -> None:
    chair = await start(media_server, Site("chair", CounterVideoTrack()))
    feedback: list[rtcp.Feedback] = []
    dtls = chair.pc.getTransceivers()[0].sender.transport
    original = dtls._handle_rtcp_data

    async def spy(data: bytes) -> None:
        feedback.extend(rtcp.parse_rtcp(data))
        await original(data)

    dtls._handle_rtcp_data = spy
    video_ssrc = chair.pc.getTransceivers()[0].sender._ssrc

    def reported() -> bool:
        blocks = [b for f in feedback if isinstance(f, rtcp.ReceiverReport) for b in f.reports]
        rembs = [f for f in feedback if isinstance(f, rtcp.Remb) and video_ssrc in f.ssrcs]
        return any(b.ssrc == video_ssrc for b in blocks) and bool(rembs)

    await wait_for(reported, 6, "a receiver report and a REMB about the publisher's video")
    remb = next(f for f in feedback if isinstance(f, rtcp.Remb))
    assert 150_000 <= remb.bitrate <= 2_500_000
    await chair.close()


async def test_a_subscribers_link_is_reported_from_its_remb_and_its_reports(media_server: MediaServer) -> None:
    # What the web app needs to give a site on a weak line smaller pictures: the site's browser's estimate of
    # what it can receive (REMB) and the loss its receiver reports give, per participant.
    chair = await start(media_server, Site("chair", CounterVideoTrack()))
    commune = await start(media_server, Site("xa", slots=("video",)))
    show(media_server, commune, chair, ("video",))
    mid = commune.slots("video")[0]
    await wait_for(lambda: commune.frames(mid) >= 10, 10, "frames at the commune")
    assert media_server.stats(ROOM)[ROOM]["chair"]["downlink_bps"] is None  # receives nothing: no estimate

    dtls = commune.pc.getTransceivers()[0].receiver.transport
    slot_ssrc = commune.slot_ssrc(mid)
    weak = rtcp.remb(0x1234, 400_000, [slot_ssrc]) + rtcp.receiver_report(
        0x1234, [rtcp.ReportBlock(slot_ssrc, 64, 10, 0, 0, 0, 0)]  # 64/256: a quarter lost
    )

    async def weak_link() -> bool:
        # aiortc's own receiver reports and estimates keep coming too: send ours until a reading shows it.
        await dtls._send_rtp(weak)
        await asyncio.sleep(0.05)
        figures = media_server.stats(ROOM)[ROOM]["xa"]
        return bool(figures["downlink_bps"] == 400_000 and figures["downlink_loss"] == 0.25)

    deadline = time.monotonic() + 10
    while not await weak_link():
        assert time.monotonic() < deadline, "the weak link's figures never showed"
    for site in (chair, commune):
        await site.close()
