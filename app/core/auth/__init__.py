"""Logging in and out, the language switch, and the user administration pages."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import LoginManager

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_login(app: Flask, login_manager: LoginManager) -> None:
    from sqlalchemy.orm import joinedload

    from app.core.auth.models import User
    from app.extensions import db

    login_manager.init_app(app)
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(user_id: str):
        # with its roles in the same query: every request asks for them
        user = (
            db.session.get(User, int(user_id), options=[joinedload(User.roles)])
            if user_id.isdigit()
            else None
        )
        return user if user and user.is_enabled else None

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import abort

        abort(401)


from app.core.auth import admin, views  # noqa: E402,F401
