"""Command-line entry points: ``flask users create``, ``flask seed-demo``, worker and scheduler."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core.permissions import Department, Role

users_cli = AppGroup("users", help="Manage portal accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--department", type=click.Choice([d.value for d in Department]), required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    help="May be given several times.",
)
@click.option("--email", default=None)
@click.password_option()
def create_user_command(username, display_name, department, roles, email, password):
    """Create an account (the password is asked for twice unless --password is given)."""
    from app.core.auth.services import create_user, find_user
    from app.extensions import db

    if find_user(username):
        raise click.ClickException(f"user {username!r} exists already")
    user = create_user(
        username=username,
        display_name=display_name,
        department=department,
        roles=list(roles) or [Role.STAFF],
        password=password,
        email=email,
        actor=None,
    )
    db.session.commit()
    click.echo(f"created user {user.username} (id {user.id})")


@click.command("seed-demo")
def seed_demo_command():
    """Load the demo departments, users, customers, products, units and register (idempotent)."""
    from app.core.demo import seed_demo

    summary = seed_demo()
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
def worker_command(burst):
    """Run one RQ worker for the portal's queue."""
    from app.core.jobs import run_worker

    run_worker(current_app._get_current_object(), burst=burst)


@click.command("scheduler")
def scheduler_command():
    """Run the periodic-job scheduler (a second one stands by)."""
    from app.core.jobs import run_scheduler

    run_scheduler(current_app._get_current_object())


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
