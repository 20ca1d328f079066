"""The registry refuses broken workflow definitions before the portal starts."""

from __future__ import annotations

import dataclasses

import pytest

from app import create_app
from app.config import TestConfig
from app.core.records.engine import (
    Meaning,
    Registry,
    Transition,
    WorkflowDefinitionError,
    check_registry,
    registry,
)
from tests.core.records.example_workflow import EXAMPLE, ExampleState

S = ExampleState


def broken(**changes):
    return dataclasses.replace(EXAMPLE, **changes)


def problems_of(definition) -> str:
    reg = Registry()
    reg.register(definition)
    with pytest.raises(WorkflowDefinitionError) as caught:
        check_registry(reg=reg)
    return str(caught.value)


def test_the_example_definition_is_sound_and_registered(app):
    check_registry(app)  # no error
    assert registry.for_type("example_record") is EXAMPLE


def with_transitions(*extra: Transition, keep=None):
    kept = tuple(t for t in EXAMPLE.transitions if keep is None or t.name in keep)
    return broken(transitions=kept + extra)


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            with_transitions(Transition("submit", "again", (S.DRAFT,), S.SUBMITTED)),
            "transition name 'submit' is used twice",
        ),
        (
            with_transitions(Transition("jump", "x", (S.DRAFT,), "archived")),
            "transition 'jump': unknown state 'archived'",
        ),
        (
            with_transitions(Transition("reopen", "x", (S.APPROVED,), S.DRAFT)),
            "transition 'reopen' leaves a read-only state but is not a correction",
        ),
        (
            with_transitions(Transition("nay", "x", (S.SUBMITTED,), S.DRAFT, rejects=True)),
            "transition 'nay' rejects but has no approval meaning",
        ),
        (
            with_transitions(Transition("check", "x", (S.SUBMITTED,), S.REVIEWED, required=("colour",))),
            "requires unknown field 'colour'",
        ),
        (
            with_transitions(Transition("halt", "x", (S.SUBMITTED,), S.DRAFT, stops=("warranty",))),
            "stops deadline 'warranty' that no transition starts",
        ),
        (with_transitions(keep={"submit", "review"}), "state 'approved' cannot be reached"),
        (broken(initial=S.APPROVED), "the initial state cannot be read-only"),
        (broken(form_key="F1"), "form key 'F1' does not look like F01"),
        (broken(module="Repair Service"), "is not a package name"),
        (
            with_transitions(Transition("Bad Name", "x", (S.DRAFT,), S.DRAFT, approval=Meaning.REVIEWED)),
            "transition name 'Bad Name' is not an identifier",
        ),
    ],
    ids=[
        "duplicate-name",
        "unknown-state",
        "out-of-read-only",
        "reject-without-meaning",
        "unknown-required-field",
        "unknown-deadline",
        "unreachable-state",
        "read-only-initial",
        "form-key",
        "module",
        "name-pattern",
    ],
)
def test_check_registry_rejects_a_broken_definition(definition, message):
    assert message in problems_of(definition)


def test_two_definitions_cannot_share_a_form(app):
    reg = Registry()
    reg.register(EXAMPLE)

    class Twin:
        __tablename__ = "twin_record"

    reg.register(broken(model=Twin))
    with pytest.raises(WorkflowDefinitionError, match="declared by example_record and twin_record"):
        check_registry(reg=reg)


def test_start_up_fails_on_a_bad_definition(backend, database_url):
    bad = broken(endpoint="nowhere.detail", print_templates={"F01": "example/print/missing.html"})
    registry.unregister(EXAMPLE)
    registry.register(bad)
    try:
        with pytest.raises(WorkflowDefinitionError) as caught:
            create_app(TestConfig(database_url, backend["redis_url"]))
        assert "record page endpoint 'nowhere.detail' does not exist" in str(caught.value)
        assert "print template 'example/print/missing.html' not found" in str(caught.value)
    finally:
        registry.unregister(bad)
        registry.register(EXAMPLE)
