"""Who may take each step of the installation records: the allowed see the button and succeed;
everyone else sees no button and gets 403, whatever they post."""

from __future__ import annotations

import pytest

from app.core.attachments.services import save_signature
from app.core.records.engine import transition
from app.extensions import db
from app.installation.services import write_plan
from tests.conftest import HX
from tests.installation.conftest import passing_answers, plan_values, signature_data_url, today

EN = {"Accept-Language": "en"}
EVERYONE = (
    "sales",
    "sales2",
    "sales_mgr",
    "production",
    "production2",
    "prod_mgr",
    "logistics",
    "engineer",
    "quality",
    "gm",
)
SALES = {"sales", "sales2", "sales_mgr"}
PRODUCTION = {"production", "production2", "prod_mgr"}
ON_SITE = {"production", "prod_mgr"}  # the project lead, or the production manager standing in


def _case(state):
    return lambda make_case, w: make_case(state)


def _signed(make_case, w):
    case = make_case("trained")
    save_signature(
        signature_data_url(),
        record_type=case.record_type,
        record_id=case.id,
        signer_name="王建国",
        actor=w.production,
    )
    db.session.commit()
    return case


def _plan(state):
    def make(make_case, w):
        case = make_case("requested")
        plan = write_plan(case, plan_values(w), actor=w.production)
        transition(plan, "submit", actor=w.production)
        if state == "draft":  # sent back for rework
            transition(plan, "reject", actor=w.prod_mgr, reason="补充安全措施")
        db.session.commit()
        return plan

    return make


def _unboxing(w):
    return {
        "unboxing-inspected_at": "2026-12-10T09:00",
        "unboxing-sales_rep_id": w.sales.id,
        "unboxing-logistics_rep_id": w.logistics.id,
        "unboxing-customer_rep": "王建国",
        "unboxing-contents_checked": "y",
        "unboxing-custody_ok": "yes",
    }


TRAIN = {
    "train-trained_at": "2026-12-11T14:00",
    "train-trainer": "冯生产",
    "train-trainees": "操作工 王强\n操作工 赵丽",
    "train-training_content": "安全操作与日常点检",
    "train-training_hours": "3",
}

#: (id, record factory, step, who may take it, form data)
MATRIX = [
    ("p_submit", _plan("draft"), "submit", PRODUCTION, lambda w: {}),
    ("p_approve", _plan("submitted"), "approve", {"prod_mgr"}, lambda w: {}),
    ("p_reject", _plan("submitted"), "reject", {"prod_mgr"}, lambda w: {"reason": "工期不合理"}),
    ("p_withdraw", _plan("submitted"), "withdraw", PRODUCTION, lambda w: {"reason": "重新编制"}),
    ("unboxing", _case("planned"), "unboxing", ON_SITE, _unboxing),
    ("train", _case("commissioned"), "train", ON_SITE, lambda w: TRAIN),
    (
        "accept",
        _signed,
        "accept",
        ON_SITE,
        lambda w: {"accept-accepted_on": today().isoformat(), "accept-customer_signer": "王建国"},
    ),
    ("follow_up", _case("accepted"), "follow_up", SALES, lambda w: {"follow_up-follow_up_note": "运行正常"}),
    ("cancel", _case("planned"), "cancel", {"sales", "sales_mgr"}, lambda w: {"reason": "客户推迟"}),
    ("void", _case("closed"), "void", {"quality"}, lambda w: {"reason": "误登记"}),
]


