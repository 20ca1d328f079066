"""The maintenance visits' index by status and due date also holds the id (overdue visits).

Revision ID: 8c2e5b7d4a16
Revises: 3f6d1a9c8e25
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "8c2e5b7d4a16"
down_revision = "3f6d1a9c8e25"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_maintenance_visit_status_due", table_name="maintenance_visit")
    op.create_index("ix_maintenance_visit_status_due", "maintenance_visit", ["status", "due_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_maintenance_visit_status_due", table_name="maintenance_visit")
    op.create_index("ix_maintenance_visit_status_due", "maintenance_visit", ["status", "due_date"])
