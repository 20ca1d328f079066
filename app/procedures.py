"""The procedure packages: imported here so their records and blueprints join the portal.

The platform (``app.core``) never imports a procedure; the application factory asks this
module for their blueprints. A package that has no ``bp`` yet is not built.
"""

from __future__ import annotations

import importlib

from flask import Blueprint

PACKAGES = (
    "delivery",
    "installation",
    "repair",
    "maintenance",
    "complaints",
    "returns",
    "recalls",
    "purchasing",
)


def procedure_blueprints() -> list[Blueprint]:
    found = []
    for name in PACKAGES:
        module = importlib.import_module(f"app.{name}")
        if isinstance(getattr(module, "bp", None), Blueprint):
            found.append(module.bp)
    return found
