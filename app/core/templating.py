"""Jinja globals and filters shared by every template."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, url_for
from flask.templating import Environment
from flask_babel import format_datetime, get_locale
from jinja2 import pass_context
from markupsafe import Markup

from app.core import permissions
from app.core.i18n import translations
from app.core.navigation import PROCEDURES, nav_menu
from app.core.records.audit import field_label

#: date patterns made of digits only, in ``strftime`` terms
DIGIT_PATTERNS = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S"}


def current_locale() -> str:
    """``zh_CN`` or ``en``: the catalog this request is answered from."""
    locale = get_locale()
    return "zh_CN" if locale is None or locale.language == "zh" else "en"


@pass_context
def _gettext(context, string: str, **variables) -> str:
    """``{{ _("…") }}``: what Jinja's new-style gettext gives (escaped, then formatted with the
    variables, ``%%`` read as ``%``), without its two wrapping layers around each call."""
    message = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        message = Markup(message)  # noqa: S704 — our own catalog; the variables are escaped by %
    return message % variables if variables or "%" in message else message


class PortalEnvironment(Environment):
    """Flask's Jinja environment, with a template's globals read straight from the environment's.

    Jinja lays a template's own globals over the environment's in a ``ChainMap``, read key by
    key in Python: every page, every ``include`` and every macro ``import`` walked the portal's
    seventy globals so (an import: a set difference of two ChainMaps' keys, 0.1–0.2 ms). Our
    templates have no globals of their own, so they share the environment's dict; one given
    its own keeps Jinja's ChainMap. Globals are all registered before the first template loads.
    """

    def make_globals(self, d):
        return self.globals if not d else super().make_globals(d)


#: the stand-in id :func:`id_url` builds its rule with: no record has it
_STAND_IN_ID = 2_147_483_647


def id_url(endpoint: str, key: str):
    """``url_for(endpoint, key=id)`` for the many rows of a list at the cost of one: the rule
    is built once with a stand-in id, each row's link is that address with its id put in
    (twenty-five rules built a page were a twentieth of the repair list's Python time)."""
    head, _, tail = url_for(endpoint, **{key: _STAND_IN_ID}).rpartition(str(_STAND_IN_ID))
    return lambda record_id: f"{head}{int(record_id)}{tail}"


def register_templating(app: Flask) -> None:
    # Flask-Babel's callables with Jinja's "new style" wrapping, from the request's catalog
    # found once: a hundred messages a page at a third of the cost
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["gettext"] = _gettext
    app.jinja_env.globals.update(permissions.JINJA_CHECKS)
    app.jinja_env.globals["PROCEDURES"] = PROCEDURES
    app.jinja_env.globals["nav_menu"] = nav_menu
    app.jinja_env.globals["field_label"] = field_label
    app.jinja_env.globals["id_url"] = id_url
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["company_name"] = lambda: app.config["COMPANY_NAME"]

    @app.template_filter("dt")
    def _datetime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
        if not value:
            return ""
        pattern = DIGIT_PATTERNS.get(fmt)
        if pattern:  # digits only, the same in every locale: no CLDR lookup
            if value.tzinfo is None:  # stored times are UTC
                value = value.replace(tzinfo=UTC)
            return value.astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).strftime(pattern)
        return format_datetime(value, fmt)

    @app.template_filter("d")
    def _date(value: date | None) -> str:
        return value.strftime("%Y-%m-%d") if value else ""