@pytest.mark.parametrize(
    ("factory", "step", "allowed", "data"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX]
)
def test_each_step_only_for_those_who_may_take_it(
    client, login, world, make_case, factory, step, allowed, data
):
    record = factory(make_case, world)
    state = record.status
    url = f"/records/{record.record_type}/{record.id}/transitions/{step}"
    with client.application.test_request_context():
        page_url = record.url
    for who in EVERYONE:
        if who in allowed:
            continue
        login(world.people[who])
        page = client.get(page_url, headers=EN).get_data(as_text=True)
        assert f'data-step="{step}"' not in page, who
        response = client.post(url, data={"version": record.version, **data(world)}, headers={**EN, **HX})
        assert response.status_code == 403, (who, response.status_code)
        client.post("/auth/logout")
    db.session.expire_all()
    assert record.status == state  # nothing moved
    for taker in sorted(allowed):  # every allowed person sees the button
        login(world.people[taker])
        assert f'data-step="{step}"' in client.get(page_url, headers=EN).get_data(as_text=True), taker
        client.post("/auth/logout")
    login(world.people[sorted(allowed)[0]])
    response = client.post(url, data={"version": record.version, **data(world)}, headers={**EN, **HX})
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:600]
    db.session.expire_all()
    assert record.status != state


def test_commissioning_only_for_the_team_on_site(client, login, world, make_case):
    case = make_case("on_site")
    url = f"/installation/{case.id}/commissioning"
    data = {
        "version": case.version,
        "self_inspection": "自检合格",
        "trial_run": "空载2小时",
        "trial_run_passed": "yes",
        **passing_answers(case),
    }
    for who in set(EVERYONE) - ON_SITE:
        login(world.people[who])
        page = client.get(f"/installation/{case.id}", headers=EN).get_data(as_text=True)
        assert 'data-step="commission"' not in page, who
        assert client.get(url).status_code == 403, who
        assert client.post(url, data=data, headers=HX).status_code == 403, who
        client.post("/auth/logout")
    db.session.expire_all()
    assert case.status == "on_site"
    login(world.prod_mgr)
    assert 'data-step="commission"' in client.get(f"/installation/{case.id}", headers=EN).get_data(
        as_text=True
    )
    client.post("/auth/logout")
    login(world.production)
    response = client.post(url, data=data, headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/installation/{case.id}"
    db.session.expire_all()
    assert case.status == "commissioned"


@pytest.mark.parametrize("who", EVERYONE)
def test_only_sales_requests_an_installation(client, login, world, who):
    login(world.people[who])
    expected = 200 if who in SALES else 403
    assert client.get("/installation/new").status_code == expected
    page = client.get("/installation/", headers=EN).get_data(as_text=True)
    assert ('id="new-installation"' in page) is (who in SALES)


@pytest.mark.parametrize("who", EVERYONE)
def test_only_production_writes_the_plan(client, login, world, make_case, who):
    case = make_case()
    login(world.people[who])
    page = client.get(f"/installation/{case.id}", headers=EN).get_data(as_text=True)
    assert ('id="new-plan"' in page) is (who in PRODUCTION)
    assert client.get(f"/installation/{case.id}/plan").status_code == (200 if who in PRODUCTION else 403)


def test_the_plan_approval_waits_in_the_inbox_of_the_production_manager_only(client, login, world, make_case):
    case = make_case()
    plan = write_plan(case, plan_values(world), actor=world.production)
    transition(plan, "submit", actor=world.production)
    db.session.commit()
    for who in EVERYONE:
        login(world.people[who])
        inbox = client.get("/records/approvals", headers=EN).get_data(as_text=True)
        assert (f"installation_plan-{plan.id}" in inbox) is (who == "prod_mgr"), who
        client.post("/auth/logout")
    login(world.prod_mgr)
    response = client.post(
        f"/records/approvals/installation_plan/{plan.id}/approve", data={"version": plan.version}, headers=HX
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert (plan.status, case.status) == ("approved", "planned")


def test_the_production_manager_does_not_approve_a_plan_he_wrote(client, login, world, make_case):
    case = make_case()
    plan = write_plan(case, plan_values(world), actor=world.prod_mgr)
    transition(plan, "submit", actor=world.prod_mgr)
    db.session.commit()
    login(world.prod_mgr)
    page = client.get(f"/installation/plans/{plan.id}", headers=EN).get_data(as_text=True)
    assert 'data-step="approve"' not in page
    assert 'id="own-record-note"' in page
    response = client.post(
        f"/records/installation_plan/{plan.id}/transitions/approve",
        data={"version": plan.version},
        headers=HX,
    )
    assert response.status_code == 403
