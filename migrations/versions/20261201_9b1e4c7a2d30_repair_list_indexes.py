"""The repair list's order (newest first) by index, alone and within a status.

Revision ID: 9b1e4c7a2d30
Revises: 6c631812e970
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "9b1e4c7a2d30"
down_revision = "6c631812e970"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("repair_request") as batch_op:
        batch_op.create_index("ix_repair_request_received", ["received_at", "id"])
        batch_op.create_index("ix_repair_request_status_received", ["status", "received_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("repair_request") as batch_op:
        batch_op.drop_index("ix_repair_request_status_received")
        batch_op.drop_index("ix_repair_request_received")
