"""The recorder's parts without a room: the audio mix, a slot's jitter buffer, fitting a picture, the file."""

from __future__ import annotations

import fractions
from array import array
from pathlib import Path

import av
from av import AudioFrame, VideoFrame
from PIL import Image

from media.recorder.mixing import CHUNK, RATE, Mixer, Picture, SlotAudio, mix
from media.recorder.writer import Writer, fit


def pcm(*samples: int) -> bytes:
    """A chunk of one repeated pattern of samples."""
    pattern = list(samples) * (CHUNK // len(samples))
    return array("h", pattern).tobytes()


def mono_frame(value: int, samples: int = CHUNK) -> AudioFrame:
    frame = AudioFrame(format="s16", layout="mono", samples=samples)
    frame.planes[0].update(array("h", [value] * samples).tobytes())
    frame.sample_rate = RATE
    frame.pts = 0
    frame.time_base = fractions.Fraction(1, RATE)
    return frame


def test_the_mix_adds_and_clips() -> None:
    assert mix([]) == bytes(CHUNK * 2)
    assert mix([pcm(5)]) == pcm(5)
    assert mix([pcm(100, 20000, -20000), pcm(-50, 20000, -20000)]) == pcm(50, 32767, -32768)
    assert mix([pcm(1000), pcm(2000), pcm(-500)]) == pcm(2500)


def test_a_slot_is_read_once_its_jitter_is_absorbed_and_runs_dry_into_silence() -> None:
    slot = SlotAudio()
    slot.push(mono_frame(7))
    slot.push(mono_frame(7))
    assert slot.take() is None  # 40 ms buffered: not yet
    slot.push(mono_frame(9))
    assert slot.take() == pcm(7)
    assert slot.take() == pcm(7)
    slot.push(mono_frame(3, CHUNK // 2))
    assert slot.take() == pcm(9)
    # Half a chunk left: it is padded with silence and the slot fills up again before it is read.
    assert slot.take() == array("h", [3] * (CHUNK // 2) + [0] * (CHUNK // 2)).tobytes()
    slot.push(mono_frame(4))
    assert slot.take() is None


def test_a_slot_never_lags_more_than_half_a_second() -> None:
    slot = SlotAudio()
    for i in range(40):
        slot.push(mono_frame(i))
    assert len(slot.pcm) == 25 * CHUNK * 2
    assert slot.take() == pcm(15)  # the oldest 15 chunks were dropped


def test_the_mixer_mixes_the_slots_that_are_ready() -> None:
    mixer = Mixer()
    for _ in range(3):
        mixer.push("a", mono_frame(1000))
    mixer.push("b", mono_frame(50))  # not ready yet: left out
    assert mixer.take() == pcm(1000)
    mixer.push("b", mono_frame(50))
    mixer.push("b", mono_frame(50))
    assert mixer.take() == pcm(1050)
    mixer.clear()
    assert mixer.take() == bytes(CHUNK * 2)


def luma(frame: VideoFrame, x: int, y: int) -> int:
    plane = frame.planes[0]
    return bytes(plane)[y * plane.line_size + x]


def test_a_picture_fits_with_its_proportions_kept() -> None:
    white = VideoFrame.from_image(Image.new("RGB", (320, 240), (255, 255, 255)))  # type: ignore[no-untyped-call]
    framed = fit(white, 640, 360)
    assert (framed.width, framed.height) == (640, 360)
    # 4:3 in 16:9: 480 wide, black bars of 80 on each side.
    assert [luma(framed, x, 180) for x in (0, 79, 80, 320, 559, 560, 639)] == [16, 16, 235, 235, 235, 16, 16]
    wide = fit(VideoFrame.from_image(Image.new("RGB", (1280, 720), (255, 255, 255))), 640, 360)  # type: ignore[no-untyped-call]
    assert luma(wide, 0, 0) == 235 and luma(wide, 639, 359) == 235


def test_the_file_has_every_picture_and_all_the_sound(tmp_path: Path) -> None:
    out = tmp_path / "meeting.mp4"
    writer = Writer(out, fps=15, width=320, height=180)
    picture = VideoFrame.from_image(Image.new("RGB", (160, 120), (200, 30, 30)))  # type: ignore[no-untyped-call]
    for i in range(30):
        writer.picture(picture if i >= 10 else None)
    for _ in range(100):
        writer.sound(pcm(3000, -3000))
    assert writer.part.is_file() and not out.exists()
    writer.finish()
    assert out.is_file() and not writer.part.exists()
    assert writer.duration == 2.0
    with av.open(str(out)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 30
    assert luma(frames[0], 160, 90) < 20 and luma(frames[20], 160, 90) > 40  # black, then the picture
    with av.open(str(out)) as container:
        seconds = sum(f.samples for f in container.decode(audio=0)) / RATE
    assert 1.95 <= seconds <= 2.1


def test_an_abandoned_file_leaves_nothing(tmp_path: Path) -> None:
    writer = Writer(tmp_path / "meeting.mp4", fps=15, width=320, height=180)
    writer.picture(None)
    writer.abandon()
    assert list(tmp_path.iterdir()) == []


def test_the_picture_stays_when_the_recording_switches_to_a_slot_not_shown_yet() -> None:
    picture = Picture()
    assert picture.current("main") is None
    first = VideoFrame(64, 48, "yuv420p")
    second = VideoFrame(64, 48, "yuv420p")
    picture.push("main", first)
    assert picture.current("main") is first
    assert picture.current("speaker") is first
    picture.push("speaker", second)
    assert picture.current("speaker") is second
    assert picture.current(None) is second
