"""The repair list's newest-first index also holds the status, so a deep page reads the index only.

Revision ID: 8e3d5b7c9a41
Revises: 7c4e2a9d1b50
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "8e3d5b7c9a41"
down_revision = "7c4e2a9d1b50"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("repair_request") as batch_op:
        batch_op.drop_index("ix_repair_request_received")
        batch_op.create_index("ix_repair_request_received", ["received_at", "id", "status"])


def downgrade() -> None:
    with op.batch_alter_table("repair_request") as batch_op:
        batch_op.drop_index("ix_repair_request_received")
        batch_op.create_index("ix_repair_request_received", ["received_at", "id"])
