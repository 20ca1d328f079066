"""Every record table's status index also holds who created and submitted the record, so the
approvals count reads the index alone.

Revision ID: b7e2d4f8a913
Revises: 6a1c3e9b5f27
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "b7e2d4f8a913"
down_revision = "6a1c3e9b5f27"
branch_labels = None
depends_on = None

RECORD_TABLES = (
    "delivery_damage_record",
    "delivery_shipping_note",
    "installation_plan",
    "installation_request",
    "maintenance_plan",
    "maintenance_visit",
    "repair_quotation",
    "repair_request",
    "repair_requisition",
)


def upgrade() -> None:
    for table in RECORD_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_status")
            batch_op.create_index(f"ix_{table}_status_people", ["status", "created_by_id", "submitted_by_id"])


def downgrade() -> None:
    for table in RECORD_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_status_people")
            batch_op.create_index(f"ix_{table}_status", ["status"])
