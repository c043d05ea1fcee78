"""The slot-assignment policy: main view, speaker view, last-N thumbnails, screen, audio."""

from __future__ import annotations

from web.room.layout import Publisher, Scene, Subscriber, audio_choice, heard_speaker, plan, video_choice

TRACKS = {"camera": "0", "microphone": "1", "screen": "2"}
# A participant's slots as the room page declares them: main, speaker, three thumbnails, screen, two audio.
SLOTS = {
    "3": "main",
    "4": "speaker",
    "5": "thumb",
    "6": "thumb",
    "7": "thumb",
    "8": "screen",
    "9": "audio",
    "10": "audio",
}


def scene(*ids: str, **kwargs: object) -> Scene:
    publishers = {pid: Publisher(pid, TRACKS) for pid in ids}
    return Scene(order=list(ids), publishers=publishers, **kwargs)  # type: ignore[arg-type]


def who(assignments: dict[str, tuple[str, str] | None]) -> dict[str, str | None]:
    return {mid: (a[0] if a else None) for mid, a in assignments.items()}


def test_the_chair_is_the_main_view_and_the_speaker_has_their_own_view() -> None:
    room = scene("chair", "a", "b", "c", chair="chair", speaker="b", recent=["b"])
    result = plan(room, Subscriber("a", SLOTS), {})
    assert result["3"] == ("chair", "0")
    assert result["4"] == ("b", "0")
    assert who(result) == {
        "3": "chair",
        "4": "b",
        "5": "c",
        "6": None,
        "7": None,
        "8": None,
        "9": "b",
        "10": "chair",
    }


def test_the_floor_takes_the_main_view() -> None:
    room = scene("chair", "a", "b", chair="chair", floor="b")
    assert video_choice(room, "a") == ("b", None, ["chair"])
    # The one holding the floor sees the chair.
    assert video_choice(room, "b")[0] == "chair"


def test_the_chair_sees_the_speaker_as_main_view() -> None:
    room = scene("chair", "a", "b", chair="chair", speaker="a", recent=["a"])
    main, speaker, thumbs = video_choice(room, "chair")
    assert (main, speaker, thumbs) == ("a", None, ["b"])


def test_last_n_keeps_recent_speakers_and_limits_the_thumbnails() -> None:
    ids = ["chair", *(f"x{i}" for i in range(8))]
    room = scene(*ids, chair="chair", speaker="x7", recent=["x7", "x5", "x2"])
    result = who(plan(room, Subscriber("x0", SLOTS), {}))
    assert [result[m] for m in ("3", "4", "5", "6", "7")] == ["chair", "x7", "x5", "x2", "x1"]
    shown = {v for m, v in result.items() if SLOTS[m] in ("main", "speaker", "thumb")}
    assert shown == {"chair", "x7", "x5", "x2", "x1"}  # the chair, the speaker and N=3 others


def test_a_participant_stays_in_the_thumbnail_that_shows_them() -> None:
    room = scene("chair", "a", "b", "c", "d", chair="chair")
    current = {"5": ("d", "0"), "6": None, "7": ("b", "0")}
    result = who(plan(room, Subscriber("a", SLOTS), current))
    assert (result["5"], result["7"]) == ("d", "b")
    assert result["6"] == "c"


def test_nobody_receives_themselves_and_an_empty_room_sends_nothing() -> None:
    result = plan(scene("a"), Subscriber("a", SLOTS), {})
    assert set(result.values()) == {None}


def test_alone_in_a_rehearsal_room_one_sees_oneself() -> None:
    result = plan(scene("a", loopback=True), Subscriber("a", SLOTS), {})
    assert result["3"] == ("a", "0")
    assert result["9"] is None  # never one's own sound: it would echo
    # As soon as someone else is there, they are the picture.
    assert plan(scene("a", "helper", loopback=True), Subscriber("a", SLOTS), {})["3"] == ("helper", "0")


def test_the_shared_screen_goes_to_the_others() -> None:
    room = scene("chair", "a", "b", chair="chair", sharer="b")
    assert plan(room, Subscriber("a", SLOTS), {})["8"] == ("b", "2")
    assert plan(room, Subscriber("b", SLOTS), {})["8"] is None


