"""The delivery procedure's pages: shipping notes, transit damage records, prints."""

from app.delivery.views import (
    damage,  # noqa: F401
    notes,  # noqa: F401
    prints,  # noqa: F401
)
