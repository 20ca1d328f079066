"""A record's deadline index also holds whether the deadline is open and when it is due: a
list's "next deadline" column reads a few index entries per row on PostgreSQL and SQLite alike
(SQLite otherwise walked every open deadline in due order for each row).

Revision ID: 4d2f8a6c1e73
Revises: 8e3d5b7c9a41
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "4d2f8a6c1e73"
down_revision = "8e3d5b7c9a41"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_deadline") as batch_op:
        batch_op.drop_index("ix_record_deadline_record")
        batch_op.create_index(
            "ix_record_deadline_record", ["record_type", "record_id", "stopped_at", "due_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("record_deadline") as batch_op:
        batch_op.drop_index("ix_record_deadline_record")
        batch_op.create_index("ix_record_deadline_record", ["record_type", "record_id", "key"])
