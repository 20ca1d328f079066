"""Fixtures for the record engine's tests: the example form in the register and its people."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.permissions import Department, Role
from app.core.records.engine import create_record, transition
from app.core.records.services import create_document
from app.extensions import db
from tests.core.records.example_workflow import ExampleRecord

#: 2026-11-22 10:00 in Shanghai
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@pytest.fixture
def example_form(app):
    """The example procedure and its form F01 (numbers ``EX-{YYYY}{MM}-{SEQ:4}``) in the register."""
    procedure = create_document(
        {
            "kind": "procedure",
            "module": "example",
            "code": "Q/SB-0.0.1",
            "title_zh": "示例程序",
            "title_en": "Example procedure",
        },
        actor=None,
    )
    form = create_document(
        {
            "kind": "form",
            "module": "example",
            "form_key": "F01",
            "procedure_id": procedure.id,
            "code": "Q/SB-0.0.1-F01",
            "title_zh": "示例记录单",
            "title_en": "Example record form",
            "revision": "A/0",
            "number_pattern": "EX-{YYYY}{MM}-{SEQ:4}",
            "retention_years": 3,
        },
        actor=None,
    )
    db.session.commit()
    return form


@pytest.fixture
def people(make_user):
    """Who acts on example records: a service clerk (the creator), managers, the GM, QA."""
    return {
        "clerk": make_user(roles=[Role.STAFF], department=Department.SERVICE, display_name="王小明"),
        "engineer": make_user(roles=[Role.SERVICE_ENGINEER], department=Department.SERVICE),
        "service_manager": make_user(
            roles=[Role.DEPT_MANAGER], department=Department.SERVICE, display_name="李经理"
        ),
        "sales_manager": make_user(roles=[Role.DEPT_MANAGER], department=Department.SALES),
        "gm": make_user(roles=[Role.GENERAL_MANAGER], department=Department.SALES, display_name="张总"),
        "qa": make_user(roles=[Role.QUALITY_ADMIN], department=Department.QUALITY),
    }


#: who takes each step on the happy path
PATH = {"submit": "clerk", "review": "service_manager", "approve": "gm"}


@pytest.fixture
def new_record(example_form, people):
    """``new_record(state="draft", **values)``: an example record brought to ``state`` and committed."""

    def make(state: str = "draft", by: str = "clerk", **values) -> ExampleRecord:
        values = {"title": "压缩机异响", "fault": "开机噪音大", **values}
        record = create_record(ExampleRecord, values, actor=people[by], now=NOW)
        steps = {"draft": [], "submitted": ["submit"], "reviewed": ["submit", "review"]}
        steps["approved"] = [*steps["reviewed"], "approve"]
        for name in steps[state]:
            transition(record, name, actor=people[PATH[name]], now=NOW)
        db.session.commit()
        return record

    return make
