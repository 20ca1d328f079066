"""Trigram index on the unit serial (PostgreSQL): the type-ahead's "contains" search reads the
index instead of every unit. SQLite has no trigrams and keeps scanning (fast enough there).

Revision ID: 6a1c3e9b5f27
Revises: 4d2f8a6c1e73
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "6a1c3e9b5f27"
down_revision = "4d2f8a6c1e73"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_unit_serial_trgm ON unit USING gin (lower(serial) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_unit_serial_trgm")
