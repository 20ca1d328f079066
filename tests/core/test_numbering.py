"""Record numbers: pattern tokens, counter periods, and gap-free issue under concurrency."""

from __future__ import annotations

import multiprocessing
import queue
from datetime import datetime

import pytest

from app.core.records.numbering import (
    NumberCounter,
    PatternError,
    format_number,
    issue_number,
    last_issued,
    last_issued_numbers,
    period_of,
    validate_pattern,
)
from app.core.records.register import DocumentKind, DocumentStatus
from app.core.records.services import RegisterError, create_document, issue_record_number, revise_document
from app.extensions import db

NOV = datetime(2026, 11, 22, 10, 30)


def seq(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


# --- tokens ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("WX-{YYYY}{MM}-{SEQ:4}", "WX-202611-0042"),
        ("WX{YY}{MM}{DD}{SEQ:3}", "WX261122042"),
        ("8D-{YYYY}-{SEQ:3}", "8D-2026-042"),
        ("No.{SEQ:6}", "No.000042"),
        ("维修{YYYY}年{SEQ}号", "维修2026年42号"),
        ("A-{SEQ:1}", "A-42"),  # a number wider than its width is not cut
    ],
)
def test_tokens_fill_in_date_and_sequence_around_literal_text(pattern, expected):
    validate_pattern(pattern)
    assert format_number(pattern, NOV, 42) == expected


@pytest.mark.parametrize(
    ("pattern", "period"),
    [
        ("WX-{YYYY}{MM}{DD}-{SEQ:3}", "20261122"),
        ("WX-{YYYY}{MM}-{SEQ:4}", "202611"),
        ("WX-{YY}-{SEQ:4}", "2026"),
        ("WX-{SEQ:6}", ""),
    ],
)
def test_the_finest_date_token_decides_the_counter_period(pattern, period):
    assert period_of(pattern, NOV) == period


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "WX-{YYYY}{MM}",  # no sequence
        "{SEQ:2}-{SEQ:4}",  # two sequences
        "WX-{HH}-{SEQ:4}",  # unknown token
        "WX-{YYYY-{SEQ:4}",  # stray brace
        "WX-{SEQ:0}",
        "WX-{SEQ:12}",
        "WX-{MM}-{SEQ:4}",  # restarts monthly but repeats every year
        "WX-{YYYY}{DD}-{SEQ:4}",  # restarts daily but repeats every month
    ],
)
def test_invalid_patterns_are_rejected(pattern):
    with pytest.raises(PatternError):
        validate_pattern(pattern)
    with pytest.raises(PatternError):
        issue_number("s", pattern, at=NOV)


# --- counters ----------------------------------------------------------------------------------


def test_monthly_counter_restarts_each_month(app):
    pattern = "WX-{YYYY}{MM}-{SEQ:4}"
    assert issue_number("s", pattern, at=datetime(2026, 11, 1)) == "WX-202611-0001"
    assert issue_number("s", pattern, at=datetime(2026, 11, 30, 23, 59)) == "WX-202611-0002"
    assert issue_number("s", pattern, at=datetime(2026, 12, 1)) == "WX-202612-0001"
    assert issue_number("s", pattern, at=datetime(2027, 11, 1)) == "WX-202711-0001"
    assert issue_number("s", pattern, at=datetime(2026, 11, 15)) == "WX-202611-0003"


def test_daily_counter_restarts_each_day(app):
    pattern = "R{YYYY}{MM}{DD}-{SEQ:2}"
    assert issue_number("s", pattern, at=datetime(2026, 11, 22, 8)) == "R20261122-01"
    assert issue_number("s", pattern, at=datetime(2026, 11, 22, 18)) == "R20261122-02"
    assert issue_number("s", pattern, at=datetime(2026, 11, 23, 8)) == "R20261123-01"


def test_yearly_counter_restarts_each_year(app):
    pattern = "8D-{YYYY}-{SEQ:3}"
    assert issue_number("s", pattern, at=datetime(2026, 1, 5)) == "8D-2026-001"
    assert issue_number("s", pattern, at=datetime(2026, 12, 31)) == "8D-2026-002"
    assert issue_number("s", pattern, at=datetime(2027, 1, 1)) == "8D-2027-001"


def test_counter_without_date_never_restarts(app):
    pattern = "NO-{SEQ:5}"
    assert issue_number("s", pattern, at=datetime(2026, 1, 1)) == "NO-00001"
    assert issue_number("s", pattern, at=datetime(2027, 6, 1)) == "NO-00002"
    assert issue_number("s", pattern, at=datetime(2030, 1, 1)) == "NO-00003"


def test_series_and_periods_do_not_interfere(app):
    pattern = "WX-{YYYY}{MM}-{SEQ:4}"
    a1 = [issue_number("a", pattern, at=NOV) for _ in range(3)]
    b1 = [issue_number("b", pattern, at=NOV) for _ in range(2)]
    a2 = [issue_number("a", pattern, at=datetime(2026, 12, 2)) for _ in range(2)]
    a1 += [issue_number("a", pattern, at=NOV)]
    db.session.commit()
    assert [seq(n) for n in a1] == [1, 2, 3, 4]
    assert [seq(n) for n in b1] == [1, 2]
    assert [seq(n) for n in a2] == [1, 2]
    assert last_issued("b") == ("202611", 2)


