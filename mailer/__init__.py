"""Composing and delivering mail. Knows nothing of the database models of ``meetings``.

Typical use::

    rendered = render_mail(MailKind.INVITATION, context, language=recipient.language)
    mail = OutgoingMail(sender=..., to=[recipient], subject=rendered.subject, text=rendered.text,
                        html=rendered.html, calendar=CalendarInvite(...), message_id=message_id_for(key, domain))
    transport = transport_from_url(settings.smtp_url, maildir=data_dir / "mail")
    results = await transport.send([compose(mail)])
"""

from mailer.composition import compose
from mailer.context import AgendaEntry, Contact, DocumentLink, MeetingContext, RecordContext, RecordKind
from mailer.errors import (
    HeaderInjectionError,
    InvalidAddressError,
    InvalidMailError,
    MailerError,
    SmtpUrlError,
)
from mailer.headers import message_id_for, normalize_address
from mailer.invite import CalendarInvite, CalendarMethod, calendar_text, meeting_uid
from mailer.mail import (
    Attachment,
    ComposedMail,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMail,
    SentCallback,
)
from mailer.maildir import MaildirTransport
from mailer.recipient import Recipient
from mailer.smtp import SmtpTransport
from mailer.smtp_config import SmtpConfig, SmtpSecurity
from mailer.templates import MailKind, MailTemplates, RenderedMail, render_mail
from mailer.transport import Transport, transport_from_url

__all__ = [
    "AgendaEntry",
    "Attachment",
    "CalendarInvite",
    "CalendarMethod",
    "ComposedMail",
    "Contact",
    "DeliveryResult",
    "DeliveryStatus",
    "DocumentLink",
    "HeaderInjectionError",
    "InvalidAddressError",
    "InvalidMailError",
    "MailKind",
    "MailTemplates",
    "MaildirTransport",
    "MailerError",
    "MeetingContext",
    "OutgoingMail",
    "Recipient",
    "RecordContext",
    "RecordKind",
    "RenderedMail",
    "SentCallback",
    "SmtpConfig",
    "SmtpSecurity",
    "SmtpTransport",
    "SmtpUrlError",
    "Transport",
    "calendar_text",
    "compose",
    "meeting_uid",
    "message_id_for",
    "normalize_address",
    "render_mail",
    "transport_from_url",
]
