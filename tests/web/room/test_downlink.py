"""Judging a participant's line from the media server's readings, with hysteresis."""

from __future__ import annotations

from web.room.downlink import DownlinkJudge, reading


def test_a_reading_is_weak_strong_or_unclear() -> None:
    assert reading({"downlink_bps": 800_000, "downlink_loss": 0.0}) == "weak"
    assert reading({"downlink_bps": 3_000_000, "downlink_loss": 0.1}) == "weak"  # loss alone is enough
    assert reading({"downlink_bps": None, "downlink_loss": 0.09}) == "weak"
    assert reading({"downlink_bps": 2_000_000, "downlink_loss": 0.01}) == "strong"
    assert reading({"downlink_bps": 1_500_000, "downlink_loss": 0.0}) == "unclear"  # between the two
    assert reading({"downlink_bps": 2_500_000, "downlink_loss": 0.05}) == "unclear"
    assert reading({"downlink_bps": None, "downlink_loss": 0.0}) == "unclear"  # no estimate: no change
    assert reading({}) == "unclear"


def test_weak_after_two_readings_strong_after_five_and_gone_when_it_leaves() -> None:
    judge = DownlinkJudge()
    weak, strong, unclear = (
        {"downlink_bps": 600_000, "downlink_loss": 0.0},
        {"downlink_bps": 2_400_000, "downlink_loss": 0.0},
        {"downlink_bps": 1_500_000, "downlink_loss": 0.0},
    )
    assert not judge.update({"xa": weak, "huyen": strong})
    assert not judge.update({"xa": strong, "huyen": strong})  # one bad reading, then a good one: nothing
    assert not judge.update({"xa": weak})
    assert judge.update({"xa": weak}) and judge.weak == {"xa"}
    for _ in range(4):
        assert not judge.update({"xa": strong})
    assert not judge.update({"xa": unclear})  # the run of good readings starts again
    for _ in range(4):
        assert not judge.update({"xa": strong})
    assert judge.update({"xa": strong}) and judge.weak == set()
    judge.update({"xa": weak})
    judge.update({"xa": weak})
    assert judge.weak == {"xa"}
    assert judge.update({}) and judge.weak == set()  # left the room
