"""The UI shell: page vs fragment, error answers, CSRF, language, navigation."""

from __future__ import annotations

import pytest

from app.core.navigation import PROCEDURES
from app.core.permissions import Role
from tests.conftest import HX


def test_full_page_and_fragment_shapes(client, login_as):
    login_as(Role.SYSTEM_ADMIN)
    page = client.get("/auth/users")
    fragment = client.get("/auth/users", headers=HX)
    assert b"<html" in page.data
    assert b"<html" not in fragment.data
    assert b'id="user-table"' in fragment.data
    assert "HX-Request" in page.headers["Vary"]
    assert "HX-Request" in fragment.headers["Vary"]
    # a boosted request wants the whole page
    boosted = client.get("/auth/users", headers={**HX, "HX-Boosted": "true"})
    assert b"<html" in boosted.data


def test_404_is_a_page_or_a_fragment(client, login_as):
    login_as(Role.STAFF)
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert b"<html" in page.data
    fragment = client.get("/no/such/page", headers=HX)
    assert fragment.status_code == 404
    assert b"<html" not in fragment.data
    assert fragment.headers["HX-Retarget"] == "#flash-area"


def test_403_names_the_refusal_without_a_stack_trace(client, login_as):
    login_as(Role.STAFF)
    response = client.get("/auth/users")
    assert response.status_code == 403
    assert b"Traceback" not in response.data


def test_unexpected_error_gives_500_page_without_stack_trace(app, client, login_as):
    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    login_as(Role.STAFF)
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data


def test_anonymous_full_page_redirects_to_login(client):
    response = client.get("/auth/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("entry", PROCEDURES, ids=lambda e: e.module)
def test_every_procedure_link_leads_somewhere(client, login_as, entry):
    login_as(Role.STAFF)
    home = client.get("/").get_data(as_text=True)
    with client.application.test_request_context():
        url = entry.url
    assert f'href="{url}"' in home
    assert client.get(url).status_code == 200


def test_csrf_is_enforced_for_posts_and_accepted_from_the_htmx_header(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    user = make_user()
    assert client.post("/auth/login", data={"username": user.username, "password": "x"}).status_code == 400
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    from tests.conftest import PASSWORD

    ok = client.post(
        "/auth/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert ok.status_code == 302
    home = client.get("/").get_data(as_text=True)
    header_token = home.split('"X-CSRFToken": "')[1].split('"')[0]
    refused = client.post("/notifications/read", headers=HX)
    assert refused.status_code == 400
    accepted = client.post("/notifications/read", headers={**HX, "X-CSRFToken": header_token})
    assert accepted.status_code == 200


def test_language_follows_browser_then_user_choice(client, make_user, login):
    english = client.get("/auth/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Log in to qportal" in english.get_data(as_text=True)
    chinese = client.get("/auth/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "登录" in chinese.get_data(as_text=True)
    default = client.get("/auth/login", headers={"Accept-Language": "fr"})
    assert 'lang="zh-CN"' in default.get_data(as_text=True)
    user = login(make_user())
    response = client.post("/auth/locale", data={"locale": "en", "next": "/"})
    assert response.status_code == 302
    home = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="en"' in home
    assert user.locale == "en"
    assert client.post("/auth/locale", data={"locale": "xx"}).status_code == 400


def test_home_lists_tasks_approvals_and_notifications(client, login_as):
    from app.core.notifications import notify
    from app.extensions import db

    user = login_as(Role.STAFF)
    notify(user.id, "维修单 WX-202611-0001 即将超期", link="/")
    db.session.commit()
    body = client.get("/").get_data(as_text=True)
    assert 'id="my-tasks"' in body
    assert 'id="my-approvals"' in body
    assert "WX-202611-0001" in body
    assert 'id="bell-count">1<' in body
    client.post("/notifications/read", headers=HX)
    assert 'id="bell-count"' not in client.get("/").get_data(as_text=True)


def test_the_header_menus_follow_each_users_rights_and_language(app, make_user):
    """The menus are drawn once per language and set of rights and kept: a user must never
    get another's (a staff member an administrator's Users link) nor another language's."""
    from tests.conftest import PASSWORD

    def menus(role, lang):
        user = make_user(roles=(role,))
        client = app.test_client()
        client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
        html = client.get("/repair/", headers={"Accept-Language": lang}).get_data(as_text=True)
        return html[html.index('<ul class="navbar-nav me-auto">') : html.index('id="bell"')]

    admin_en, staff_en = menus(Role.SYSTEM_ADMIN, "en"), menus(Role.STAFF, "en")
    admin_again, staff_zh = menus(Role.SYSTEM_ADMIN, "en"), menus(Role.STAFF, "zh-CN")
    assert 'href="/auth/users"' in admin_en
    assert 'id="nav-calendar"' in admin_en
    assert 'href="/auth/users"' not in staff_en
    assert 'id="nav-calendar"' not in staff_en
    assert admin_again == admin_en  # the kept menus, as first drawn
    assert "Master data" in staff_en
    assert "主数据" in staff_zh
    assert "Master data" not in staff_zh


def test_templates_see_the_portals_globals_and_keep_their_own_apart(app):
    env = app.jinja_env
    with app.test_request_context():
        shared = env.from_string("{{ company_name() }} {{ added_later }}")
        env.globals["added_later"] = "seen"  # registered after the template was loaded
        assert shared.render() == f"{app.config['COMPANY_NAME']} seen"
        own = env.from_string("{{ stamp }}|{{ company_name() }}", globals={"stamp": "受控"})
        assert own.render() == f"受控|{app.config['COMPANY_NAME']}"
        own.globals["stamp"] = "changed"
        assert "stamp" not in env.globals  # a template's own globals never leak into every page
        del env.globals["added_later"]
