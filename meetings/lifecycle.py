"""The life of a meeting: draft → published → live → ended → minutes approved → filed, or cancelled."""

from __future__ import annotations

from meetings.errors import N_, Message, RuleViolation, joined
from meetings.meeting import Meeting, MeetingState

S = MeetingState

STATE_LABELS: dict[MeetingState, str] = {
    S.DRAFT: "Dự thảo",
    S.PUBLISHED: "Đã phát hành giấy mời",
    S.LIVE: "Đang họp",
    S.ENDED: "Đã kết thúc",
    S.MINUTES_APPROVED: "Đã duyệt biên bản",
    S.FILED: "Đã lưu hồ sơ",
    S.CANCELLED: "Đã huỷ",
}

# A meeting under way cannot be cancelled (it ends); a finished one cannot go back.
TRANSITIONS: dict[MeetingState, frozenset[MeetingState]] = {
    S.DRAFT: frozenset({S.PUBLISHED, S.CANCELLED}),
    S.PUBLISHED: frozenset({S.LIVE, S.CANCELLED}),
    S.LIVE: frozenset({S.ENDED}),
    S.ENDED: frozenset({S.MINUTES_APPROVED}),
    S.MINUTES_APPROVED: frozenset({S.FILED}),
    S.FILED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Title, time, sites, agenda and documents may change until the meeting starts.
EDITABLE_STATES = frozenset({S.DRAFT, S.PUBLISHED})


def can_transition(current: MeetingState, target: MeetingState) -> bool:
    return target in TRANSITIONS[current]


def check_transition(meeting: Meeting, target: MeetingState) -> None:
    """Raise a RuleViolation naming both states unless ``meeting`` may move to ``target``."""
    if can_transition(meeting.state, target):
        return
    # The states' labels are in the catalog already (web.labels): each is translated where shown.
    current = Message(STATE_LABELS[meeting.state])
    wanted = Message(STATE_LABELS[target])
    allowed = sorted(STATE_LABELS[s] for s in TRANSITIONS[meeting.state])
    if not allowed:
        raise RuleViolation(
            N_("Cuộc họp «%(title)s» đang ở trạng thái «%(current)s», không thể chuyển sang «%(wanted)s»."),
            field="state",
            title=meeting.title,
            current=current,
            wanted=wanted,
        )
    raise RuleViolation(
        N_(
            "Cuộc họp «%(title)s» đang ở trạng thái «%(current)s», không thể chuyển sang «%(wanted)s». "
            "Từ trạng thái này chỉ có thể chuyển sang: %(allowed)s."
        ),
        field="state",
        title=meeting.title,
        current=current,
        wanted=wanted,
        allowed=joined([Message(label) for label in allowed]),
    )


def check_editable(meeting: Meeting) -> None:
    if meeting.state not in EDITABLE_STATES:
        raise RuleViolation(
            N_("Cuộc họp «%(title)s» đang ở trạng thái «%(state)s», không sửa được nữa."),
            field="state",
            title=meeting.title,
            state=Message(STATE_LABELS[meeting.state]),
        )