def test_audio_in_open_and_chaired_modes() -> None:
    room = scene("chair", "a", "b", "c", chair="chair", speaker="c", recent=["c", "b"])
    assert audio_choice(room, "a") == ["c", "chair", "b"]
    chaired = scene("chair", "a", "b", "c", chair="chair", floor="b", speaker="c", chaired=True)
    assert audio_choice(chaired, "a") == ["chair", "b"]
    assert audio_choice(chaired, "chair") == ["b"]


def test_a_participant_without_a_camera_is_not_shown() -> None:
    publishers = {
        "chair": Publisher("chair", {"microphone": "1"}),
        "a": Publisher("a", TRACKS),
        "b": Publisher("b", TRACKS),
    }
    room = Scene(order=["chair", "a", "b"], chair="chair", publishers=publishers)
    assert video_choice(room, "a") == ("b", None, [])
    assert audio_choice(room, "a") == ["chair", "b"]


def test_without_a_speaker_view_the_speaker_takes_a_thumbnail() -> None:
    slots = {"3": "main", "5": "thumb", "9": "audio"}
    room = scene("chair", "a", "b", "c", chair="chair", speaker="c", recent=["c"])
    assert who(plan(room, Subscriber("a", slots), {})) == {"3": "chair", "5": "c", "9": "c"}


def test_in_chaired_mode_a_site_talking_without_the_floor_is_nobodys_speaker() -> None:
    # The media server reports the loudest publisher, heard or not: "c" talks over the meeting unheard.
    chaired = scene("chair", "a", "b", "c", chair="chair", floor="b", speaker="c", recent=["c"], chaired=True)
    assert heard_speaker(chaired) is None
    assert video_choice(chaired, "a")[:2] == ("b", None)
    # The one holding the floor, the chair and a co-chair are heard: they are the speaker.
    for talking in ("b", "chair", "a"):
        room = scene("chair", "a", "b", "c", chair="chair", floor="b", speaker=talking, chaired=True, heard=["a"])
        assert heard_speaker(room) == talking
    assert video_choice(scene("chair", "a", "b", "c", chair="chair", speaker="a", chaired=True, heard=["a"]), "b")[
        :2
    ] == ("chair", "a")
    # In open mode everyone is heard.
    assert heard_speaker(scene("chair", "a", "b", "c", chair="chair", speaker="c")) == "c"


def test_thumbnails_take_the_small_camera_stream_where_one_is_sent() -> None:
    # "b" sends a scaled-down copy of its camera (mid 7) beside it; "c" does not (a bot, an old page).
    publishers = {
        "chair": Publisher("chair", TRACKS),
        "a": Publisher("a", TRACKS),
        "b": Publisher("b", {**TRACKS, "thumbnail": "7"}),
        "c": Publisher("c", TRACKS),
    }
    room = Scene(order=["chair", "a", "b", "c"], chair="chair", publishers=publishers)
    result = plan(room, Subscriber("a", SLOTS), {})
    assert result["3"] == ("chair", "0")
    assert {result["5"], result["6"]} == {("b", "7"), ("c", "0")}
    # The same publisher in the main view is sent full size.
    assert plan(Scene(order=["b", "a"], publishers=publishers), Subscriber("a", SLOTS), {})["3"] == ("b", "0")


def test_a_subscriber_on_a_weak_line_gets_the_small_copy_in_every_view() -> None:
    publishers = {
        "chair": Publisher("chair", {**TRACKS, "thumbnail": "7"}),
        "a": Publisher("a", TRACKS),
        "b": Publisher("b", {**TRACKS, "thumbnail": "7"}),
        "c": Publisher("c", TRACKS),  # sends no small copy: its camera, whatever the line
    }
    room = Scene(order=["chair", "a", "b", "c"], chair="chair", speaker="c", publishers=publishers)
    strong = plan(room, Subscriber("a", SLOTS), {})
    weak = plan(room, Subscriber("a", SLOTS, weak=True), {})
    assert (strong["3"], strong["4"]) == (("chair", "0"), ("c", "0"))
    assert (weak["3"], weak["4"], weak["5"]) == (("chair", "7"), ("c", "0"), ("b", "7"))
    assert weak["9"] == strong["9"]  # sound is the same
