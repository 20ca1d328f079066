"""The eight procedures in the navigation; a procedure not yet built says so on its page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l


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
