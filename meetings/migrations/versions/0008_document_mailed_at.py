"""document mailed_at: when a meeting document went out by mail

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 17:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import meetings.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mailed_at", meetings.types.UTCDateTime(), nullable=True))
    # A document went out when an invitation or an update mail of its meeting carried it: those mails' payloads
    # name each document by its SHA-256 (a confidential meeting's name none). The rest stay unsent, for the
    # secretary to send.
    op.execute(
        """
        UPDATE document SET mailed_at = (
            SELECT MIN(outbox_item.created_at) FROM outbox_item
            WHERE outbox_item.meeting_id = document.meeting_id
              AND outbox_item.kind = 'mail'
              AND outbox_item.purpose IN ('invitation', 'update')
              AND outbox_item.payload LIKE '%' || document.sha256 || '%'
        )
        WHERE mailed_at IS NULL
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("mailed_at")
