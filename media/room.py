"""A room: the participants of one meeting, what each slot should carry, who is paused, who is speaking.

What each slot carries is kept as desired state — (subscriber, slot) -> (publisher, track) — and
reconciled whenever a participant connects, publishes or leaves. So a slot set before its publisher
has connected fills by itself, and a publisher who rejoins reappears in the slots that showed them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from media.audiolevel import ActiveSpeakerObserver, Level
from media.codecs import payload_type_map
from media.config import MediaConfig
from media.errors import IncompatibleSlot, UnknownParticipant, UnknownTrack
from media.participant import Participant

logger = logging.getLogger(__name__)

EventSink = Callable[[str, dict[str, Any]], None]
KINDS = ("audio", "video")


class Room:
    def __init__(self, room_id: str, config: MediaConfig, emit: EventSink) -> None:
        self.id = room_id
        self.config = config
        self._emit = emit
        self.participants: dict[str, Participant] = {}
        self._slots: dict[tuple[str, str], tuple[str, str] | None] = {}
        # Pauses outlive a participant's connection: a site cannot undo the chair's mute by rejoining.
        self._paused: dict[str, set[str]] = {}
        self.observer = ActiveSpeakerObserver(config.speaking_level)
        self._ticker: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False
        # Packets forwarded to participants no longer here: totals must not fall when someone leaves.
        self.forwarded_departed = 0

    def emit(self, event: str, **data: Any) -> None:
        self._emit(event, {"room": self.id, **data})

    # Joining and leaving.
    async def join(self, participant_id: str, offer_sdp: str) -> dict[str, Any]:
        """Negotiate a participant's connection; a second join with the same id replaces the first."""
        old = self.participants.pop(participant_id, None)
        if old is not None:
            await self._dispose(old, "replaced")
        participant = Participant(participant_id, self.config, self._participant_changed)
        participant.paused = set(self._paused.get(participant_id, ()))
        self.participants[participant_id] = participant
        try:
            answer = await participant.answer(offer_sdp)
        except BaseException:
            if self.participants.get(participant_id) is participant:
                del self.participants[participant_id]
            await participant.close()
            raise
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._run_ticker(), name=f"media-room-{self.id}")
        return {
            "sdp": answer,
            "tracks": [{"mid": mid, "kind": kind} for mid, kind in participant.tracks.items()],
            "slots": [{"mid": mid, "kind": kind} for mid, kind in participant.slots.items()],
        }

    async def leave(self, participant_id: str) -> None:
        participant = self.participants.pop(participant_id, None)
        if participant is None:
            raise UnknownParticipant(f"{participant_id} is not in room {self.id}")
        for key in [k for k in self._slots if k[0] == participant_id]:
            del self._slots[key]
        await self._dispose(participant, "left")

    async def _dispose(self, participant: Participant, reason: str) -> None:
        self.observer.forget(participant.id)
        await participant.close()
        self.forwarded_departed += participant.packets_forwarded
        self._reconcile()
        self.emit("participant_left", participant=participant.id, reason=reason)

    def _participant_changed(self, participant: Participant) -> None:
        if self._closed or self.participants.get(participant.id) is not participant:
            return
        if participant.state in ("failed", "closed"):
            # The connection died (the client vanished, or DTLS failed): clean up as if it had left,
            # keeping its slot assignments so that a rejoin restores them.
            del self.participants[participant.id]
            task = asyncio.ensure_future(self._dispose(participant, participant.state))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
            return
        if participant.state == "connected" and participant.connected_at is not None:
            self.emit("participant_connected", participant=participant.id)
        self._reconcile()

    # What flows where.
    def set_slot(self, subscriber_id: str, slot_mid: str, publisher_id: str | None, track_mid: str | None) -> None:
        """Make a subscriber's slot carry a publisher's track (or nothing, when publisher_id is None)."""
        subscriber = self._participant(subscriber_id)
        slot_kind = subscriber.slots.get(slot_mid)
        if slot_kind is None:
            raise UnknownTrack(f"{subscriber_id} has no receive slot {slot_mid!r}")
        if publisher_id is None:
            self._slots[(subscriber_id, slot_mid)] = None
        else:
            publisher = self._participant(publisher_id)
            if track_mid is None or track_mid not in publisher.tracks:
                raise UnknownTrack(f"{publisher_id} publishes no track {track_mid!r}")
            if publisher.tracks[track_mid] != slot_kind:
                raise IncompatibleSlot(
                    f"slot {slot_mid} takes {slot_kind}, track {track_mid} is {publisher.tracks[track_mid]}"
                )
            if not payload_type_map(publisher.track_codecs[track_mid], subscriber.slot_codecs[slot_mid]):
                raise IncompatibleSlot(f"{subscriber_id} negotiated no codec of {publisher_id}'s track {track_mid}")
            self._slots[(subscriber_id, slot_mid)] = (publisher_id, track_mid)
        self._reconcile()

    def slot(self, subscriber_id: str, slot_mid: str) -> tuple[str, str] | None:
        return self._slots.get((subscriber_id, slot_mid))

    def _reconcile(self) -> None:
        for (subscriber_id, slot_mid), target in self._slots.items():
            subscriber = self.participants.get(subscriber_id)
            downtrack = subscriber.downtracks.get(slot_mid) if subscriber is not None else None
            if downtrack is None:
                continue
            receiver = None
            if target is not None:
                publisher = self.participants.get(target[0])
                receiver = publisher.receivers.get(target[1]) if publisher is not None else None
            if receiver is downtrack.source or (receiver is not None and receiver is downtrack.forwarder.pending):
                continue
            try:
                downtrack.set_source(receiver)
            except IncompatibleSlot as exc:
                logger.warning("room %s: %s", self.id, exc)

    def set_paused(self, participant_id: str, kind: str, paused: bool) -> None:
        """Stop (or resume) forwarding a participant's audio or video to everyone."""
        if kind not in KINDS:
            raise UnknownTrack(f"kind must be audio or video, not {kind!r}")
        kinds = self._paused.setdefault(participant_id, set())
        if paused:
            kinds.add(kind)
        else:
            kinds.discard(kind)
        participant = self.participants.get(participant_id)
        if participant is None:
            return
        participant.paused = set(kinds)
        now = time.monotonic()
        for receiver in participant.receivers.values():
            if receiver.kind != kind or receiver.paused == paused:
                continue
            receiver.paused = paused
            if not paused:
                for downtrack in receiver.downtracks:
                    downtrack.resume(receiver, now)
        if paused and kind == "audio":
            self.observer.forget(participant_id)

    def is_paused(self, participant_id: str, kind: str) -> bool:
        return kind in self._paused.get(participant_id, set())

    def _participant(self, participant_id: str) -> Participant:
        participant = self.participants.get(participant_id)
        if participant is None:
            raise UnknownParticipant(f"{participant_id} is not in room {self.id}")
        return participant

    # Housekeeping.
    async def _run_ticker(self) -> None:
        next_levels = time.monotonic() + self.config.speaker_window
        while True:
            await asyncio.sleep(self.config.tick_interval)
            now = time.monotonic()
            for participant in list(self.participants.values()):
                if participant.state != "connected":
                    continue
                try:
                    participant.tick(now)
                except Exception:  # one participant's trouble must not stop the others' reports
                    logger.exception("room %s: housekeeping of %s failed", self.id, participant.id)
            if now >= next_levels:
                next_levels = now + self.config.speaker_window
                speaker = self.observer.observe(self.audio_levels())
                if speaker is not None:
                    self.emit("active_speaker", participant=speaker)

    def audio_levels(self) -> list[Level]:
        """This window's level of every audible (connected, not paused) audio track; resets the window."""
        levels = []
        for participant in self.participants.values():
            for receiver in participant.receivers.values():
                if receiver.kind == "audio":
                    level, voice = receiver.take_audio_level()
                    if not receiver.paused:
                        levels.append(Level(participant.id, level, voice))
        return levels

    def stats(self) -> dict[str, Any]:
        return {pid: participant_stats(p) for pid, p in self.participants.items()}

    def forwarded_total(self) -> int:
        """Packets forwarded in this room since it opened, to everyone who has been in it."""
        return self.forwarded_departed + sum(p.packets_forwarded for p in self.participants.values())

    async def close(self) -> None:
        self._closed = True
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for participant in list(self.participants.values()):
            await participant.close()
            self.forwarded_departed += participant.packets_forwarded
        self.participants.clear()
        while self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


