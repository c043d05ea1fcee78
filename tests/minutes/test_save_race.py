"""Two saves based on the same version at the same moment, each in its own session (as two browser tabs'
requests on two server threads): exactly one wins, the other is refused; nothing is overwritten."""

from __future__ import annotations

import threading

from sqlmodel import select
from starlette.applications import Starlette

from meetings.errors import Conflict
from meetings.minutes.content import MinutesContent
from meetings.minutes.editing import save_minutes
from meetings.minutes.tables import MinutesRecord
from tests.minutes.world import ended_meeting
from tests.web.conftest import Directory


def test_of_two_racing_saves_one_wins(app: Starlette, people: Directory) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    with app.state.ctx.session() as session:
        save_minutes(session, people.secretary, mid, {"conclusions": "Bản đầu"}, base_version=0)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(author: str) -> None:
        person = people.secretary if author == "thư ký" else people.chair
        with app.state.ctx.session() as session:
            barrier.wait()
            try:
                save_minutes(session, person, mid, {"conclusions": f"Bản của {author}"}, base_version=1)
                outcomes[author] = "saved"
            except Conflict:
                outcomes[author] = "refused"

    threads = [threading.Thread(target=save, args=(a,)) for a in ("thư ký", "chủ tọa")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == ["refused", "saved"]
    winner = next(a for a, o in outcomes.items() if o == "saved")
    with app.state.ctx.session() as session:
        minutes = session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == mid)).one()
        assert minutes.version == 2
        assert MinutesContent.from_json(minutes.content_json).conclusions == f"Bản của {winner}"
