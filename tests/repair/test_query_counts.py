"""The main repair pages run a fixed number of SQL statements, however many rows they show:
an N+1 (a query per row) fails here before it slows a list of 200 000 cases."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.extensions import db

EN = {"Accept-Language": "en"}


def statements(client, url, headers=EN, *, fresh=False) -> list[str]:
    """The statements one request for ``url`` runs; ``fresh``: with nothing already loaded in
    the session (the tests' records stay in it between requests), as in a real request."""
    seen: list[str] = []

    def hook(_conn, _cursor, statement, *_args):
        seen.append(statement)

    client.get(url, headers=headers)  # templates and caches warm
    if fresh:
        db.session.expunge_all()
    event.listen(db.engine, "before_cursor_execute", hook)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", hook)
    assert response.status_code == 200, url
    return seen


@pytest.fixture
def many(world, make_case):
    def make(count):
        return [make_case("dispatched" if i % 2 else "received") for i in range(count)]

    return make


@pytest.mark.parametrize(
    "url",
    [
        "/repair/",
        "/repair/?status=open",
        "/repair/?q=SN&region=city",
        "/repair/?sort=-due",
        "/repair/?page=2",
    ],
)
def test_a_list_page_runs_at_most_six_statements_whatever_its_size(client, login, world, many, url):
    many(3)
    login(world.manager)
    few = len(statements(client, url))
    many(30)
    full = statements(client, url)
    assert len(full) == few
    assert len(full) <= 6, "\n".join(s[:120] for s in full)


def test_the_htmx_fragment_of_the_list_is_as_cheap(client, login, world, many):
    many(30)
    login(world.manager)
    assert len(statements(client, "/repair/?status=open", headers={**EN, "HX-Request": "true"})) <= 6


def test_the_record_page_does_not_grow_with_its_quotations_and_requisitions(client, login, world, make_case):
    from app.core.records.engine import transition
    from app.repair.services import create_requisition

    case = make_case("in_repair")
    login(world.manager)
    one = len(statements(client, f"/repair/{case.id}"))
    for n in range(3):
        requisition = create_requisition(
            case, [{"part_no": f"P-{n}", "part_name": "件", "quantity": 1}], actor=world.engineer
        )
        transition(requisition, "submit", actor=world.engineer)
    db.session.commit()
    assert len(statements(client, f"/repair/{case.id}")) == one


def test_the_record_page_reads_no_roles_but_the_signed_in_users(client, login, world, make_case):
    """The engineer on the case and the people in its history are names on the page; reading
    their roles was a statement each."""
    case = make_case("in_repair")
    login(world.manager)
    names = world.engineer.display_name, world.clerk.display_name
    seen = statements(client, f"/repair/{case.id}", fresh=True)
    page = client.get(f"/repair/{case.id}", headers=EN).get_data(as_text=True)
    assert all(name in page for name in names)
    assert [s for s in seen if "FROM user_role" in s and "JOIN" not in s] == []
    assert len(seen) <= 9, "\n".join(s[:100] for s in seen)


def test_the_approvals_counter_is_one_query_and_agrees_with_the_inbox(client, login, world, make_case):
    import re

    from app.core.records.engine import pending_approval_count, pending_approvals_for

    free = [make_case("completed") for _ in range(3)]
    paid = [make_case("completed", paid=True) for _ in range(2)]
    make_case("in_repair")  # waits for nobody's signature
    login(world.manager)
    inbox = pending_approvals_for(world.manager)
    assert sorted(item.record.id for item in inbox) == sorted(c.id for c in free + paid)
    assert pending_approval_count(world.manager) == 5
    fragment = statements(client, "/records/approvals/count", headers={**EN, "HX-Request": "true"})
    badge = client.get("/records/approvals/count", headers={**EN, "HX-Request": "true"}).get_data(
        as_text=True
    )
    assert re.search(r'id="approvals-count">5<', badge)
    # the user (with roles), then one COUNT over every procedure's records
    assert len(fragment) <= 3, "\n".join(s[:100] for s in fragment)
    assert pending_approval_count(world.engineer) == 0


def test_the_home_page_lists_the_newest_approvals_and_counts_them_all(client, login, world, make_case):
    cases = [make_case("completed") for _ in range(12)]
    login(world.manager)
    home = client.get("/", headers=EN).get_data(as_text=True)
    card = home[home.index('id="my-approvals"') :]
    card = card[: card.index("</ul>")]
    assert 'id="my-approvals-count">12<' in card
    assert card.count('class="list-group-item"><a href="/repair/') == 10
    assert cases[-1].number in card
    assert cases[0].number not in card
    assert "All 12 in the Approvals inbox" in card


def test_a_backlog_beyond_the_shown_count_reads_as_more_than_it(client, login, world, make_case, monkeypatch):
    import re

    from app.core.records.engine import approvals

    monkeypatch.setattr(approvals, "COUNT_SHOWN", 4)
    monkeypatch.setattr(approvals, "HOME_PAGE_LIMIT", 3)
    for _ in range(6):
        make_case("completed")
    login(world.manager)
    assert approvals.pending_approval_count(world.manager) == 5  # counting stopped one past 4
    badge = client.get("/records/approvals/count", headers={**EN, "HX-Request": "true"}).get_data(
        as_text=True
    )
    assert re.search(r'id="approvals-count">4\+<', badge)
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert 'id="my-approvals-count">4+<' in home
    assert "All 4+ in the Approvals inbox" in home
    monkeypatch.setattr(approvals, "COUNT_SHOWN", 6)
    assert approvals.pending_approval_count(world.manager) == 6  # an exact count within the limit


def test_the_list_pages_through_every_case_once_in_order_and_bounds_its_total(
    app, client, login, world, many, monkeypatch
):
    import re

    from app.core import pagination

    cases = many(11)
    app.config["PAGE_SIZE"] = 3
    monkeypatch.setattr(pagination, "LOOKAHEAD_PAGES", 1)
    login(world.manager)

    def page(n):
        html = client.get(f"/repair/?sort=number&page={n}", headers={**EN, "HX-Request": "true"})
        html = html.get_data(as_text=True)
        return [int(i) for i in re.findall(r'<tr id="repair-(\d+)"', html)], html

    seen = []
    for n in range(1, 5):
        ids, html = page(n)
        seen += ids
    assert seen == sorted(c.id for c in cases)  # each once, in number order, 3 + 3 + 3 + 2
    _ids, first = page(1)
    assert "Page 1 of more than 2" in first
    assert "More than 6" in first
    _ids, third = page(3)
    assert "Page 3 of 4" in third
    assert "11 in all" in third
    ids, beyond = page(9)
    assert ids == []
    assert "11 in all" in beyond