REMB_FRESH = 5.0  # seconds: a browser sends its estimate about once a second while it receives


def downlink(p: Participant, now: float) -> tuple[int | None, float]:
    """What the participant's own link toward it shows: its browser's latest estimate of what it can receive
    (REMB, bit/s; None when none came lately) and the worst loss its reports give for a video slot (0..1)."""
    fresh = p.remb if p.remb is not None and now - p.remb_at < REMB_FRESH else None
    losses = [d.fraction_lost / 256 for d in p.downtracks.values() if d.kind == "video" and d.packets_sent]
    return fresh, max(losses, default=0.0)


def participant_stats(p: Participant) -> dict[str, Any]:
    """A participant's figures, as the control API reports them."""
    downlink_bps, downlink_loss = downlink(p, time.monotonic())
    return {
        "state": p.state,
        # From the join request to the transport up, as the server saw it (None: not yet).
        "connected_ms": None if p.connected_at is None else round((p.connected_at - p.joined_at) * 1000),
        "paused": sorted(p.paused),
        "bytes_received": p.bytes_received,
        "bytes_sent": p.bytes_sent,
        "bitrate_in": round(p.bitrate_in),
        "bitrate_out": round(p.bitrate_out),
        "packets_received": p.packets_received,
        "packets_forwarded": p.packets_forwarded,
        "packets_lost": p.packets_lost,
        "rtt_ms": None if p.rtt is None else round(p.rtt * 1000, 1),
        "downlink_bps": downlink_bps,
        "downlink_loss": round(downlink_loss, 3),
        "dropped": p.dropped,
        "tracks": {
            mid: {
                "kind": r.kind,
                "packets": r.packets,
                "frames": r.frames,
                "keyframes": r.keyframes,
                "keyframe_requests": r.keyframe_requests,
                "lost": r.stats.lost,
                "recovered": r.recovered,
                "paused": r.paused,
            }
            for mid, r in p.receivers.items()
        },
        "slots": {
            mid: {
                "kind": d.kind,
                "source": None if d.source is None else f"{d.source.participant_id}/{d.source.mid}",
                "packets": d.packets_sent,
                "frames": d.frames_sent,
                "retransmits": d.retransmits,
                "nacks": d.nacks_received,
                "keyframe_requests": d.keyframe_requests_received,
                "fraction_lost": round(d.fraction_lost / 256, 3),
                "rtt_ms": None if d.rtt is None else round(d.rtt * 1000, 1),
            }
            for mid, d in p.downtracks.items()
        },
    }
