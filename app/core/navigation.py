"""The eight procedures in the navigation; a procedure not yet built says so on its page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from markupsafe import Markup


@dataclass(frozen=True)
class ProcedureEntry:
    module: str
    title: object
    code: str

    @property
    def is_built(self) -> bool:
        return f"{self.module}.index" in current_app.view_functions

    @property
    def url(self) -> str:
        if self.is_built:
            return url_for(f"{self.module}.index")
        return url_for("core.procedure_pending", module=self.module)


PROCEDURES = (
    ProcedureEntry("delivery", _l("Delivery"), "Q/SB-8.5.1"),
    ProcedureEntry("installation", _l("Installation"), "Q/SB-8.5.2"),
    ProcedureEntry("repair", _l("Repair"), "Q/SB-8.5.3"),
    ProcedureEntry("maintenance", _l("Preventive maintenance"), "Q/SB-8.5.4"),
    ProcedureEntry("complaints", _l("Complaints"), "Q/SB-8.2.1"),
    ProcedureEntry("returns", _l("Returns"), "Q/SB-8.7.1"),
    ProcedureEntry("recalls", _l("Recalls"), "Q/SB-8.7.2"),
    ProcedureEntry("purchasing", _l("Spare-part purchasing"), "Q/SB-8.4.1"),
)


def procedure(module: str) -> ProcedureEntry | None:
    return next((p for p in PROCEDURES if p.module == module), None)


#: the header's menus, their ``rights`` name → the Jinja check deciding it
MENU_RIGHTS = {
    "checklists": "can_manage_checklists",
    "audit_log": "can_view_audit_log",
    "calendar": "can_edit_calendar",
    "users": "can_manage_users",
}


@pass_context
def nav_menu(context) -> Markup:
    """The header's menus (``templates/core/_nav_menu.html``) for the user and language.

    They differ only by language and by which of :data:`MENU_RIGHTS` the user has, so each
    such combination is drawn once and kept: a full page no longer builds some forty links
    and labels anew (about 0.8 ms of every page). The home page, which gives the approvals
    count to the badge, draws them afresh.
    """
    user = context.get("current_user")
    rights = {name: bool(context.resolve(check)(user)) for name, check in MENU_RIGHTS.items()}
    count = context.get("approval_count")
    locale = context.resolve("current_locale")()
    key = (locale, request.script_root, tuple(rights.values()))
    kept = current_app.extensions.setdefault("qportal_nav_menus", {})
    if count is None and key in kept:
        return kept[key]
    template = context.environment.get_template("core/_nav_menu.html")
    html = Markup(template.render(rights=rights, approval_count=count))  # noqa: S704 — rendered by Jinja, escaped
    if count is None:
        kept[key] = html
    return html
