"""The Approvals inbox, its header counter, the record page's steps and signatures."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core.records.engine import Approval, approvals_of, correct_record, transition
from app.extensions import db
from tests.conftest import HX
from tests.core.records.conftest import NOW

EN = {"Accept-Language": "en"}


def rows(html: str) -> list[str]:
    """The record keys of the inbox rows, in order."""
    return re.findall(r'<tr id="approval-(example_record-\d+)"', html)


def key(record) -> str:
    return f"example_record-{record.id}"


def decide(client, record, step, headers=HX, **data):
    return client.post(
        f"/records/approvals/example_record/{record.id}/{step}",
        data={"version": record.version, **data},
        headers={**EN, **headers},
    )


def take(client, record, step, headers=HX, **data):
    return client.post(
        f"/records/example_record/{record.id}/transitions/{step}",
        data={"version": record.version, **data},
        headers={**EN, **headers},
    )


def count_badge(client) -> str | None:
    html = client.get("/records/approvals/count", headers=HX).get_data(as_text=True)
    assert "<html" not in html
    found = re.search(r'id="approvals-count">(\d+)<', html)
    return found.group(1) if found else None


@pytest.fixture
def queue(new_record, people):
    """Two records waiting for the service manager's review, one for the GM, one draft, and
    one the service manager submitted himself."""
    older = new_record("submitted", title="旧的")
    newer = new_record("draft", title="新的")
    transition(newer, "submit", actor=people["clerk"], now=NOW + timedelta(hours=1))
    reviewed = new_record("reviewed", title="待批准")
    draft = new_record("draft", title="草稿")
    own = new_record("draft", by="service_manager", title="自己的")
    transition(own, "submit", actor=people["service_manager"], now=NOW + timedelta(hours=2))
    db.session.commit()
    return {"older": older, "newer": newer, "reviewed": reviewed, "draft": draft, "own": own}


# --- the inbox -------------------------------------------------------------------------------------


def test_inbox_lists_only_what_the_user_may_approve_newest_first(client, login, people, queue):
    login(people["service_manager"])
    html = client.get("/records/approvals", headers=EN).get_data(as_text=True)
    assert "<html" in html
    assert rows(html) == [key(queue["newer"]), key(queue["older"])]  # not his own, not the GM's
    assert "EX-202611-0002" in html
    assert "Example record form" in html
    assert "王小明" in html

    fragment = client.get("/records/approvals", headers={**EN, **HX}).get_data(as_text=True)
    assert "<html" not in fragment
    assert 'id="approval-list"' in fragment
    assert rows(fragment) == rows(html)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("gm", ["reviewed"]), ("sales_manager", []), ("clerk", []), ("qa", [])],
)
def test_inbox_of_other_people(client, login, people, queue, who, expected):
    login(people[who])
    html = client.get("/records/approvals", headers=EN).get_data(as_text=True)
    assert rows(html) == [key(queue[name]) for name in expected]
    if not expected:
        assert 'id="approvals-empty"' in html


def test_one_click_approve_removes_the_row_and_updates_the_counter(client, login, people, queue):
    login(people["service_manager"])
    assert count_badge(client) == "2"
    response = decide(client, queue["older"], "review")
    assert response.status_code == 200
    assert "approvals-changed" in response.headers["HX-Trigger"]
    body = response.get_data(as_text=True)
    assert "<tr" not in body
    assert "<html" not in body
    db.session.expire_all()
    assert queue["older"].status == "reviewed"
    (approval,) = approvals_of(queue["older"])
    assert (approval.approver_id, approval.meaning, approval.decision) == (
        people["service_manager"].id,
        "reviewed",
        "approved",
    )
    assert count_badge(client) == "1"
    assert rows(client.get("/records/approvals").get_data(as_text=True)) == [key(queue["newer"])]


def test_reject_from_the_inbox_needs_a_reason(client, login, people, queue):
    login(people["gm"])
    record = queue["reviewed"]
    response = decide(client, record, "reject", reason="  ")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert rows(body) == [key(record)]
    assert f'id="reason-{key(record)}-reject-error"' in body
    assert "Give the reason." in body
    db.session.expire_all()
    assert record.status == "reviewed"

    response = decide(client, record, "reject", reason="报价不全")
    assert response.status_code == 200
    assert "approvals-changed" in response.headers["HX-Trigger"]
    db.session.expire_all()
    assert record.status == "draft"
    assert approvals_of(record)[-1].reason == "报价不全"
    assert count_badge(client) is None


def test_inbox_refuses_what_the_user_may_not_sign(client, login, people, queue):
    login(people["sales_manager"])
    assert decide(client, queue["older"], "review").status_code == 403
    login(people["service_manager"])
    assert decide(client, queue["own"], "review").status_code == 403  # his own submission
    assert decide(client, queue["reviewed"], "review").status_code == 409  # not in that state
    assert decide(client, queue["draft"], "submit").status_code == 404  # not a signature
    db.session.expire_all()
    assert len(db.session.scalars(select(Approval)).all()) == 1  # the fixture's own review only


def test_without_htmx_the_inbox_answers_the_whole_page(client, login, people, queue):
    login(people["service_manager"])
    response = decide(client, queue["older"], "review", headers={})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert rows(html) == [key(queue["newer"])]


def test_header_badge_and_home_page_use_the_same_query(client, login, people, queue):
    login(people["service_manager"])
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert re.search(r'id="nav-approvals"[^>]*hx-get="/records/approvals/count"', home)
    assert 'hx-trigger="approvals-changed from:body' in home
    assert 'id="approvals-count">2<' in home
    card = home[home.index('id="my-approvals"') :]
    card = card[: card.index("</ul>")]
    assert "EX-202611-0001" in card
    assert "EX-202611-0002" in card
    assert "EX-202611-0004" not in card


def test_anonymous_htmx_request_is_sent_to_the_login_page(client, queue):
    response = client.get("/records/approvals/count", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")


# --- the record page ---------------------------------------------------------------------------


def buttons(html: str) -> set[str]:
    return set(re.findall(r'data-step="(\w+)"', html))


@pytest.mark.parametrize(
    ("who", "state", "expected"),
    [
        ("clerk", "draft", {"submit"}),
        ("sales_manager", "draft", set()),
        ("clerk", "submitted", {"withdraw"}),
        ("service_manager", "submitted", {"review", "send_back"}),
        ("gm", "submitted", set()),
        ("gm", "reviewed", {"approve", "reject"}),
        ("service_manager", "reviewed", set()),
        ("qa", "approved", {"void"}),
        ("gm", "approved", set()),
    ],
)
def test_record_page_shows_only_the_steps_the_user_may_take(
    client, login, people, new_record, who, state, expected
):
    record = new_record(state)
    login(people[who])
    html = client.get(f"/records/example_record/{record.id}", headers=EN).get_data(as_text=True)
    assert buttons(html) == expected
    refused = {"submit", "withdraw", "review", "approve", "void"} - expected
    for step in refused:
        if record.status in record.definition.transition(step).from_values:
            assert take(client, record, step, reason="x").status_code == 403
    db.session.expire_all()
    assert record.status == state


def test_own_record_shows_no_signature_buttons(client, login, people, new_record):
    record = new_record("draft", by="service_manager")
    transition(record, "submit", actor=people["service_manager"], now=NOW)
    db.session.commit()
    login(people["service_manager"])
    html = client.get(f"/records/example_record/{record.id}", headers=EN).get_data(as_text=True)
    assert not buttons(html) & {"review", "send_back"}
    assert 'id="own-record-note"' in html
    assert take(client, record, "review").status_code == 403


def test_step_with_missing_fields_answers_422_next_to_the_fields(client, login, people, new_record):
    record = new_record("draft", title="", fault="")
    login(people["clerk"])
    response = take(client, record, "submit")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="transition-buttons"')
    assert 'id="title-error"' in body
    assert 'id="fault-error"' in body
    assert "Fault description" in body
    full = take(client, record, "submit", headers={})
    assert full.status_code == 422
    assert "<html" in full.get_data(as_text=True)
    db.session.expire_all()
    assert record.number is None
    assert record.status == "draft"


def test_step_from_the_record_page_redirects_back_to_it(client, login, people, new_record):
    record = new_record("draft")
    login(people["clerk"])
    stale = take(client, record, "submit", version=record.version + 7)
    assert stale.status_code == 409
    response = take(client, record, "submit")
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/records/example_record/{record.id}"
    page = client.get(response.headers["HX-Redirect"], headers=EN).get_data(as_text=True)
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m")  # numbered on the company's clock
    assert f'id="record-number">EX-{month}-0001<' in page
    assert 'data-status="submitted"' in page
    assert take(client, record, "submit").status_code == 409  # already submitted


def test_record_page_shows_signatures_in_company_time(client, login, people, new_record):
    record = new_record("approved")
    login(people["clerk"])
    html = client.get(f"/records/example_record/{record.id}", headers=EN).get_data(as_text=True)
    table = html[html.index('id="approval-signatures"') :]
    table = table[: table.index("</table>")]
    # NOW is 02:00 UTC: 10:00 in Shanghai
    assert re.search(r"Reviewed</td><td>李经理</td><td>2026-11-22 10:00</td>", table)
    assert re.search(r"Approved</td><td>张总</td><td>2026-11-22 10:00</td>", table)
    assert 'id="read-only-note"' in html
    history = html[html.index('id="record-history"') :]
    assert "Submitted → Reviewed" in history
    assert "Reviewed → Approved" in history


def test_earlier_revision_stays_readable_after_a_correction(client, login, people, new_record):
    record = new_record("approved")
    correct_record(record, {"fault": "轴承磨损"}, actor=people["qa"], reason="故障原因笔误")
    db.session.commit()
    login(people["clerk"])
    page = client.get(f"/records/example_record/{record.id}", headers=EN).get_data(as_text=True)
    assert "轴承磨损" in page
    assert 'id="record-revisions"' in page
    assert "故障原因笔误" in page
    old = client.get(f"/records/example_record/{record.id}/revisions/0", headers=EN)
    assert old.status_code == 200
    html = old.get_data(as_text=True)
    assert "开机噪音大" in html
    assert "轴承磨损" not in html
    assert "故障原因笔误" in html
    assert client.get(f"/records/example_record/{record.id}/revisions/1").status_code == 404
    assert client.get(f"/records/nothing/{record.id}").status_code == 404


def test_a_long_history_shows_its_newest_entries_and_the_rest_on_request(client, login, people, new_record):
    from app.core.records.audit import AuditAction, audit
    from app.core.records.engine.views import HISTORY_SHOWN

    record = new_record("approved")
    for n in range(HISTORY_SHOWN + 5):
        audit(AuditAction.PRINT, record, actor=people["clerk"], reason=f"copy {n:02d}")
    db.session.commit()
    login(people["clerk"])
    page = client.get(f"/records/example_record/{record.id}", headers=EN).get_data(as_text=True)
    history = page[page.index('id="record-history"') :]
    shown = re.findall(r"copy (\d\d)", history)
    assert shown == [f"{n:02d}" for n in range(5, HISTORY_SHOWN + 5)]  # the newest, oldest first
    assert "Submitted → Reviewed" not in history  # older than the newest entries
    url = f"/records/example_record/{record.id}/history"
    assert f'hx-get="{url}"' in history
    whole = client.get(url, headers={**HX, **EN}).get_data(as_text=True)
    assert "<html" not in whole
    assert re.findall(r"copy (\d\d)", whole) == [f"{n:02d}" for n in range(HISTORY_SHOWN + 5)]
    assert "Submitted → Reviewed" in whole
    assert 'id="history-older"' not in whole
    assert "<html" in client.get(url, headers=EN).get_data(as_text=True)  # without script: a page
    assert client.get("/records/example_record/999999/history").status_code == 404
