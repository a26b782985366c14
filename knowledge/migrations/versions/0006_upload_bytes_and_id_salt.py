"""bot data: drop decided uploads' bytes; remove the user-id salt kept in the database

Uploads keep their file only while a decision is pending (``knowledge.activity``); this
clears the bytes that published, cancelled and failed uploads kept until now. The HMAC key
for user ids is no longer stored in the database (``TDKT_ID_SECRET`` or a file in the data
folder, see ``bot.config``): the old salt is deleted so that the hashes already stored can no
longer be reversed by enumerating ids with it.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_KEPT = ("cho-duyet", "dang-xu-ly")  # pending, processing: their bytes are still needed


def upgrade() -> None:
    uploads = sa.table(
        "bot_pending_uploads", sa.column("state", sa.String), sa.column("data", sa.LargeBinary)
    )
    op.execute(uploads.update().where(uploads.c.state.notin_(_KEPT)).values(data=b""))
    settings = sa.table("bot_settings", sa.column("key", sa.String))
    op.execute(settings.delete().where(settings.c.key == "user-hash-salt"))


def downgrade() -> None:
    """Nothing to undo: the bytes and the salt are gone for good (on purpose)."""
