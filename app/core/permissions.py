"""Roles, departments and the checks every view and template uses.

Views guard routes with :func:`roles_required`; object-level rules are ``can_…`` functions
taking the user first, registered as Jinja globals so templates hide exactly the buttons
the server would refuse.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.i18n import titles_in_language


class TitledEnum(enum.StrEnum):
    """A string enum whose members carry a translated display title."""

    @property
    def title(self) -> str:
        return titles_in_language(type(self))[self]

    @classmethod
    def _titles(cls) -> dict:
        """Member → lazy translated title; every titled enum declares its own."""
        raise TypeError(f"{cls.__name__} declares no _titles()")

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.title) for member in cls]


class Department(TitledEnum):
    """The departments of DOMAIN.md §2."""

    SALES = "sales"
    LOGISTICS = "logistics"
    QUALITY = "quality"
    PRODUCTION = "production"
    TECHNICAL = "technical"
    SERVICE = "service"
    COMMERCE = "commerce"
    PURCHASING = "purchasing"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.SALES: _l("Sales"),
            cls.LOGISTICS: _l("Logistics & warehouse"),
            cls.QUALITY: _l("Quality"),
            cls.PRODUCTION: _l("Production"),
            cls.TECHNICAL: _l("Technical"),
            cls.SERVICE: _l("After-sales service centre"),
            cls.COMMERCE: _l("Commerce"),
            cls.PURCHASING: _l("Purchasing"),
        }


class Role(TitledEnum):
    """Positions and special roles (DOMAIN.md §2); a user may hold several."""

    STAFF = "staff"
    DEPT_MANAGER = "dept_manager"
    GENERAL_MANAGER = "general_manager"
    DIVISION_HEAD = "division_head"
    MANAGEMENT_REP = "management_rep"
    INFO_CLERK = "info_clerk"
    SERVICE_ENGINEER = "service_engineer"
    WAREHOUSE_KEEPER = "warehouse_keeper"
    QUALITY_ADMIN = "quality_admin"
    SYSTEM_ADMIN = "system_admin"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.STAFF: _l("Staff"),
            cls.DEPT_MANAGER: _l("Department manager"),
            cls.GENERAL_MANAGER: _l("General manager"),
            cls.DIVISION_HEAD: _l("Division head"),
            cls.MANAGEMENT_REP: _l("Management representative"),
            cls.INFO_CLERK: _l("Information clerk"),
            cls.SERVICE_ENGINEER: _l("Service engineer"),
            cls.WAREHOUSE_KEEPER: _l("Warehouse keeper"),
            cls.QUALITY_ADMIN: _l("Quality admin"),
            cls.SYSTEM_ADMIN: _l("System admin"),
        }


def has_role(user, *roles: Role) -> bool:
    """True when an active, logged-in user holds any of ``roles``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(set(user.role_set) & set(roles))


def in_department(user, *departments: Department) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.department in departments


def requires(check: Callable) -> Callable:
    """The one route guard: 401 for anonymous users, 403 unless ``check(current_user)`` holds.

    ``check`` is one of the ``can_…`` functions below (or any predicate on the user), so a view
    and its template ask the same question.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def roles_required(*roles: Role, departments: Iterable[Department] = ()) -> Callable:
    """:func:`requires` a user who holds one of ``roles`` or belongs to one of ``departments``.

    With neither given, any logged-in user passes.
    """
    departments = tuple(departments)

    def check(user) -> bool:
        if not roles and not departments:
            return True
        return has_role(user, *roles) or in_department(user, *departments)

    return requires(check)


login_required = roles_required()


# --- object-level checks, shared by views and templates -------------------------------------


def can_manage_users(user) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN)


def can_view_audit_log(user) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN, Role.QUALITY_ADMIN, Role.MANAGEMENT_REP)


def can_edit_register(user) -> bool:
    """Only a quality admin revises the document register (DOMAIN.md §1)."""
    return has_role(user, Role.QUALITY_ADMIN)


def can_edit_master_data(user) -> bool:
    """Sales, the service centre and administrators keep customers and units up to date."""
    return has_role(user, Role.SYSTEM_ADMIN, Role.QUALITY_ADMIN) or in_department(
        user, Department.SALES, Department.SERVICE, Department.LOGISTICS
    )


def can_edit_products(user) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN, Role.QUALITY_ADMIN) or in_department(user, Department.TECHNICAL)


def can_import_master_data(user) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN, Role.QUALITY_ADMIN) or (
        has_role(user, Role.DEPT_MANAGER, Role.INFO_CLERK)
        and in_department(user, Department.SALES, Department.SERVICE)
    )


def can_edit_calendar(user) -> bool:
    """Administrators keep the working calendar's days off and make-up days (DOMAIN.md §5)."""
    return has_role(user, Role.SYSTEM_ADMIN, Role.QUALITY_ADMIN)


JINJA_CHECKS = {
    "can_manage_users": can_manage_users,
    "can_view_audit_log": can_view_audit_log,
    "can_edit_register": can_edit_register,
    "can_edit_master_data": can_edit_master_data,
    "can_edit_products": can_edit_products,
    "can_import_master_data": can_import_master_data,
    "can_edit_calendar": can_edit_calendar,
    "has_role": has_role,
    "Role": Role,
    "Department": Department,
}
