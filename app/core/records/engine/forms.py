"""The form a step can carry: what the user fills in when taking it ("engineer" with "Dispatch").

A procedure subclasses :class:`StepForm` with ordinary WTForms fields named like the record's
columns and hangs it on the transition (``Transition(..., form=DispatchForm)``). The engine's
step view validates it (422 with the errors beside the fields), then passes :meth:`values` to
:func:`~app.core.records.engine.transition`, which writes them only once the user may take
the step. Each step's form has the step's name as prefix, so several can share one page.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

#: fields of a step form that are never record values
_NOT_VALUES = frozenset({"csrf_token"})


class StepForm(FlaskForm):
    """Fields of one step; ``setup(record)`` fills choices that depend on the record."""

    class Meta:
        #: CSRFProtect checks every POST already; a prefixed token field would never match
        csrf = False

    def __init__(self, record, *args, **kwargs) -> None:
        #: the record the step is taken on
        self.record = record
        #: read from a posted request (else filled from the record, for display)
        self.is_posted = kwargs.get("formdata") is not None
        kwargs.setdefault("obj", record)
        super().__init__(*args, **kwargs)
        self.setup(record)

    def setup(self, record) -> None:
        """Hook for dynamic choices (the engineers to dispatch to …)."""

    def values(self) -> dict[str, Any]:
        """Record column → value, as the form holds it; override to convert or add."""
        return {name: field.data for name, field in self._fields.items() if name not in _NOT_VALUES}


def step_form(step, record, formdata=None):
    """The form of ``step`` for ``record``: read from the request when ``formdata`` is given,
    else filled from the record (for display)."""
    if step.form is None:
        return None
    if formdata is None:
        return step.form(record, prefix=step.name, formdata=None)
    return step.form(record, prefix=step.name, formdata=formdata)
