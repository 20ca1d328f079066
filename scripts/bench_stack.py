"""The portal's libraries with none of the portal: the floor the benchmark measures pages against.

``./scripts/bench`` serves this app with the same gunicorn settings and drives it with the same
clients: a real login (password hash, CSRF token), then the least a logged-in page can do —
the session, the signed-in user with their roles and one COUNT, a few lines of HTML from a
compiled template. It runs on the benchmark's own tables (``user``, ``user_role``,
``notification``) through Flask, Flask-Login, Flask-WTF and Flask-SQLAlchemy (Core queries,
no ORM objects: the cheapest way these libraries allow). No page of the portal can cost less,
so its latency at 16 clients bounds what any logged-in page can reach on the machine.
"""

from __future__ import annotations

import os

from flask import Flask, abort, request
from flask_login import LoginManager, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, bindparam, func, select
from werkzeug.security import check_password_hash

#: the same in every gunicorn worker (a session signed by one is read by the other); nothing to protect
STACK_SECRET = "bench-stack-throwaway-key"  # noqa: S105

metadata = MetaData()
users = Table(
    "user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String),
    Column("display_name", String),
    Column("password_hash", String),
    Column("is_enabled", Boolean),
)
roles = Table(
    "user_role", metadata, Column("id", Integer, primary_key=True), Column("user_id"), Column("role")
)
notifications = Table(
    "notification",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer),
    Column("read_at", DateTime),
)

USER = (
    select(users.c.id, users.c.display_name, roles.c.role)
    .select_from(users.outerjoin(roles, roles.c.user_id == users.c.id))
    .where(users.c.id == bindparam("user_id"), users.c.is_enabled.is_(True))
)
UNREAD = select(func.count(notifications.c.id)).where(
    notifications.c.user_id == bindparam("user_id"), notifications.c.read_at.is_(None)
)
LOGIN_FORM = '<form method="post"><input name="csrf_token" type="hidden" value="{{ token }}"></form>'
SIGNED_IN = '<body hx-headers=\'{"X-CSRFToken": "{{ token }}"}\'><span id="current-user">{{ name }}</span>'
BELL = (
    '<a id="bell" href="/notifications">通知'
    '{% if unread %} <span class="badge">{{ unread }}</span>{% endif %}</a>'
)


class SignedIn:
    """The signed-in user as Flask-Login wants it: id, name and roles, no ORM object."""

    is_authenticated, is_active, is_anonymous = True, True, False

    def __init__(self, rows) -> None:
        self.id, self.display_name = rows[0].id, rows[0].display_name
        self.roles = {row.role for row in rows if row.role}

    def get_id(self) -> str:
        return str(self.id)


def create_app() -> Flask:
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=STACK_SECRET, SQLALCHEMY_DATABASE_URI=url)
    db = SQLAlchemy(app, metadata=metadata)
    CSRFProtect(app)
    login = LoginManager(app)
    login.session_protection = "strong"
    env = app.jinja_env
    login_form, signed_in, bell_html = (env.from_string(t) for t in (LOGIN_FORM, SIGNED_IN, BELL))

    @login.user_loader
    def _load(user_id: str):
        rows = db.session.execute(USER, {"user_id": int(user_id)}).all() if user_id.isdigit() else []
        return SignedIn(rows) if rows else None

    @app.get("/healthz/live")
    def live():
        return {"ok": True}

    @app.route("/auth/login", methods=["GET", "POST"])
    def sign_in():
        if request.method == "GET":
            return login_form.render(token=generate_csrf())
        row = db.session.execute(
            select(users.c.id, users.c.password_hash).where(users.c.username == request.form["username"])
        ).first()
        if row is None or not check_password_hash(row.password_hash, request.form["password"]):
            abort(401)
        user = _load(str(row.id))
        login_user(user)
        return signed_in.render(token=generate_csrf(), name=user.display_name)

    @app.get("/notifications/bell")
    @login_required
    def bell():
        return bell_html.render(unread=db.session.scalar(UNREAD, {"user_id": current_user.id}))

    return app
