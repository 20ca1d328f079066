"""The repair procedure's pages: cases (list, intake, record pages), prints, statistics, settings."""

from app.repair.views import (
    cases,  # noqa: F401
    prints,  # noqa: F401
    settings,  # noqa: F401
    stats,  # noqa: F401
)
