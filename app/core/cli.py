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
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only seed a database without users, or one seeded before (adds no demo login to a portal in use).",
)
def seed_demo_command(if_empty):
    """Load the demo departments, users, customers, products, units and register (idempotent)."""
    from sqlalchemy import func, select

    from app.core.auth.models import User
    from app.core.demo import DEMO_USERS, seed_demo
    from app.extensions import db

    if if_empty:
        has_users = bool(db.session.scalar(select(func.count(User.id))))
        demo_names = [username for username, *_rest in DEMO_USERS]
        demo_found = db.session.scalar(select(func.count(User.id)).where(User.username.in_(demo_names)))
        if has_users and demo_found < len(demo_names):
            click.echo("demo data: this database has its own users, nothing added")
            return
    summary = seed_demo()
    added = {key: value for key, value in summary.items() if value}
    if not added:
        click.echo("demo data: all present already, nothing added")
    for key, value in added.items():
        click.echo(f"demo data added: {key}: {value}")


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
