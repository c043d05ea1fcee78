"""What each participant's receive slots carry: the slot-assignment policy, as a pure function.

Every participant negotiates a fixed set of receive slots once (see docs/signalling.md):

- ``main`` — the main view: whoever holds the floor, else the chair, else the active speaker;
- ``speaker`` — the active speaker, when they are not already the main view;
- ``thumb`` × N — last-N thumbnails: the sites who spoke most recently first, then the others in the order
  they joined (N = the meeting's ``last_n``). Together with the main view and the speaker view each
  participant receives the chair, the active speaker and up to N others;
- ``screen`` — the screen being shared;
- ``audio`` × A — open mode: the active speaker, the chair, the floor and the recent speakers (the loudest,
  as far as the media server's single active-speaker event tells); chaired mode (issue 6): only the chair
  and the floor (and the co-chairs).

Nobody receives themselves, except a participant alone in a rehearsal room, whose main view then shows their
own picture back from the server. A participant who stays selected stays in the slot that shows them (a
switch costs a keyframe), and new ones fill free slots.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# Slot roles a client declares for its receive m-lines, and track roles for what it publishes.
SLOT_ROLES = ("main", "speaker", "thumb", "screen", "audio")
# "thumbnail": the camera again, scaled down and capped (a browser sends it beside "camera"); thumbnail slots take
# it, so a site receiving eight thumbnails does not receive eight full-size streams. Without it, the camera.
TRACK_ROLES = ("camera", "microphone", "screen", "thumbnail")

Assignment = tuple[str, str]  # (publisher participant id, the publisher's track mid)


@dataclass(frozen=True)
class Publisher:
    id: str
    tracks: Mapping[str, str]  # role -> mid
    sharing: bool = False


@dataclass(frozen=True)
class Subscriber:
    id: str
    slots: Mapping[str, str]  # mid -> role
    weak: bool = False  # on a line too weak for full size (``downlink``): every view takes the small copy


@dataclass(frozen=True)
class Scene:
    """The state of the room the policy reads."""

    order: Sequence[str]  # participants with media, in the order they joined
    chair: str | None = None
    floor: str | None = None  # set by the chair's console (issue 6)
    speaker: str | None = None
    recent: Sequence[str] = ()  # recent active speakers, most recent first
    sharer: str | None = None
    chaired: bool = False  # issue 6: only the chair and the floor are heard
    heard: Sequence[str] = ()  # issue 6: also heard in chaired mode (the co-chairs)
    loopback: bool = False  # rehearsal room: one alone sees themselves
    publishers: Mapping[str, Publisher] = field(default_factory=dict)


def _unique(ids: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i is not None))


def _has(scene: Scene, pid: str, role: str) -> bool:
    publisher = scene.publishers.get(pid)
    return publisher is not None and role in publisher.tracks


def _sticky(mids: Sequence[str], wanted: Sequence[str], current: Mapping[str, str | None]) -> dict[str, str | None]:
    """Put the ``wanted`` participants into ``mids``, leaving those already shown where they are."""
    result: dict[str, str | None] = {}
    placed: set[str] = set()
    for mid in mids:
        who = current.get(mid)
        if who is not None and who in wanted and who not in placed:
            result[mid] = who
            placed.add(who)
    waiting = [w for w in wanted if w not in placed]
    for mid in mids:
        if mid not in result:
            result[mid] = waiting.pop(0) if waiting else None
    return result


def heard_speaker(scene: Scene) -> str | None:
    """The active speaker, if the others hear them. In chaired mode a site talking without the floor is not
    heard: it is nobody's speaker view, nor marked as speaking (the media server's loudest may be anyone)."""
    if scene.speaker is None or not scene.chaired:
        return scene.speaker
    return scene.speaker if scene.speaker in (scene.chair, scene.floor, *scene.heard) else None


def video_choice(scene: Scene, subscriber: str) -> tuple[str | None, str | None, list[str]]:
    """(main view, speaker view, thumbnails in order of preference) for one subscriber."""
    # A set: every participant is looked up in it, for every subscriber (a list made a pass over a room of N
    # sites cost N^3 comparisons: 19 ms for 120 sites, at every join and every new speaker).
    others = {p for p in scene.order if p != subscriber and _has(scene, p, "camera")}
    if not others:
        alone = scene.loopback and _has(scene, subscriber, "camera")
        return (subscriber if alone else None), None, []
    talking = heard_speaker(scene)
    preference = _unique([scene.floor, scene.chair, talking, *scene.recent, *scene.order])
    ranked = [p for p in preference if p in others]
    main = ranked[0]
    speaker = talking if talking in others and talking != main else None
    thumbs = [p for p in _unique([*scene.recent, *scene.order]) if p in others and p not in (main, speaker)]
    return main, speaker, thumbs


def audio_choice(scene: Scene, subscriber: str) -> list[str]:
    """Whose audio a subscriber hears, most important first."""
    if scene.chaired:
        heard = [scene.chair, scene.floor, *scene.heard]
    else:
        heard = [scene.speaker, scene.chair, scene.floor, *scene.recent, *scene.order]
    return [p for p in _unique(heard) if p != subscriber and _has(scene, p, "microphone")]


def plan(
    scene: Scene, subscriber: Subscriber, current: Mapping[str, Assignment | None]
) -> dict[str, Assignment | None]:
    """The assignment of every one of the subscriber's slots (mid -> (publisher, track mid) or None)."""
    by_role: dict[str, list[str]] = {role: [] for role in SLOT_ROLES}
    for mid, role in subscriber.slots.items():
        by_role.setdefault(role, []).append(mid)
    current_who = {mid: (a[0] if a is not None else None) for mid, a in current.items()}
    who: dict[str, str | None] = {}

    main, speaker, thumbs = video_choice(scene, subscriber.id)
    for mid in by_role["main"][:1]:
        who[mid] = main
    for mid in by_role["main"][1:]:
        who[mid] = None
    for mid in by_role["speaker"]:
        who[mid] = speaker
        speaker = None
    if not by_role["speaker"] and speaker is not None:
        thumbs.insert(0, speaker)  # no speaker view: the speaker takes a thumbnail
    thumb_mids = by_role["thumb"]
    who.update(_sticky(thumb_mids, thumbs[: len(thumb_mids)], current_who))

    sharer = scene.sharer if scene.sharer != subscriber.id and scene.sharer is not None else None
    for i, mid in enumerate(by_role["screen"]):
        who[mid] = sharer if i == 0 and sharer is not None and _has(scene, sharer, "screen") else None

    audio_mids = by_role["audio"]
    who.update(_sticky(audio_mids, audio_choice(scene, subscriber.id)[: len(audio_mids)], current_who))

    big = "thumbnail" if subscriber.weak else "camera"
    track_role = {
        "main": big,
        "speaker": big,
        "thumb": "thumbnail",
        "screen": "screen",
        "audio": "microphone",
    }
    result: dict[str, Assignment | None] = {}
    for mid, role in subscriber.slots.items():
        pid = who.get(mid)
        publisher = scene.publishers.get(pid) if pid is not None else None
        track = None
        if publisher is not None:
            wanted = track_role.get(role, "")
            track = publisher.tracks.get(wanted) or publisher.tracks.get("camera" if wanted == "thumbnail" else "")
        result[mid] = (pid, track) if pid is not None and track is not None else None
    return result
