"""Which language and time zone a request is answered in."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_babel import refresh
from flask_login import current_user


def select_locale() -> str:
    """The user's setting, else the browser's Accept-Language, else the portal default.

    Outside a request (jobs, CLI) it is the portal default; jobs writing to one user use
    ``flask_babel.force_locale`` with that user's setting.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match([lang.replace("_", "-") for lang in languages])
    if best:
        return best.replace("-", "_")
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def forget_previous_request() -> None:
    """Start each request without the user, language or CSRF token cached by an earlier one.

    Flask reuses an app context that outlives a request (the test client, CLI scripts); what
    the extensions cached on ``g`` there must not leak into the next request.
    """
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    refresh()
