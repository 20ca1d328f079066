"""Authentication and account changes; every one leaves an audit entry."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.core.auth.models import User, UserRole
from app.core.permissions import Department, Role
from app.core.records.audit import AuditAction, audit, snapshot
from app.extensions import db


class LoginRefused(Exception):
    """Wrong credentials, a disabled account or a locked one; ``reason`` says which."""

    def __init__(self, reason: str, user: User | None = None):
        super().__init__(reason)
        self.reason = reason
        self.user = user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def authenticate(
    username: str, password: str, *, now: datetime, ip: str | None, max_failures: int, lock_minutes: int
) -> User:
    """Check credentials; lock the account for ``lock_minutes`` after ``max_failures`` misses."""
    user = find_user(username)
    if user is None:
        audit(
            AuditAction.LOGIN_FAILED,
            actor=None,
            object_type="user",
            label=username[:64],
            reason="unknown user",
            ip=ip,
        )
        raise LoginRefused("invalid")
    if not user.is_enabled:
        audit(AuditAction.LOGIN_FAILED, user, actor=user, reason="account disabled", ip=ip)
        raise LoginRefused("disabled", user)
    if user.is_locked(now):
        audit(AuditAction.LOGIN_FAILED, user, actor=user, reason="account locked", ip=ip)
        raise LoginRefused("locked", user)
    if not user.check_password(password):
        user.failed_logins = (user.failed_logins or 0) + 1
        reason = "wrong password"
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            reason = f"wrong password; locked for {lock_minutes} minutes"
        audit(AuditAction.LOGIN_FAILED, user, actor=user, reason=reason, ip=ip)
        raise LoginRefused("locked" if user.locked_until and user.locked_until > now else "invalid", user)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit(AuditAction.LOGIN, user, actor=user, ip=ip)
    return user


def record_logout(user: User, *, ip: str | None) -> None:
    audit(AuditAction.LOGOUT, user, actor=user, ip=ip)


def create_user(
    *,
    username: str,
    display_name: str,
    department: Department | str,
    roles: list[Role | str],
    password: str,
    email: str | None = None,
    actor: User | None,
) -> User:
    """Create an account with a hashed password and its roles."""
    user = User(
        username=username.strip(),
        display_name=display_name.strip(),
        email=email or None,
        department=Department(department).value,
        is_enabled=True,
        failed_logins=0,
    )
    user.set_password(password)
    user.roles = [UserRole(role=Role(r).value) for r in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    initial = snapshot(user, ["username", "display_name", "email", "department", "is_enabled"])
    initial["roles"] = sorted(r.role for r in user.roles)
    audit(AuditAction.CREATE, user, actor=actor, changes=initial)
    return user


def update_user(
    user: User, *, display_name: str, email: str | None, department: str, roles: list[str], actor: User
) -> None:
    """Change an account's details; a change of roles or department is a permission change."""
    from app.core.records.audit import diff

    user.display_name = display_name.strip()
    user.email = email or None
    old_department = user.department
    user.department = Department(department).value
    changes = diff(user, ["display_name", "email"])
    if changes:
        audit(AuditAction.UPDATE, user, actor=actor, changes=changes)
    old_roles = sorted(r.role for r in user.roles)
    new_roles = sorted({Role(r).value for r in roles})
    permission_changes = {}
    if old_roles != new_roles:
        keep = [r for r in user.roles if r.role in new_roles]
        user.roles = keep + [UserRole(role=r) for r in new_roles if r not in {k.role for k in keep}]
        permission_changes["roles"] = [old_roles, new_roles]
    if old_department != user.department:
        permission_changes["department"] = [old_department, user.department]
    if permission_changes:
        audit(AuditAction.PERMISSION_CHANGE, user, actor=actor, changes=permission_changes)


def set_user_enabled(user: User, enabled: bool, *, actor: User) -> None:
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    audit(AuditAction.PERMISSION_CHANGE, user, actor=actor, changes={"is_enabled": [not enabled, enabled]})


def reset_password(user: User, password: str, *, actor: User) -> None:
    """Set a new password and lift any lock; the password itself is never logged."""
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    audit(
        AuditAction.UPDATE, user, actor=actor, changes={"password": ["***", "***"]}, reason="password reset"
    )
