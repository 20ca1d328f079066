"""``flask maintenance generate-visits``: the scheduler's job, run by hand (or from cron, or a test)."""

from __future__ import annotations

import datetime as dt

import click

from app.maintenance import bp


@bp.cli.command("generate-visits")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Company date (YYYY-MM-DD)."
)
def generate_visits_command(today):
    """Create the maintenance visits due within MAINTENANCE_VISIT_LEAD_DAYS (safe to run again)."""
    from app.maintenance.jobs import generate_visits

    made = generate_visits(today.date().isoformat() if isinstance(today, dt.datetime) else None)
    click.echo(f"maintenance visits created: {made}")