def test_a_rolled_back_submission_gives_its_number_back(app):
    pattern = "WX-{YYYY}{MM}-{SEQ:4}"
    assert issue_number("s", pattern, at=NOV) == "WX-202611-0001"
    db.session.commit()
    assert issue_number("s", pattern, at=NOV) == "WX-202611-0002"
    db.session.rollback()  # the submission failed
    assert issue_number("s", pattern, at=NOV) == "WX-202611-0002"
    db.session.commit()
    # the very first number of a new period rolls back too (the counter row goes with it)
    assert issue_number("s", pattern, at=datetime(2026, 12, 1)) == "WX-202612-0001"
    db.session.rollback()
    assert issue_number("s", pattern, at=datetime(2026, 12, 1)) == "WX-202612-0001"
    db.session.commit()
    assert db.session.query(NumberCounter).filter_by(series="s", period="202611").one().last_value == 2


def test_last_issued_number_is_shown_as_issued(app):
    pattern = "WX-{YYYY}{MM}-{SEQ:4}"
    for _ in range(42):
        issue_number("s", pattern, at=NOV)
    issue_number("t", "T{SEQ:3}", at=NOV)
    db.session.commit()
    numbers = last_issued_numbers({"s": pattern, "t": "T{SEQ:3}", "unused": pattern})
    assert numbers == {"s": "WX-202611-0042", "t": "T001"}
    # after a pattern change the register still shows the number that was actually issued
    assert last_issued_numbers({"s": "NEW-{YYYY}-{SEQ:5}"}) == {"s": "WX-202611-0042"}


def test_a_sequence_past_its_width_is_recorded_whole_as_issued(app):
    issue_number("w", "W{YY}-{SEQ:2}/{MM}", at=NOV)
    db.session.execute(db.update(NumberCounter).where(NumberCounter.series == "w").values(last_value=98))
    numbers = [issue_number("w", "W{YY}-{SEQ:2}/{MM}", at=NOV) for _ in range(3)]
    db.session.commit()
    assert numbers == ["W26-99/11", "W26-100/11", "W26-101/11"]  # widened, never cut
    assert last_issued_numbers({"w": "W{YY}-{SEQ:2}/{MM}"}) == {"w": "W26-101/11"}


# --- record forms ------------------------------------------------------------------------------


def make_form(**overrides):
    data = dict(
        kind=DocumentKind.FORM,
        module="repair",
        form_key="F01",
        code="Q/SB-8.5.3-F01",
        title_zh="报修登记单",
        title_en="Repair request",
        number_pattern="WX-{YYYY}{MM}-{SEQ:4}",
        retention_years=5,
    )
    data.update(overrides)
    doc = create_document(data, actor=None)
    db.session.commit()
    return doc


def test_record_number_comes_from_the_form_and_survives_a_code_revision(app):
    form = make_form()
    other = make_form(code="Q/SB-8.5.3-F04", form_key="F04", number_pattern="WXD-{YYYY}{MM}-{SEQ:4}")
    assert issue_record_number(form, at=NOV) == "WX-202611-0001"
    assert issue_record_number(other, at=NOV) == "WXD-202611-0001"
    db.session.commit()
    revise_document(
        form,
        {"code": "Q/SB-8.5.3-F01A", "revision": "A/1", "number_pattern": "BX-{YYYY}{MM}-{SEQ:4}"},
        actor=None,
        reason="new prefix",
    )
    db.session.commit()
    # the series belongs to the form, not to its code: the count goes on under the new pattern
    assert issue_record_number(form, at=NOV) == "BX-202611-0002"


def test_only_controlled_forms_issue_numbers(app):
    procedure = create_document(
        dict(
            kind=DocumentKind.PROCEDURE,
            module="repair",
            code="Q/SB-8.5.3",
            title_zh="维修",
            title_en="Repair",
        ),
        actor=None,
    )
    with pytest.raises(RegisterError):
        issue_record_number(procedure, at=NOV)
    form = make_form(status=DocumentStatus.OBSOLETE)
    with pytest.raises(RegisterError):
        issue_record_number(form, at=NOV)
    assert db.session.query(NumberCounter).count() == 0


# --- concurrency -------------------------------------------------------------------------------

PROCESSES = 8
PER_PROCESS = 200


@pytest.mark.slow
def test_concurrent_processes_get_each_number_exactly_once(app, backend, database_url):
    """8 OS processes × 200 numbers, one transaction each: 1..1600, no gap, no duplicate."""
    from tests.core._numbering_worker import issue_many

    pattern = "WX-{YYYY}{MM}-{SEQ:4}"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=issue_many,
            args=(
                database_url,
                backend["redis_url"],
                "doc:1",
                "doc:2",
                pattern,
                PER_PROCESS,
                barrier,
                results,
            ),
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = []
    try:
        for _ in workers:
            outcomes.append(results.get(timeout=300))
    except queue.Empty:
        pytest.fail("a numbering process did not finish in time")
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()
    errors = [detail for status, detail, _ in outcomes if status != "ok"]
    assert not errors, errors[0]

    issued = [number for _, numbers, _ in outcomes for number in numbers]
    assert all(n.startswith("WX-202611-") for n in issued)
    assert sorted(seq(n) for n in issued) == list(range(1, PROCESSES * PER_PROCESS + 1))
    # each process saw its own numbers strictly increase: numbers are issued in order
    for _, numbers, _ in outcomes:
        values = [seq(n) for n in numbers]
        assert values == sorted(values)
        assert len(set(values)) == len(values)

    # the other series, interleaved in another period, counted on its own
    others = [number for _, _, numbers in outcomes for number in numbers]
    assert all(n.startswith("WX-202612-") for n in others)
    assert sorted(seq(n) for n in others) == list(range(1, PROCESSES * PER_PROCESS // 10 + 1))

    db.session.expire_all()
    assert last_issued("doc:1") == ("202611", 1600)
    assert last_issued_numbers({"doc:1": pattern}) == {"doc:1": "WX-202611-1600"}
