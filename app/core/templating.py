"""Jinja globals and filters shared by every template."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

from app.core import permissions
from app.core.navigation import PROCEDURES
from app.core.records.audit import field_label


def current_locale() -> str:
    """``zh_CN`` or ``en``: the catalog this request is answered from."""
    locale = get_locale()
    return "zh_CN" if locale is None or locale.language == "zh" else "en"


def register_templating(app: Flask) -> None:
    app.jinja_env.globals.update(permissions.JINJA_CHECKS)
    app.jinja_env.globals["PROCEDURES"] = PROCEDURES
    app.jinja_env.globals["field_label"] = field_label
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["company_name"] = lambda: app.config["COMPANY_NAME"]

    @app.template_filter("dt")
    def _datetime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("d")
    def _date(value: date | None) -> str:
        return format_date(value, "yyyy-MM-dd") if value else ""
