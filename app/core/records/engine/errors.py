"""What the engine's services raise; the engine's error handlers turn them into 403/404/409.

Views catch only :class:`ValidationError` themselves (422 with the form and its errors).
"""

from __future__ import annotations


class RecordError(Exception):
    """Base of the engine's errors; the message is for the user."""


class UnknownTransition(RecordError, LookupError):
    """The definition has no transition of that name (404)."""


class StateConflict(RecordError):
    """The record is not in a state the transition starts from — someone was faster (409)."""


class ReadOnlyRecordError(RecordError):
    """A plain edit of an approved or closed record (409)."""


class TransitionNotAllowed(RecordError, PermissionError):
    """The user may not take this step (403)."""


class OwnRecordError(TransitionNotAllowed):
    """Nobody approves (or rejects) a record they created or submitted (403)."""


class ValidationError(RecordError, ValueError):
    """Fields to fill before the step: ``errors`` is ``{field: message}`` (422)."""

    def __init__(self, errors: dict):
        self.errors = dict(errors)
        super().__init__(*self.errors)

    def __str__(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.errors.items())


class RecordSetupError(RecordError):
    """The register lacks the form a definition names (a configuration problem)."""
