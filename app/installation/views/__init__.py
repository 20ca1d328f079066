"""The installation procedure's pages: the list, the request, the case page with its steps on
site, the plan, and the prints."""

from app.installation.views import (
    cases,  # noqa: F401
    plans,  # noqa: F401
    prints,  # noqa: F401
)
