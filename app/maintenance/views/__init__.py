"""The maintenance procedure's pages: plans, visits, the calendar, prints."""

from app.maintenance.views import (
    calendar,  # noqa: F401
    plans,  # noqa: F401
    prints,  # noqa: F401
    visits,  # noqa: F401
)
