"""Login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.core.auth import bp
from app.core.auth.forms import LoginForm
from app.core.auth.services import LoginRefused, authenticate, record_logout
from app.core.models import utcnow
from app.core.web import render
from app.extensions import db


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("core.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    error = None
    if request.method == "POST":
        if form.validate():
            try:
                user = authenticate(
                    form.username.data,
                    form.password.data,
                    now=utcnow(),
                    ip=request.remote_addr,
                    max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                    lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
                )
            except LoginRefused as refused:
                db.session.commit()  # the failure and the lock are kept
                error = {
                    "locked": _(
                        "Too many failed logins: the account is locked for %(minutes)s minutes.",
                        minutes=current_app.config["LOGIN_LOCK_MINUTES"],
                    ),
                    "disabled": _("This account is disabled. Ask an administrator."),
                }.get(refused.reason, _("Wrong username or password."))
                status = 422
            else:
                db.session.commit()
                session.clear()
                login_user(user)
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
        else:
            status = 422
    return render("core/auth/login.html", "login_form", form=form, error=error, status=status)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        record_logout(current_user._get_current_object(), ip=request.remote_addr)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/locale", methods=["POST"])
def set_locale():
    """Switch the interface language; remembered on the account, or in the session."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        from flask import abort

        abort(400)
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    session["locale"] = locale
    target = _safe_next(request.form.get("next"))
    if request.headers.get("HX-Request") == "true":
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)
