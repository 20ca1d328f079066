"""Logging in and out, lockout, cookies and the audit of each attempt."""

from __future__ import annotations

from datetime import timedelta

from app.core.auth.models import User
from app.core.models import utcnow
from app.core.permissions import Department, Role
from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.conftest import HX, PASSWORD


def actions_for(user):
    return [
        e.action
        for e in db.session.query(AuditEntry)
        .filter_by(object_type="user", object_id=str(user.id))
        .order_by(AuditEntry.id)
    ]


def test_password_is_stored_hashed(make_user):
    user = make_user()
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)
    assert not user.check_password("wrong")


def test_login_sets_httponly_samesite_cookie_and_is_audited(client, make_user):
    user = make_user()
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert actions_for(user)[-1] == "login"
    assert client.get("/").status_code == 200


def test_wrong_password_shows_error_in_place(client, make_user):
    user = make_user()
    response = client.post("/auth/login", data={"username": user.username, "password": "nope"}, headers=HX)
    assert response.status_code == 422
    assert b"<html" not in response.data
    assert b"login-error" in response.data
    assert actions_for(user)[-1] == "login_failed"


def test_five_failures_lock_the_account_for_fifteen_minutes(client, make_user):
    user = make_user()
    for _ in range(5):
        client.post("/auth/login", data={"username": user.username, "password": "nope"})
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.locked_until is not None
    remaining = user.locked_until - utcnow()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    # the right password does not open a locked account
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 422
    assert "15" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    # after the lock expires the account opens again
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert actions_for(user).count("login_failed") == 6


def test_disabled_user_cannot_log_in(client, make_user):
    user = make_user()
    user.is_enabled = False
    db.session.commit()
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 422


def test_logout_is_audited_and_ends_the_session(client, login_as):
    user = login_as(Role.STAFF)
    response = client.post("/auth/logout")
    assert response.status_code == 302
    assert actions_for(user)[-1] == "logout"
    assert client.get("/").status_code == 302


def test_anonymous_htmx_request_gets_401_with_redirect_header(client):
    response = client.get("/notifications", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")


def test_next_parameter_only_follows_local_paths(client, make_user):
    user = make_user()
    response = client.post(
        "/auth/login?next=https://evil.example/", data={"username": user.username, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_admin_creates_user_and_assigns_roles(client, login_as):
    login_as(Role.SYSTEM_ADMIN)
    response = client.post(
        "/auth/users/new",
        data={
            "username": "new.engineer",
            "display_name": "新工程师",
            "department": "service",
            "roles": ["service_engineer", "staff"],
            "password": "long-enough-1",
        },
    )
    assert response.status_code == 303
    user = db.session.query(User).filter_by(username="new.engineer").one()
    assert user.role_set == {Role.SERVICE_ENGINEER, Role.STAFF}
    assert actions_for(user) == ["create"]
    # change roles: audited as a permission change with the old and new roles
    response = client.post(
        f"/auth/users/{user.id}",
        data={
            "display_name": "新工程师",
            "department": "service",
            "roles": ["dept_manager"],
            "version": user.version,
        },
    )
    assert response.status_code == 303
    entry = db.session.query(AuditEntry).filter_by(object_id=str(user.id), action="permission_change").one()
    assert entry.changes["roles"] == [["service_engineer", "staff"], ["dept_manager"]]


def test_the_user_list_shows_each_users_roles_in_a_fixed_number_of_statements(client, login_as, make_user):
    from sqlalchemy import event

    login_as(Role.SYSTEM_ADMIN)
    make_user(roles=[Role.SERVICE_ENGINEER], username="engineer.one")

    def statements_and_page() -> tuple[int, str]:
        seen = []

        def hook(*_args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", hook)
        try:
            page = client.get("/auth/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", hook)
        return len(seen), page

    few, page = statements_and_page()
    assert "Service engineer" in page
    for n in range(4):
        make_user(roles=[Role.DEPT_MANAGER], username=f"manager.{n}")
    many, page = statements_and_page()
    assert page.count("Department manager") == 4
    assert many == few  # the roles of all rows in one statement, not one per user


def test_user_form_errors_are_shown_next_to_the_field_and_nothing_saved(client, login_as):
    login_as(Role.SYSTEM_ADMIN)
    before = db.session.query(User).count()
    response = client.post(
        "/auth/users/new", data={"username": "bad name!", "department": "sales"}, headers=HX
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="username-error"' in body
    assert 'id="display_name-error"' in body
    assert db.session.query(User).count() == before


def test_non_admin_cannot_reach_user_admin(client, login_as):
    login_as(Role.DEPT_MANAGER, department=Department.SALES)
    assert client.get("/auth/users").status_code == 403
    assert client.post("/auth/users/new", data={}).status_code == 403
    assert b"/auth/users" not in client.get("/").data


def test_admin_disables_user_with_one_click(client, login_as, make_user):
    login_as(Role.SYSTEM_ADMIN)
    other = make_user()
    response = client.post(f"/auth/users/{other.id}/enabled", data={"enabled": "0"}, headers=HX)
    assert response.status_code == 200
    assert b"<html" not in response.data
    db.session.expire_all()
    assert db.session.get(User, other.id).is_enabled is False
    assert actions_for(other)[-1] == "permission_change"


def test_stale_user_form_is_refused(client, login_as, make_user):
    login_as(Role.SYSTEM_ADMIN)
    other = make_user()
    response = client.post(
        f"/auth/users/{other.id}",
        data={
            "display_name": "x",
            "department": "service",
            "roles": ["staff"],
            "version": other.version - 1 + 5,
        },
    )
    assert response.status_code == 409


def test_unknown_user_is_404(client, login_as):
    login_as(Role.SYSTEM_ADMIN)
    assert client.get("/auth/users/99999").status_code == 404


def test_cli_creates_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cli.user",
            "--name",
            "命令行用户",
            "--department",
            "quality",
            "--role",
            "quality_admin",
            "--password",
            "cli-password-1",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(username="cli.user").one()
    assert user.role_set == {Role.QUALITY_ADMIN}
    assert user.check_password("cli-password-1")
