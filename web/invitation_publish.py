"""Publishing a meeting from the web, with its Giấy mời (meetings.records.invitation_issue):

1. check the rules and reserve the number (short transaction, in the thread pool);
2. lay out and sign the PDF on the renderer's thread (weasyprint is used from one thread only), outside
   any transaction;
3. publish: the PDF becomes the meeting's document, its filing and the invitation mails are enqueued in
   the same transaction.

Measured (CPU time, one Giấy mời): layout about 0.2 s, the two signatures about 0.65 s (pyHanko
subsets the font for the visible signature and signs twice), 0.85 s in all; a first demo certificate
adds about 0.5 s once per person and unit. On an idle server core that is under a second, and the
secretary publishes once per meeting, so it is done while she waits: she sees at once a refused number
or certificate, with nothing published. (On the shared development machine, at a load of 20 on 2
cores, the same work took 3–9 s of wall time.) The event loop is never blocked: the database steps run
in the thread pool, the PDF on the renderer's thread. Doing it in the outbox worker instead was
weighed and not chosen: the invitation mails would have to wait for a document that might then fail to
be made (a wrong number, an expired certificate), with no one in front of the screen to correct it; if
signing with a token on the server makes it slow, that is the change to make.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool

from meetings.drafts import MeetingDraft
from meetings.meeting import Meeting
from meetings.people import Person
from meetings.records.invitation_form import invitation_form
from meetings.records.invitation_issue import produce_pdf, publish_with_invitation, reserve_number
from meetings.records.invitation_reissue import prepare_reissue, update_with_invitation
from meetings.records.render import on_renderer_thread
from meetings.scheduling import load_meeting
from meetings.units import Unit
from web.context import AppContext, document_store
from web.filing_delivery import package_store
from web.invitation_signing import SignerSource, invitation_signers


def publish_with_invitation_now(
    context: AppContext,
    actor: Person,
    meeting_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    entered: str = "",
    signers: SignerSource | None = None,
) -> Meeting:
    """Publish ``meeting_id`` with its numbered, signed Giấy mời (blocking: from a thread, as the API's
    handlers run). Raises the domain's errors (a refused rule, a missing or used number, a certificate
    that cannot sign) before anything is published."""
    settings = context.settings
    source = signers or invitation_signers(settings)
    join_link = f"{settings.base_url.rstrip('/')}/meetings/{meeting_id}"
    with context.session() as session:
        number = reserve_number(session, actor, meeting_id, now=now, tz=tz, entered=entered or None)
        meeting = load_meeting(session, meeting_id)
        form = invitation_form(session, meeting, number, tz=tz, join_link=join_link)
        unit = session.get(Unit, meeting.convening_unit_id)
        chair = session.get(Person, meeting.chair_id)
        assert unit is not None and chair is not None  # foreign keys
        chosen = source(unit, chair)
    # The renderer's own single thread: weasyprint is not to be used from several threads at once.
    produced = on_renderer_thread(produce_pdf, form, chosen, now=now)
    with context.session() as session:
        return publish_with_invitation(
            session,
            actor,
            meeting_id,
            produced,
            now=now,
            tz=tz,
            documents=document_store(settings),
            packages=package_store(settings),
        )


async def publish_meeting_with_invitation(
    context: AppContext,
    actor: Person,
    meeting_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    entered: str = "",
    signers: SignerSource | None = None,
) -> Meeting:
    """:func:`publish_with_invitation_now` off the event loop."""
    return await run_in_threadpool(
        publish_with_invitation_now, context, actor, meeting_id, now=now, tz=tz, entered=entered, signers=signers
    )


def update_with_invitation_now(
    context: AppContext,
    actor: Person,
    meeting_id: int,
    draft: MeetingDraft,
    *,
    now: datetime,
    tz: ZoneInfo,
    entered: str = "",
    signers: SignerSource | None = None,
) -> bool:
    """Save the change of a published meeting with a new Giấy mời when the change alters what it says
    (meetings.records.invitation_reissue). Returns False, having saved nothing, when no new Giấy mời is
    needed: then the caller saves the change as usual."""
    settings = context.settings
    source = signers or invitation_signers(settings)
    join_link = f"{settings.base_url.rstrip('/')}/meetings/{meeting_id}"
    with context.session() as session:
        form = prepare_reissue(
            session, actor, meeting_id, draft, now=now, tz=tz, join_link=join_link, entered=entered or None
        )
        if form is None:
            return False
        meeting = load_meeting(session, meeting_id)
        unit = session.get(Unit, meeting.convening_unit_id)
        chair = session.get(Person, draft.chair_id)
        assert unit is not None and chair is not None  # checked with the draft
        chosen = source(unit, chair)
    produced = on_renderer_thread(produce_pdf, form, chosen, now=now)
    with context.session() as session:
        update_with_invitation(
            session,
            actor,
            meeting_id,
            draft,
            produced,
            now=now,
            tz=tz,
            documents=document_store(settings),
            packages=package_store(settings),
        )
    return True
