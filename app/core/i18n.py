"""Which language and time zone a request is answered in."""

from __future__ import annotations

import weakref

from babel.support import Translations
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_translations, refresh
from flask_login import current_user

#: each catalog's titles of each titled enum, in that catalog's language
_titles_by_catalog: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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


def translations() -> Translations:
    """The catalog of the language this request (or ``force_locale`` block) is answered in.

    Flask-Babel finds it anew on every message (several context lookups and the locale's name
    built each time: about 6 µs, a list page asks for a hundred); it is kept here beside the
    locale it was found for, and found again when the locale changes.
    """
    babel_context = g.get("_flask_babel") if g else None
    if babel_context is not None:
        found = babel_context.__dict__.get("qportal_translations")
        locale = babel_context.__dict__.get("babel_locale")
        if found is not None and locale is not None and found[0] is locale:
            return found[1]
    catalog = get_translations()
    babel_context = g.get("_flask_babel") if g else None
    locale = getattr(babel_context, "babel_locale", None)
    if locale is not None:
        babel_context.qportal_translations = (locale, catalog)
    return catalog


def titles_in_language(enum_class) -> dict:
    """``member → title`` of a titled enum, in the request's language (made once per catalog)."""
    catalog = translations()
    per_class = _titles_by_catalog.get(catalog)
    if per_class is None:
        per_class = _titles_by_catalog[catalog] = {}
    titles = per_class.get(enum_class)
    if titles is None:
        titles = per_class[enum_class] = {m: str(t) for m, t in enum_class._titles().items()}
    return titles
