"""All rooms of the running app: admission (a join token checked against the database), the link to the
media server and its events, the chair's commands that change the meeting, and a slow ticker that opens
meetings at their start time, follows changes made elsewhere (a meeting ended from another page) and scores
connection quality.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from meetings import rooms as domain
from meetings.errors import DomainError
from meetings.log import read, write
from meetings.meeting import Meeting, MeetingState
from meetings.people import Person
from meetings.rooms import Seat
from web.context import AppContext
from web.i18n import N_
from web.room import chairing, protocol, sharing
from web.room.chair_state import MeetingFacts, load_facts
from web.room.media import MediaLink
from web.room.meeting_log import MeetingLogs
from web.room.meeting_room import MeetingRoom
from web.room.participant import Connection, Participant
from web.room.protocol import ProtocolError
from web.room.recording import Recordings
from web.room.tokens import JoinGrant, JoinRefused, read_token

log = logging.getLogger("giaoban.room")

TICK_SECONDS = 2.0
SYNC_EVERY = 3  # ticks between looks at the database
ABANDONED_EVERY = 30  # ticks between looks for live meetings nobody ended (rooms.end_abandoned)
# The media server's figures the chair's console shows per site.
MEDIA_FIGURES = (
    "rtt_ms",
    "bitrate_in",
    "bitrate_out",
    "packets_received",
    "packets_lost",
    "downlink_bps",
    "downlink_loss",
)

NOT_BOUND = N_(
    "Đường dẫn này không dành cho anh/chị. Hãy đăng nhập bằng đúng tài khoản hoặc dùng đường dẫn của điểm cầu."
)


def meeting_key(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def rehearsal_key(site_id: int) -> str:
    return f"rehearsal-site-{site_id}"


@dataclass(frozen=True)
class Admission:
    """What a valid join token leads to: the room to be in and the seat to take."""

    key: str
    seat: Seat
    title: str
    meeting_id: int | None
    site_id: int | None
    stage: str
    start_at: datetime | None
    auto_open: bool
    last_n: int
    # The person logged in (None: a site's own computer, through its join link), as the chair's console names
    # who came from each site.
    person_name: str | None = None
    person_unit_id: int | None = None


def _now() -> datetime:
    return datetime.now(UTC)


class Rooms:
    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.settings = context.settings
        self.rooms: dict[str, MeetingRoom] = {}
        self.media = MediaLink(self.settings, self._on_media_event, self._on_media_restart)
        self.logs = MeetingLogs(context.session)
        self.recordings = Recordings(context, self.rooms.get)
        self._ticker: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        # Seconds a participant's media may take to connect after the answer before it is dropped.
        self.connect_timeout = protocol.CONNECT_TIMEOUT

    # ---------- lifecycle ----------

    async def start(self, *, start_media: bool) -> None:
        self.loop = asyncio.get_running_loop()  # the app's loop: other threads (tests, tools) call into it
        if start_media:
            self.media.start_soon()
        await self.recordings.recover()  # rows left "recording" by a crash or restart
        self._ticker = asyncio.create_task(self._tick(), name="giaoban-rooms")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self.recordings.stop_all()
        for room in list(self.rooms.values()):
            for participant in list(room.participants.values()):
                participant.conn.close(protocol.CLOSE_UNAVAILABLE)
        self.rooms.clear()
        await self.logs.flush()
        await self.media.stop()

    async def media_call(self, method: str, **params: Any) -> Any:
        return await self.media.call(method, **params)

    # ---------- admission ----------

    def _admission(self, grant: JoinGrant) -> Admission:
        """Check a grant against the database (runs in a worker thread)."""
        with self.context.session() as session:
            if grant.kind == "rehearsal":
                if grant.site_id is None:
                    raise JoinRefused(protocol.TEXTS["malformed"])
                site = domain.load_site(session, grant.site_id)
                if grant.person_id is not None:
                    person = session.get(Person, grant.person_id)
                    if person is None:
                        raise JoinRefused(NOT_BOUND)
                    seat = domain.rehearsal_seat_for_person(session, person, site)
                else:
                    seat = domain.rehearsal_seat_for_site(site)
                return Admission(
                    rehearsal_key(grant.site_id), seat, site.name, None, grant.site_id, "open", None, False, 4
                )
            if grant.meeting_id is None:
                raise JoinRefused(protocol.TEXTS["malformed"])
            meeting = domain.load_meeting(session, grant.meeting_id)
            domain.check_joinable(meeting)
            name: str | None = None
            unit_id: int | None = None
            if grant.kind == "site":
                if grant.site_id is None:
                    raise JoinRefused(protocol.TEXTS["malformed"])
                seat = domain.seat_for_site(session, meeting, grant.site_id)
            elif grant.kind == "recorder":
                # A hidden seat that receives everything: only while the app records this room.
                if not self.recordings.active(meeting_key(grant.meeting_id)):
                    raise JoinRefused(NOT_BOUND)
                seat = domain.recorder_seat(meeting)  # web.room.recording: hidden, receives only
            else:
                person = session.get(Person, grant.person_id) if grant.person_id is not None else None
                if person is None:
                    raise JoinRefused(NOT_BOUND)
                seat = domain.seat_for_person(session, person, meeting)
                if seat.site_id != grant.site_id:
                    raise JoinRefused(NOT_BOUND)  # the invitation changed since the page was opened
                name, unit_id = person.full_name, person.unit_id
            options = domain.room_options(session, grant.meeting_id)
            stage = "open" if meeting.state == MeetingState.LIVE else "lobby"
            return Admission(
                meeting_key(grant.meeting_id),
                seat,
                meeting.title,
                grant.meeting_id,
                None,
                stage,
                meeting.start_at,
                options.auto_open,
                meeting.last_n,
                person_name=name,
                person_unit_id=unit_id,
            )

    async def admit(self, token: object, conn: Connection) -> tuple[MeetingRoom, Participant]:
        """Let the bearer of ``token`` in; JoinRefused / DomainError with a message when they may not."""
        grant = read_token(self.context.secret_key, token, now=_now())
        admission = await run_in_threadpool(self._admission, grant)
        room = self.rooms.get(admission.key)
        facts: MeetingFacts | None = None
        saved = read.RoomState()
        if (room is None or room.stage == "closed") and admission.meeting_id is not None:
            facts = await run_in_threadpool(self._facts, admission.meeting_id)
            # Read after what an earlier room of this meeting queued (its last entries may not be written yet).
            saved = await self.logs.get(admission.meeting_id).call(read.room_state)
            room = self.rooms.get(admission.key)  # made by someone else meanwhile?
        if room is None or room.stage == "closed":
            room = MeetingRoom(
                admission.key,
                self.media_call,
                title=admission.title,
                meeting_id=admission.meeting_id,
                site_id=admission.site_id,
                stage=admission.stage,
                start_at=admission.start_at,
                auto_open=admission.auto_open,
                last_n=admission.last_n,
                audio_slots=self.settings.room_audio_slots,
                connect_timeout=self.connect_timeout,
            )
            self.rooms[admission.key] = room
            self._attach(room, facts, saved)
        participant, replaced = room.admit(admission.seat, conn)
        participant.person_name, participant.person_unit_id = admission.person_name, admission.person_unit_id
        if replaced is not None:
            await room.leave_media(replaced, "replaced")
            room.schedule_reconcile()
        return room, participant

    def _facts(self, meeting_id: int) -> MeetingFacts | None:
        with self.context.session() as session:
            return load_facts(session, meeting_id)

    def _attach(self, room: MeetingRoom, facts: MeetingFacts | None, saved: read.RoomState) -> None:
        """A meeting's room was made: its console state, its log, its recording. A meeting's room made again
        (everyone had left, or the server restarted) takes up what the chair had set: the mode, the agenda item
        with its time, an open vote with its answers, the roll call, the co-chairs. Nobody holds the floor."""
        room.recording_active = lambda: self.recordings.active(room.key)
        if room.meeting_id is None:
            return
        room.chairing.facts = facts
        room.journal = self.logs.get(room.meeting_id)
        now = _now()
        # Connections and the floor an earlier room left open (a server stopped mid-meeting) end here.
        room.journal.add(write.close_lost, now)
        room.chaired = saved.chaired
        if room.chairing.take_up(saved, now):
            room.journal.add(write.agenda_moved, room.chairing.agenda_item, now)

    def layout_for(self, room: MeetingRoom) -> dict[str, int]:
        """The receive slots a participant should negotiate."""
        return {
            "main": 1,
            "speaker": 0 if room.rehearsal else 1,
            "thumbs": room.thumbs,
            "screen": 1,
            "audio": room.audio_slots,
        }

    async def depart(self, room: MeetingRoom, participant: Participant) -> None:
        await room.depart(participant)
        if not room.participants and self.rooms.get(room.key) is room:
            del self.rooms[room.key]
            if room.journal is not None and room.chairing.agenda_item is not None:
                # The meeting goes on without a room: the agenda item's clock stops until someone comes back.
                room.journal.add(write.room_emptied, room.chairing.agenda_item, _now())

    # ---------- the chair ----------

    def _person(self, participant: Participant) -> Person | None:
        if participant.seat.person_id is None:
            return None
        with self.context.session() as session:
            return session.get(Person, participant.seat.person_id)

    def _open(self, meeting_id: int, participant: Participant | None) -> Meeting:
        with self.context.session() as session:
            actor = None
            if participant is not None:
                actor = session.get(Person, participant.seat.person_id) if participant.seat.person_id else None
                if actor is None:
                    raise ProtocolError("not_chair")
            return domain.open_meeting(session, actor, meeting_id, now=_now())

    def _close(self, meeting_id: int, participant: Participant) -> Meeting:
        with self.context.session() as session:
            actor = session.get(Person, participant.seat.person_id) if participant.seat.person_id else None
            if actor is None:
                raise ProtocolError("not_chair")
            return domain.close_meeting(session, actor, meeting_id, now=_now())

    def _auto_open(self, meeting_id: int, participant: Participant, value: bool) -> None:
        with self.context.session() as session:
            actor = session.get(Person, participant.seat.person_id) if participant.seat.person_id else None
            if actor is None:
                raise ProtocolError("not_chair")
            domain.set_auto_open(session, actor, meeting_id, value)

    async def chair_command(self, room: MeetingRoom, participant: Participant, message: dict[str, Any]) -> None:
        """open / close / auto_open / allow_share, each checked on the server (the seat, then the domain); the
        console's actions (issue 6) are the controllers' (``web.room.chairing``)."""
        action = message["action"]
        if action in chairing.CONSOLE_ACTIONS:
            await chairing.act(self.recordings, room, participant, message)
            return
        controller = room.chairing.is_controller(participant.seat)
        if not participant.seat.chair and not (controller and action == "allow_share"):
            raise ProtocolError("not_chair")
        if action == "allow_share":
            sharing.allow_share(room, message["participant"], message["value"])
            return
        if room.meeting_id is None:
            raise ProtocolError("not_chair")  # a rehearsal room neither opens nor closes
        if action == "open":
            await run_in_threadpool(self._open, room.meeting_id, participant)
            room.opened()
        elif action == "close":
            await run_in_threadpool(self._close, room.meeting_id, participant)
            await self._end(room, participant)
        elif action == "auto_open":
            await run_in_threadpool(self._auto_open, room.meeting_id, participant, message["value"])
            room.auto_open = message["value"]
            room.broadcast({"type": "room", "room": room.describe()})
            await self._maybe_open(room)

    async def _end(self, room: MeetingRoom, actor: Participant | None = None) -> None:
        await self.recordings.stop(room)
        await room.close(protocol.TEXTS["ended"])
        if self.rooms.get(room.key) is room:
            del self.rooms[room.key]
        if room.journal is not None:
            room.journal.event("ended", actor.seat if actor is not None else None)
            room.journal.close_open("ended")
            await room.journal.flush()

    # ---------- media events ----------

    def _on_media_event(self, name: str, data: dict[str, Any]) -> None:
        room = self.rooms.get(str(data.get("room")))
        participant = str(data.get("participant"))
        if room is None:
            return
        if name == "participant_connected":
            room.media_connected(participant)
        elif name == "participant_left":
            room.media_left(participant, str(data.get("reason")))
        elif name == "active_speaker":
            room.active_speaker(participant)

    def _on_media_restart(self) -> None:
        log.warning("media server restarted: %d rooms negotiate again", len(self.rooms))
        for room in self.rooms.values():
            room.media_restarted()

    # ---------- the ticker ----------

    def _meeting_states(self, meeting_ids: list[int]) -> dict[int, tuple[MeetingState, bool]]:
        with self.context.session() as session:
            result = {}
            for meeting_id in meeting_ids:
                meeting = session.get(Meeting, meeting_id)
                if meeting is None:
                    continue
                options = domain.room_options(session, meeting_id)
                result[meeting_id] = (meeting.state, domain.due_to_open(meeting, options, _now()))
            return result

    async def _maybe_open(self, room: MeetingRoom) -> None:
        if room.stage != "lobby" or not room.auto_open or room.start_at is None or room.meeting_id is None:
            return
        if _now() < room.start_at:
            return
        try:
            await run_in_threadpool(self._open, room.meeting_id, None)
        except DomainError as exc:
            log.info("room %s did not open by itself: %s", room.key, exc.message)
            return
        room.opened()

    async def sync(self) -> None:
        """Follow the database: open rooms whose meeting went live or is due, end those ended elsewhere."""
        meetings = {r.meeting_id: r for r in self.rooms.values() if r.meeting_id is not None}
        if not meetings:
            return
        states = await run_in_threadpool(self._meeting_states, list(meetings))
        for meeting_id, room in meetings.items():
            state, due = states.get(meeting_id, (MeetingState.CANCELLED, False))
            if state == MeetingState.LIVE:
                room.opened()
            elif state != MeetingState.PUBLISHED:
                await self._end(room)
            elif due:
                await self._maybe_open(room)

    async def score(self) -> None:
        rooms = [r for r in self.rooms.values() if r.participants]
        if not rooms or not self.media.ready:
            return
        try:
            stats = await self.media_call("stats")
        except Exception:  # the media server restarting: no scores this time
            return
        for room in rooms:
            figures = stats.get(room.key, {})
            room.media_stats = {pid: {k: f.get(k) for k in MEDIA_FIGURES} for pid, f in figures.items()}
            if room.downlink.update(room.media_stats):
                room.schedule_reconcile()  # a site on a weak line gets small pictures (or full size again)
            for pid, values in room.media_stats.items():
                values["weak_line"] = pid in room.downlink.weak
            client = {p.id: p.client_stats for p in room.participants.values()}
            room.update_quality(room.meter.levels(stats.get(room.key, {}), client))
        await self._release_orphans(stats)

    async def _release_orphans(self, stats: dict[str, dict[str, Any]]) -> None:
        """The media server keeps only the participants the rooms know. One whose signalling ended while its
        offer was being answered can be left behind there (its room already forgot it); it goes here, within
        a tick, instead of holding a session until its transport times out."""
        for key, figures in stats.items():
            room = self.rooms.get(key)
            known = room.participants if room is not None else {}
            for participant_id in list(figures):
                if participant_id in known:
                    continue
                log.info("room %s: %s is unknown to the room; the media server lets it go", key, participant_id)
                with contextlib.suppress(Exception):
                    await self.media_call("leave", room=key, participant=participant_id)

    async def end_abandoned(self) -> list[int]:
        """End the live meetings nobody ended, long after their end, whose room is empty (or gone)."""
        occupied = {r.meeting_id for r in self.rooms.values() if r.meeting_id is not None and r.participants}

        def run() -> list[int]:
            with self.context.session() as session:
                return domain.end_abandoned(session, now=_now(), occupied=occupied)

        ended = await run_in_threadpool(run)
        for meeting_id in ended:
            log.info("meeting %s ended by itself: live long after its end, its room empty", meeting_id)
        return ended

    async def _tick(self) -> None:
        ticks = 0
        while True:
            await asyncio.sleep(TICK_SECONDS)
            ticks += 1
            try:
                if ticks % SYNC_EVERY == 0:
                    await self.sync()
                if ticks % ABANDONED_EVERY == 0:
                    await self.end_abandoned()
                await self.score()
            except Exception:
                log.exception("room housekeeping failed")
