"""The repair list's index by status and date also holds the customer (region filter).

Revision ID: 3f6d1a9c8e25
Revises: b7e2d4f8a913
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "3f6d1a9c8e25"
down_revision = "b7e2d4f8a913"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_repair_request_status_received", table_name="repair_request")
    op.create_index(
        "ix_repair_request_status_received", "repair_request", ["status", "received_at", "id", "customer_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_repair_request_status_received", table_name="repair_request")
    op.create_index("ix_repair_request_status_received", "repair_request", ["status", "received_at", "id"])
