"""Imports every module that registers periodic jobs, so the scheduler knows them all.

The platform's own job modules are listed here; procedures' ``jobs.py`` modules are found by
name, so the platform imports none of them directly.
"""

from __future__ import annotations

import importlib
import pkgutil

import app as _app_pkg

#: the platform's modules that register periodic jobs
CORE_JOB_MODULES = ("app.core.mail", "app.core.records.engine.reminders")

for _name in CORE_JOB_MODULES:
    importlib.import_module(_name)

for _module in pkgutil.iter_modules(_app_pkg.__path__):
    if _module.ispkg and _module.name != "core":
        try:
            importlib.import_module(f"app.{_module.name}.jobs")
        except ModuleNotFoundError as error:
            if error.name != f"app.{_module.name}.jobs":
                raise
