"""Recording a meeting (issue 6): the chair starts and stops it; a process of its own does the work.

The recorder (``python -m media.recorder``) joins the room like a site would, through the signalling
WebSocket with a ``recorder`` join token, on a hidden seat that receives the main view and the audio slots (so
the room's layout policy decides what is recorded: the floor, else the chair, else the speaker; the audio of
those being heard). It decodes, mixes and encodes one file under ``<data folder>/recordings/`` — never in the
media server, which only forwards. A ``Recording`` row is written at the start and completed at the stop; the
file's time zero is ``started_at``, which links it to the agenda's turns and the floor's turns by time.

Confidential meetings are refused unless the chair overrides it (or chose so on the meeting's form); the
recording of a confidential meeting is logged as a ``recording_override`` meeting event once the recorder has
started (a start refused for lack of disk space, or a recorder that never started, overrides nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from meetings.log.tables import MeetingEvent, Recording
from meetings.meeting import Meeting
from web.context import AppContext
from web.room.console import console_changed
from web.room.protocol import ProtocolError
from web.room.tokens import recorder_token

if TYPE_CHECKING:
    from web.room.meeting_room import MeetingRoom
    from web.room.participant import Participant

log = logging.getLogger("giaoban.recording")

FOLDER = "recordings"
FPS = 15
SIZE = "640x360"
MIN_FREE_BYTES = 500 * 2**20  # about two hours of recording: refused with less free space than this
STOP_TIMEOUT = 30.0  # seconds the recorder may take to finish its file after being asked


def recordings_dir(data_dir: Path) -> Path:
    return data_dir / FOLDER


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class Running:
    """One recording in progress."""

    room_key: str
    meeting_id: int
    recording_id: int
    path: Path
    process: asyncio.subprocess.Process
    started: asyncio.Event = field(default_factory=asyncio.Event)
    summary: dict[str, Any] = field(default_factory=dict)
    reader: asyncio.Task[None] | None = None
    stopping: bool = False
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    # A confidential meeting recorded anyway: who decided, and the event's details, logged once it records.
    override: tuple[int | None, dict[str, str]] | None = None


class Recordings:
    """The app's recordings in progress, one per room at most. ``find_room`` gives the room of a key, if it is
    still there (told when its recording ends by itself)."""

    def __init__(self, context: AppContext, find_room: Callable[[str], MeetingRoom | None]) -> None:
        self.context = context
        self.find_room = find_room
        self.running: dict[str, Running] = {}
        self._starting: set[str] = set()
        # Where the recorder reaches the signalling; None: the address the chair's own connection came in
        # on (the recorder runs on this machine), else the configured base URL.
        self.ws_url: str | None = None
        self.fps = FPS
        self.min_free_bytes = MIN_FREE_BYTES
        self.size = SIZE

    def active(self, room_key: str) -> bool:
        return room_key in self.running

    # ---------- starting ----------

    def _begin(
        self, meeting_id: int, person_id: int | None, override: bool, at: datetime
    ) -> tuple[int, str, dict[str, str] | None]:
        """Check the meeting and write the Recording row; runs in a thread. Returns the row's id, the file's
        name and, for a confidential meeting, the override's details (logged when the recording starts)."""
        with self.context.session() as session:
            meeting = session.get(Meeting, meeting_id)
            if meeting is None:
                raise ProtocolError("not_chair")
            overridden = False
            if meeting.confidential:
                if not (override or meeting.record_confidential):
                    raise ProtocolError("recording_confidential")
                overridden = True
            filename = f"{FOLDER}/meeting-{meeting_id}-{at.strftime('%Y%m%dT%H%M%SZ')}.mp4"
            row = Recording(
                meeting_id=meeting_id,
                filename=filename,
                started_at=at,
                status="recording",
                started_by_id=person_id,
                confidential_override=overridden,
            )
            session.add(row)
            session.commit()
            assert row.id is not None
            detail = {"filename": filename, "by": "chair" if override else "meeting_setting"} if overridden else None
            return row.id, filename, detail

    def _ws_url(self, participant: Participant) -> str:
        if self.ws_url:
            return self.ws_url
        websocket = getattr(participant.conn, "websocket", None)
        server = websocket.scope.get("server") if websocket is not None else None
        if server and server[0]:
            scheme = "wss" if websocket is not None and websocket.url.scheme == "wss" else "ws"
            host = f"[{server[0]}]" if ":" in server[0] else server[0]
            return f"{scheme}://{host}:{server[1]}/ws/room"
        base = self.context.settings.base_url.rstrip("/")
        return "ws" + base.removeprefix("http") + "/ws/room"

    async def start(self, room: MeetingRoom, participant: Participant, *, override: bool) -> None:
        """Start recording the room (nothing happens if it already records). ProtocolError
        ``recording_confidential`` for a confidential meeting without the chair's override."""
        if room.meeting_id is None:
            raise ProtocolError("not_chair")  # rehearsal rooms are not recorded
        if self.active(room.key) or room.key in self._starting:
            return
        self._starting.add(room.key)  # a second click while the first is being written does nothing
        try:
            await self._start(room, participant, override)
        finally:
            self._starting.discard(room.key)

    async def _start(self, room: MeetingRoom, participant: Participant, override: bool) -> None:
        assert room.meeting_id is not None
        at = _now().replace(microsecond=0)
        recording_id, filename, overridden = await run_in_threadpool(
            self._begin, room.meeting_id, participant.seat.person_id, override, at
        )
        path = self.context.settings.data_dir / filename
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(path.parent).free
        except OSError:
            free = 0
        if free < self.min_free_bytes:
            log.error("room %s: not recording, %d MB free in %s", room.key, free // 2**20, path.parent)
            await run_in_threadpool(self._complete, recording_id, path, {})
            raise ProtocolError("recording_unavailable")
        secret = self.context.secret_key
        token = recorder_token(secret, room.meeting_id, now=at)
        env = {**os.environ, "GIAOBAN_RECORDER_TOKEN": token}
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "media.recorder",
                "--url",
                self._ws_url(participant),
                "--out",
                str(path),
                "--fps",
                str(self.fps),
                "--size",
                self.size,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=env,
            )
        except OSError:
            log.exception("the recorder did not start")
            await run_in_threadpool(self._complete, recording_id, path, {})
            raise ProtocolError("recording_unavailable") from None
        running = Running(room.key, room.meeting_id, recording_id, path, process)
        if overridden is not None:
            running.override = (participant.seat.person_id, overridden)
        self.running[room.key] = running
        running.reader = asyncio.create_task(self._follow(running), name=f"giaoban-recorder-{room.key}")
        room.broadcast({"type": "recording", "on": True})
        log.info("room %s: recording %d started (pid %d)", room.key, recording_id, process.pid)

    # ---------- while it runs ----------

    async def _follow(self, running: Running) -> None:
        """Read the recorder's report lines; when it exits, complete the row and tell the room."""
        assert running.process.stdout is not None
        try:
            async for raw in running.process.stdout:
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(line, dict):
                    continue
                if line.get("event") == "started":
                    await run_in_threadpool(self._started_at, running, line.get("at"))
                    running.started.set()
                elif line.get("event") == "done":
                    running.summary = line
            await running.process.wait()
        finally:
            await self._finish(running)

    def _started_at(self, running: Running, at: object) -> None:
        """The recorder records: the file's time zero is when its clock started, a moment after the command. A
        confidential meeting's override is logged now, not when asked: a refused or failed start records
        nothing, so nothing was overridden."""
        with self.context.session() as session:
            row = session.get(Recording, running.recording_id)
            if row is not None and isinstance(at, str):
                row.started_at = datetime.fromisoformat(at)
                session.add(row)
            if running.override is not None:
                actor_id, detail = running.override
                session.add(
                    MeetingEvent(
                        meeting_id=running.meeting_id,
                        at=row.started_at if row is not None else _now(),
                        kind="recording_override",
                        actor_id=actor_id,
                        detail_json=json.dumps(detail),
                    )
                )
            session.commit()

    async def _finish(self, running: Running) -> None:
        if self.running.get(running.room_key) is running:
            del self.running[running.room_key]
        code = running.process.returncode
        if not running.stopping:
            log.warning("room %s: the recorder stopped by itself (exit code %s)", running.room_key, code)
        summary = running.summary if code == 0 else {}
        with contextlib.suppress(Exception):
            await run_in_threadpool(self._complete, running.recording_id, running.path, summary)
        room = self.find_room(running.room_key)
        if room is not None:
            room.broadcast({"type": "recording", "on": False})
            console_changed(room)  # the chair's console shows it stopped, even when nobody asked
        running.finished.set()

    def _complete(self, recording_id: int, path: Path, summary: dict[str, Any]) -> None:
        """Fill in the end of the Recording row: done when the recorder finished its file, else failed."""
        with self.context.session() as session:
            row = session.get(Recording, recording_id)
            if row is None:
                return
            row.ended_at = _now()
            if summary and path.is_file():
                row.status = "done"
                row.size_bytes = path.stat().st_size
                duration = summary.get("duration")
                row.duration_s = float(duration) if isinstance(duration, int | float) else None
            else:
                row.status = "failed"
                # A recorder that crashed leaves its half-written file: no use to anyone, and not small.
                path.with_name(path.name + ".part").unlink(missing_ok=True)
            session.add(row)
            session.commit()

    # ---------- after a restart ----------

    async def recover(self) -> None:
        """Complete the rows of recordings the app was making when it last stopped (a crash, a restart): the
        recorder finishes its file by itself when the app goes (its stdin ends), so a file there is done."""
        try:
            await run_in_threadpool(self._recover)
        except Exception:
            log.exception("recordings left running could not be completed")

    def _recover(self) -> None:
        with self.context.session() as session:
            for row in session.exec(select(Recording).where(Recording.status == "recording")).all():
                if any(r.recording_id == row.id for r in self.running.values()):
                    continue
                path = self.context.settings.data_dir / row.filename
                if path.is_file():
                    stat = path.stat()
                    row.status, row.size_bytes = "done", stat.st_size
                    row.ended_at = datetime.fromtimestamp(stat.st_mtime, UTC)
                    row.duration_s = max(0.0, (row.ended_at - row.started_at).total_seconds())
                else:
                    row.status, row.ended_at = "failed", _now()
                    path.with_name(path.name + ".part").unlink(missing_ok=True)
                session.add(row)
            session.commit()

    # ---------- stopping ----------

    async def stop(self, room: MeetingRoom) -> None:
        """Stop recording the room and wait for the file (nothing happens if it does not record)."""
        running = self.running.get(room.key)
        if running is None:
            return
        await self._stop(running)

    async def _stop(self, running: Running) -> None:
        running.stopping = True
        process = running.process
        if process.returncode is None:
            if process.stdin is not None:
                with contextlib.suppress(Exception):
                    process.stdin.write(b"stop\n")
                    await process.stdin.drain()
                    process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                log.warning("room %s: the recorder did not finish in time; ending it", running.room_key)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(running.finished.wait(), 10.0)

    async def stop_all(self) -> None:
        """Stop every recording (the app shutting down)."""
        await asyncio.gather(*(self._stop(r) for r in list(self.running.values())))
