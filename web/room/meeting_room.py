"""One meeting's room while it runs: who is connected, what each of their slots carries, the lobby, the
active speaker, raised hands, chat and screen sharing. No HTTP here: participants are reached through a
``Connection`` (the WebSocket in ``web.room.signalling``, or anything a test provides).

What the media server forwards is decided by ``web.room.layout.plan`` and applied with ``set_slot``, without
renegotiation, each time something changes (a join, a leave, a new active speaker, the floor, a screen share).
Reconciliation is serialised per room and coalesced: many changes at once lead to one pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from media import errors as media_errors
from meetings.rooms import Seat
from web.room import protocol, roster
from web.room.chair_state import ChairState
from web.room.console import console_changed
from web.room.downlink import DownlinkJudge
from web.room.floor import floor_gone, pause
from web.room.layout import Assignment, Publisher, Scene, Subscriber, heard_speaker, plan
from web.room.meeting_log import MeetingLog
from web.room.participant import Connection, Participant
from web.room.protocol import ProtocolError
from web.room.quality import QualityMeter

log = logging.getLogger("giaoban.room")

# Roster coalescing (``MeetingRoom.send_roster``): a room of up to ROSTER_SMALL_ROOM participants is sent each
# change at once; beyond, the roster waits ROSTER_DELAY_PER_PARTICIPANT seconds per participant more, at most
# ROSTER_MAX_DELAY: the bytes a room sends a second stay about proportional to its size instead of its square.
ROSTER_SMALL_ROOM = 10
ROSTER_DELAY_PER_PARTICIPANT = 0.01
ROSTER_MAX_DELAY = 1.0

MediaCall = Callable[..., Awaitable[Any]]

# Which kind each role is, to check the media server's answer against what the client declared.
ROLE_KIND = {
    "camera": "video",
    "microphone": "audio",
    "screen": "video",
    "thumbnail": "video",
    "main": "video",
    "speaker": "video",
    "thumb": "video",
    "audio": "audio",
}


class MeetingRoom:
    def __init__(
        self,
        key: str,
        media: MediaCall,
        *,
        title: str,
        meeting_id: int | None = None,
        site_id: int | None = None,
        stage: str = "open",
        start_at: datetime | None = None,
        auto_open: bool = False,
        last_n: int = 8,
        audio_slots: int = 4,
        connect_timeout: float = protocol.CONNECT_TIMEOUT,
    ) -> None:
        self.key = key  # the media server's room id
        self.media = media
        self.title = title
        self.meeting_id = meeting_id
        self.site_id = site_id  # rehearsal rooms: the site rehearsing
        self.stage = stage  # lobby | open | closed
        self.start_at = start_at
        self.auto_open = auto_open
        self.thumbs = max(0, min(last_n, protocol.MAX_THUMBS))
        self.audio_slots = audio_slots
        self.connect_timeout = connect_timeout
        self.participants: dict[str, Participant] = {}
        self.assignments: dict[str, dict[str, Assignment | None]] = {}
        self.layouts: dict[str, dict[str, Any]] = {}
        self.speaker: str | None = None
        self.recent: list[str] = []
        # The chair's console (issue 6) sets these; the layout follows them.
        self.floor: str | None = None
        self.chaired = False
        self.hands: list[str] = []
        self.chairing = ChairState()
        self.journal: MeetingLog | None = None  # the meeting log (meetings only)
        self.recording_active: Callable[[], bool] = lambda: False  # set by the app's recordings
        self.media_stats: dict[str, dict[str, Any]] = {}  # the media server's figures, per participant
        self.downlink = DownlinkJudge()  # who is on a line too weak for full-size pictures
        self.share_allowed: set[str] = set()
        self.sharer: str | None = None
        self.chat: deque[dict[str, Any]] = deque(maxlen=50)
        self.meter = QualityMeter()
        self._dirty = False
        self._reconciling: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Future[None]] = set()
        self._roster_pending: asyncio.TimerHandle | None = None
        self._roster_skip: str | None = None  # the newcomer the pending roster need not go to

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def recording(self) -> bool:
        return self.recording_active()

    @property
    def rehearsal(self) -> bool:
        return self.meeting_id is None

    # ---------- what clients are told ----------

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "rehearsal" if self.rehearsal else "meeting",
            "id": self.meeting_id if not self.rehearsal else self.site_id,
            "title": self.title,
            "stage": self.stage,
            "start_at": self.start_at.isoformat() if self.start_at else None,
            "auto_open": self.auto_open,
        }

    def chair_id(self) -> str | None:
        """Who is shown as the chair: the presiding person, else another manager, else the convening site."""
        ranked = [
            p
            for p in self.participants.values()
            if p.seat.chair_rank is not None and p.media != "none" and not p.seat.hidden
        ]
        if not ranked:
            return None
        return min(ranked, key=lambda p: (p.seat.chair_rank, p.joined_at)).id

    def broadcast(self, message: dict[str, Any], *, skip: Participant | None = None) -> None:
        for p in list(self.participants.values()):
            if p is not skip:
                p.conn.send(message)

    def send_roster(self, *, skip: Participant | None = None) -> None:
        """The roster changed: everyone is sent it once, after the changes of the next moment (``skip``: a
        newcomer whose welcome, made next, carries it). A roster lists everyone, so with N sites each change
        costs N messages of N entries; a province meeting's 60 to 120 sites joining sent some three rosters
        each (admitted, negotiated, connected) to all the others: 21 000 messages, 435 MB of JSON for 60 sites.
        Coalesced, it waits up to ``roster_delay`` (nothing for a small room, up to a second for 110 sites)."""
        self._roster_skip = skip.id if skip is not None else None
        if self._roster_pending is None:
            self._roster_pending = asyncio.get_running_loop().call_later(self.roster_delay(), self._flush_roster)
        console_changed(self)

    def roster_delay(self) -> float:
        crowd = len(self.participants) - ROSTER_SMALL_ROOM
        return min(ROSTER_MAX_DELAY, max(0, crowd) * ROSTER_DELAY_PER_PARTICIPANT)

    def _flush_roster(self) -> None:
        self._roster_pending = None
        skip, self._roster_skip = self.participants.get(self._roster_skip or ""), None
        speaker = self.heard_speaker()
        self.broadcast({"type": "roster", "participants": roster.roster(self, speaker), "speaker": speaker}, skip=skip)

    def notice(self, text: str, **variables: Any) -> None:
        """A line every participant sees in the chat, in their own language."""
        for p in list(self.participants.values()):
            p.conn.send({"type": "notice", "text": p.conn.tr(text, **variables)})

    # ---------- arriving and leaving ----------

    def admit(self, seat: Seat, conn: Connection) -> tuple[Participant, Participant | None]:
        """Add a participant; a seat already taken is handed over, visibly (returns the replaced one)."""
        old = self.participants.pop(seat.participant, None)
        if old is not None:
            self._forget(old)
            old.conn.close(
                protocol.CLOSE_REPLACED,
                {"type": "replaced", "message": old.conn.tr(protocol.TEXTS["replaced"])},
            )
        participant = Participant(seat=seat, conn=conn)
        self.participants[seat.participant] = participant
        if old is not None:
            self.notice(protocol.TEXTS["replaced_notice"], name=seat.label)
        self.send_roster(skip=participant)  # the newcomer's welcome carries the roster
        return participant, old

    def _forget(self, participant: Participant) -> None:
        if participant.timeout is not None:
            participant.timeout.cancel()
        self.assignments.pop(participant.id, None)
        self.layouts.pop(participant.id, None)
        if participant.id in self.hands:
            self.hands.remove(participant.id)
        if self.sharer == participant.id:
            self.sharer = None
        self._speaker_gone(participant.id)

    async def leave_media(self, participant: Participant, reason: str = "left") -> None:
        if participant.media == "none":
            return
        self._log_left(participant, reason)
        participant.media = "none"
        with contextlib.suppress(media_errors.MediaError, ConnectionError):
            await self.media("leave", room=self.key, participant=participant.id)

    async def depart(self, participant: Participant) -> bool:
        """A participant's connection ended. False when it had been replaced (nothing to do)."""
        if self.participants.get(participant.id) is not participant:
            return False
        del self.participants[participant.id]
        self._forget(participant)
        floor_gone(self, participant.id)
        await self.leave_media(participant)
        self.schedule_reconcile()
        self.send_roster()
        return True

    # ---------- negotiation ----------

    async def negotiate(
        self, participant: Participant, sdp: str, tracks: dict[str, str], slots: dict[str, str]
    ) -> dict[str, Any]:
        """Join the participant's offer to the media room; returns the answer message."""
        if self.stage != "open" and not participant.seat.chair:
            raise ProtocolError("lobby")
        self._log_left(participant, "lost")  # starting afresh: the connection it had ends here
        participant.media = "negotiating"
        self.assignments.pop(participant.id, None)
        self.layouts.pop(participant.id, None)
        try:
            result = await self.media("join", room=self.key, participant=participant.id, sdp=sdp)
        except media_errors.NegotiationError:
            participant.media = "none"
            raise ProtocolError("bad_offer", protocol.CLOSE_BAD_MESSAGE) from None
        except (ConnectionError, TimeoutError, media_errors.MediaError):
            participant.media = "none"
            raise ProtocolError("media_unavailable") from None
        if self.participants.get(participant.id) is not participant:
            # Replaced or gone while the media server was answering.
            with contextlib.suppress(media_errors.MediaError, ConnectionError):
                await self.media("leave", room=self.key, participant=participant.id)
            raise ProtocolError("replaced", protocol.CLOSE_REPLACED)
        kinds = {t["mid"]: t["kind"] for t in result["tracks"]} | {s["mid"]: s["kind"] for s in result["slots"]}
        declared = {mid: role for role, mid in tracks.items()} | slots
        if any(kinds.get(mid) != ROLE_KIND[role] for mid, role in declared.items()):
            participant.media = "joined"
            await self.leave_media(participant)
            raise ProtocolError("bad_offer", protocol.CLOSE_BAD_MESSAGE)
        participant.tracks = {role: mid for role, mid in tracks.items() if mid in kinds}
        participant.slots = dict(slots)
        participant.media = "joined"
        if participant.id in self.chairing.muted:
            await pause(self, participant.id, True)  # a new media session: muted still
        self._arm_timeout(participant)
        self.schedule_reconcile()
        self.send_roster()
        return {"type": "answer", "sdp": result["sdp"]}

    def _arm_timeout(self, participant: Participant) -> None:
        if participant.timeout is not None:
            participant.timeout.cancel()

        def expired() -> None:
            if self.participants.get(participant.id) is participant and participant.media == "joined":
                self._spawn(self._connect_failed(participant))

        participant.timeout = asyncio.get_running_loop().call_later(self.connect_timeout, expired)

    async def _connect_failed(self, participant: Participant) -> None:
        log.info("room %s: %s did not connect in time", self.key, participant.id)
        await self.leave_media(participant)
        participant.conn.send(protocol.error("media_timeout", participant.conn.tr(protocol.TEXTS["media_timeout"])))
        self.schedule_reconcile()
        self.send_roster()

    # ---------- media server events ----------

    def media_connected(self, participant_id: str) -> None:
        participant = self.participants.get(participant_id)
        if participant is None or participant.media != "joined":
            return  # the media server repeats this event; only the first counts
        participant.media = "connected"
        if self.journal is not None and not participant.seat.hidden:
            self.journal.joined(participant.seat)
        if participant.timeout is not None:
            participant.timeout.cancel()
            participant.timeout = None
        self.schedule_reconcile()
        self.send_roster()

    def media_left(self, participant_id: str, reason: str) -> None:
        participant = self.participants.get(participant_id)
        if participant is None or reason in ("replaced", "left") or participant.media in ("none", "negotiating"):
            return
        # The connection died under a participant still here: ask them to negotiate again.
        self._log_left(participant, "lost")
        participant.media = "none"
        self.assignments.pop(participant_id, None)
        participant.conn.send({"type": "media_lost"})
        self._speaker_gone(participant_id)
        self.schedule_reconcile()
        self.send_roster()

    def active_speaker(self, participant_id: str) -> None:
        if participant_id not in self.participants or participant_id == self.speaker:
            return
        self.speaker = participant_id
        self.recent = [participant_id, *(p for p in self.recent if p != participant_id)][:32]
        self.broadcast({"type": "speaker", "participant": self.heard_speaker()})
        self.schedule_reconcile()

    def heard_speaker(self) -> str | None:
        """The active speaker as the others hear it (see ``layout.heard_speaker``)."""
        return heard_speaker(self.scene())

    def _log_left(self, participant: Participant, reason: str) -> None:
        if self.journal is not None and participant.media == "connected" and not participant.seat.hidden:
            self.journal.left(participant.id, reason)

    def _speaker_gone(self, participant_id: str) -> None:
        if self.speaker == participant_id:
            self.speaker = None
        self.recent = [p for p in self.recent if p != participant_id]

    def media_restarted(self) -> None:
        """The media server was replaced: every session is gone; everyone negotiates again."""
        self.assignments.clear()
        self.layouts.clear()
        self.speaker = None
        for participant in self.participants.values():
            if participant.timeout is not None:
                participant.timeout.cancel()
            if participant.media != "none":
                self._log_left(participant, "lost")
                participant.media = "none"
                participant.conn.send({"type": "media_restarted"})
        self.send_roster()

    # ---------- what flows where ----------

    def scene(self) -> Scene:
        live = [
            p
            for p in sorted(self.participants.values(), key=lambda p: p.joined_at)
            if p.media in ("joined", "connected") and not p.seat.hidden  # the recorder only receives
        ]
        ids = [p.id for p in live]
        return Scene(
            order=ids,
            chair=self.chair_id(),
            floor=self.floor if self.floor in ids else None,
            speaker=self.speaker if self.speaker in ids else None,
            recent=[p for p in self.recent if p in ids],
            sharer=self.sharer if self.sharer in ids else None,
            chaired=self.chaired,
            heard=[p.id for p in live if self.chairing.is_controller(p.seat)],
            loopback=self.rehearsal,
            publishers={p.id: Publisher(p.id, p.tracks, sharing=p.id == self.sharer) for p in live},
        )

    def schedule_reconcile(self) -> None:
        self._dirty = True
        if self._reconciling is None or self._reconciling.done():
            self._reconciling = asyncio.ensure_future(self._reconcile())

    async def _reconcile(self) -> None:
        async with self._lock:
            while self._dirty:
                self._dirty = False
                scene = self.scene()
                for participant in list(self.participants.values()):
                    if participant.media in ("joined", "connected") and participant.slots:
                        await self._apply(participant, scene)

    async def _apply(self, participant: Participant, scene: Scene) -> None:
        applied = self.assignments.setdefault(participant.id, {})
        weak = participant.id in self.downlink.weak
        desired = plan(scene, Subscriber(participant.id, participant.slots, weak=weak), applied)
        for mid, target in desired.items():
            if mid in applied and applied[mid] == target:
                continue
            publisher, track = target if target is not None else (None, None)
            try:
                await self.media(
                    "set_slot", room=self.key, participant=participant.id, slot=mid, publisher=publisher, track=track
                )
            except (media_errors.MediaError, ConnectionError, TimeoutError) as exc:
                # The publisher or subscriber just went away: its leave event brings another pass.
                log.info("room %s: slot %s of %s not set (%s)", self.key, mid, participant.id, exc)
                continue
            applied[mid] = target
        layout = {
            "type": "layout",
            "slots": {mid: (a[0] if a is not None else None) for mid, a in applied.items()},
            "speaker": heard_speaker(scene),
            "weak_line": weak,
        }
        if self.layouts.get(participant.id) != layout:
            self.layouts[participant.id] = layout
            participant.conn.send(layout)

    async def settle(self) -> None:
        """Wait until the pending reconciliation is done (tests, and before reporting stats)."""
        while self._reconciling is not None and not self._reconciling.done():
            await self._reconciling

    # ---------- what participants do ----------

    def say(self, participant: Participant, text: str) -> None:
        now = time.monotonic()
        if len(participant.chats) == protocol.CHAT_BURST and now - participant.chats[0] < protocol.CHAT_WINDOW:
            raise ProtocolError("chat_too_fast")
        cleaned = protocol.clean_chat(text)
        participant.chats.append(now)
        line = {
            "type": "chat",
            "from": participant.id,
            "name": participant.seat.label,
            "text": cleaned,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.chat.append(line)
        if self.journal is not None and not participant.seat.hidden:
            self.journal.chat(participant.seat, cleaned)
        self.broadcast(line)

    def set_media_state(self, participant: Participant, audio: bool, video: bool) -> None:
        if (participant.audio, participant.video) != (audio, video):
            participant.audio, participant.video = audio, video
            self.send_roster()

    def opened(self) -> None:
        if self.stage == "lobby":
            self.stage = "open"
            self.broadcast({"type": "opened", "room": self.describe()})

    async def close(self, message_text: str) -> None:
        """The meeting ended: everyone is told and disconnected."""
        self.stage = "closed"
        if self._roster_pending is not None:
            self._roster_pending.cancel()
            self._roster_pending = None
        for participant in list(self.participants.values()):
            participant.conn.close(
                protocol.CLOSE_ENDED, {"type": "closed", "message": participant.conn.tr(message_text)}
            )
            self._forget(participant)
            await self.leave_media(participant, "ended")
        self.participants.clear()

    def update_quality(self, levels: dict[str, str]) -> None:
        changed = {
            pid: q for pid, q in levels.items() if pid in self.participants and self.participants[pid].quality != q
        }
        for pid, q in changed.items():
            self.participants[pid].quality = q
        console_changed(self)  # the console shows the figures too
        if changed:
            # Only the levels that changed (the roster has them all): with 60 sites some level changed at most
            # 2 s ticks, and each time all 60 levels went to all 60 sites.
            self.broadcast({"type": "quality", "levels": changed})
