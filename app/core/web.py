"""Full page or fragment, and the error answers, in one place.

Views never read HTMX headers: they call :func:`render`, which returns the whole page, or
only the named block for an HTMX request that is not boosted, and marks the answer
``Vary: HX-Request`` so no cache hands one shape to a request that wanted the other.
"""

from __future__ import annotations

from flask import Flask, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import HTTPException


def is_fragment_request() -> bool:
    return bool(request.headers.get("HX-Request") == "true") and request.headers.get("HX-Boosted") != "true"


def render(template: str, block: str | None = None, *, status: int = 200, headers=None, **ctx):
    """The page ``template``, or its ``block`` alone for an HTMX request."""
    if block and is_fragment_request():
        body = render_block(template, block, **ctx)
    else:
        body = render_template(template, **ctx)
    response = make_response(body, status)
    response.headers.add("Vary", "HX-Request")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def hx_trigger(response, *events: str):
    """Add client-side events (``HX-Trigger``) to a response."""
    existing = response.headers.get("HX-Trigger")
    names = [e for e in (existing.split(",") if existing else []) if e] + list(events)
    response.headers["HX-Trigger"] = ", ".join(dict.fromkeys(n.strip() for n in names))
    return response


ERROR_TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Changed by someone else",
    413: "File too large",
    422: "Please correct the form",
    500: "Something went wrong",
}


def _error_messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Reload the page and try again.")),
        401: (_("Please log in"), _("Your session has ended. Log in to continue.")),
        403: (_("Not allowed"), _("You do not have permission for this action.")),
        404: (_("Not found"), _("There is no such page or record.")),
        405: (_("Not allowed"), _("This action is not available here.")),
        409: (
            _("Changed by someone else"),
            _("Someone saved this record after you opened it. Reload it and apply your change again."),
        ),
        413: (_("File too large"), _("The uploaded file is larger than allowed.")),
        422: (_("Please correct the form"), _("Some fields need your attention.")),
        500: (_("Something went wrong"), _("The error has been logged. Please try again later.")),
    }


def error_response(code: int, detail: str | None = None):
    title, message = _error_messages().get(code, (_("Error"), ""))
    if code == 401 and not is_fragment_request() and request.blueprint != "health":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if request.path.startswith("/healthz"):
        return {"error": title}, code
    ctx = dict(code=code, title=title, message=detail or message)
    if is_fragment_request():
        response = make_response(render_template("core/_error.html", **ctx), code)
        if code == 401:
            response.headers["HX-Redirect"] = url_for("auth.login")
        else:
            # htmx does not swap 4xx/5xx answers by default; show them in the message area
            response.headers["HX-Retarget"] = "#flash-area"
            response.headers["HX-Reswap"] = "afterbegin"
        response.headers.add("Vary", "HX-Request")
        return response
    response = make_response(render_template("core/error.html", **ctx), code)
    response.headers.add("Vary", "HX-Request")
    return response


def register_error_handlers(app: Flask) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    from app.extensions import db

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        description = None
        if (
            error.code in {400, 403, 404, 409}
            and isinstance(error.description, str)
            and getattr(error, "portal_message", False)
        ):
            description = error.description
        return error_response(error.code, description)

    @app.errorhandler(StaleDataError)
    def _stale(_error):
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500)


def redirect_after_post(url: str):
    """Post/redirect/get. An htmx form gets ``HX-Redirect`` instead of a 303: htmx would follow
    the redirect itself and swap the whole next page into the form."""
    from flask import redirect as flask_redirect

    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return flask_redirect(url, 303)


def check_version(obj) -> None:
    """Refuse a save made from a stale page (optimistic locking): 409 when the posted
    ``version`` is not the record's current one."""
    from flask import abort

    if request.form.get("version", type=int) != obj.version:
        abort(409)
