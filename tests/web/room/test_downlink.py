"""Judging a participant's line from the media server's readings, with hysteresis."""

from __future__ import annotations

from web.room.downlink import DownlinkJudge, reading

# What Chromium reported on loopback, with nothing wrong: its estimate follows what it receives (0.75 of it while
# the stream ramped up, then more).
HEALTHY = {"downlink_bps": 476_842, "downlink_loss": 0.0, "bitrate_out": 450_000}
RAMPING = {"downlink_bps": 517_256, "downlink_loss": 0.0, "bitrate_out": 689_365}
OVERLOADED = {"downlink_bps": 200_000, "downlink_loss": 0.0, "bitrate_out": 1_800_000}
LOSSY = {"downlink_bps": 2_000_000, "downlink_loss": 0.12, "bitrate_out": 1_800_000}
MIDDLING = {"downlink_bps": 380_000, "downlink_loss": 0.0, "bitrate_out": 450_000}  # 84 % of what is sent


def test_a_reading_compares_the_estimate_with_what_is_sent() -> None:
    assert reading(HEALTHY) == "clean"  # a low estimate alone is no sign of a weak line
    assert reading(RAMPING) == "unclear"
    # Sent a new stream (the chair came): the estimate is far below what is sent but climbing to it.
    climbing = {"downlink_bps": 420_000, "downlink_loss": 0.0, "bitrate_out": 1_018_997}
    assert reading(climbing, previous_estimate=360_000) == "unclear"
    assert reading(climbing, previous_estimate=420_000) == "weak"  # stuck there
    assert reading(climbing, previous_estimate=500_000) == "weak"  # falling
    assert reading(OVERLOADED) == "weak"
    assert reading(LOSSY) == "weak"
    assert reading(MIDDLING) == "unclear"
    assert reading({"downlink_bps": None, "downlink_loss": 0.0, "bitrate_out": 900_000}) == "clean"
    assert reading({"downlink_bps": 10_000, "downlink_loss": 0.0, "bitrate_out": 50_000}) == "clean"  # idle
    assert reading({"downlink_bps": None, "downlink_loss": 0.05}) == "unclear"
    assert reading({}) == "clean"


def test_weak_after_two_readings_full_size_after_the_hold_doubled_on_a_relapse() -> None:
    judge = DownlinkJudge(first_hold=3)
    assert not judge.update({"xa": OVERLOADED, "huyen": HEALTHY})
    assert not judge.update({"xa": HEALTHY, "huyen": HEALTHY})  # one bad reading, then a good one: nothing
    assert not judge.update({"xa": LOSSY})
    assert judge.update({"xa": OVERLOADED}) and judge.weak == {"xa"}
    assert not judge.update({"xa": HEALTHY})
    assert not judge.update({"xa": MIDDLING})  # the run of clean readings starts again
    assert not judge.update({"xa": HEALTHY})
    assert not judge.update({"xa": HEALTHY})
    assert judge.update({"xa": HEALTHY}) and judge.weak == set()
    # Weak again: full size is tried only after twice as long.
    judge.update({"xa": LOSSY})
    assert judge.update({"xa": LOSSY}) and judge.weak == {"xa"}
    for _ in range(5):
        assert not judge.update({"xa": HEALTHY})
    assert judge.update({"xa": HEALTHY}) and judge.weak == set()
    judge.update({"xa": LOSSY})
    judge.update({"xa": LOSSY})
    assert judge.weak == {"xa"} and judge.hold("xa") == 12
    assert judge.update({}) and judge.weak == set()  # left the room: forgotten
    assert judge.hold("xa") == 3
