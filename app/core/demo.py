"""Demo data for a first run: ``flask seed-demo``. Running it again adds nothing."""

from __future__ import annotations

from app.core.permissions import Department, Role
from app.extensions import db

#: every demo account's password, printed by ``scripts/run`` and listed in README
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 — documented demo login, not a secret

#: (username, display name, department, roles)
DEMO_USERS = [
    ("admin", "系统管理员 Admin", Department.SERVICE, [Role.SYSTEM_ADMIN]),
    ("sales", "王销售 Wang (sales)", Department.SALES, [Role.STAFF]),
    ("sales.mgr", "李经理 Li (sales manager)", Department.SALES, [Role.DEPT_MANAGER]),
    ("service.mgr", "赵经理 Zhao (service manager)", Department.SERVICE, [Role.DEPT_MANAGER]),
    ("engineer", "陈工 Chen (service engineer)", Department.SERVICE, [Role.SERVICE_ENGINEER]),
    ("clerk", "刘信息员 Liu (information clerk)", Department.SERVICE, [Role.INFO_CLERK]),
    ("warehouse", "孙库管 Sun (warehouse keeper)", Department.LOGISTICS, [Role.WAREHOUSE_KEEPER]),
    ("logistics", "周物流 Zhou (logistics)", Department.LOGISTICS, [Role.STAFF]),
    ("logistics.mgr", "钱经理 Qian (logistics manager)", Department.LOGISTICS, [Role.DEPT_MANAGER]),
    ("quality", "吴质量 Wu (quality admin)", Department.QUALITY, [Role.QUALITY_ADMIN]),
    ("quality.mgr", "郑经理 Zheng (quality manager)", Department.QUALITY, [Role.DEPT_MANAGER]),
    ("production", "冯生产 Feng (production)", Department.PRODUCTION, [Role.STAFF]),
    ("technical", "褚技术 Chu (technical)", Department.TECHNICAL, [Role.STAFF]),
    ("commerce", "卫商务 Wei (commerce)", Department.COMMERCE, [Role.STAFF]),
    ("buyer", "蒋采购 Jiang (purchasing)", Department.PURCHASING, [Role.STAFF]),
    ("gm", "沈总 Shen (general manager)", Department.SERVICE, [Role.GENERAL_MANAGER]),
    ("division", "韩部长 Han (division head)", Department.PRODUCTION, [Role.DIVISION_HEAD]),
    ("mgmt.rep", "杨代表 Yang (management representative)", Department.QUALITY, [Role.MANAGEMENT_REP]),
]


def seed_users() -> int:
    from app.core.auth.services import create_user, find_user

    created = 0
    for username, name, department, roles in DEMO_USERS:
        if find_user(username) is None:
            create_user(
                username=username,
                display_name=name,
                department=department,
                roles=roles,
                password=DEMO_PASSWORD,
                email=f"{username}@example.invalid",
                actor=None,
            )
            created += 1
    return created


def seed_demo() -> dict[str, int]:
    """Create whatever part of the demo data is missing; returns how many rows each step added."""
    summary = {"users": seed_users()}
    db.session.commit()
    for name, step in _steps():
        summary[name] = step()
        db.session.commit()
    return summary


def _steps():
    """Further seeding steps (register, master data), then the procedures' own, in order."""
    from app.core.masterdata import demo as masterdata_demo
    from app.core.records import demo as records_demo

    return [*records_demo.STEPS, *masterdata_demo.STEPS, *_procedure_steps()]


def _procedure_steps() -> list:
    """The ``STEPS`` of every procedure's ``demo`` module, found by name like the procedures'
    ``jobs.py`` (``app/core/periodic.py``): the platform imports no procedure."""
    import importlib
    import pkgutil

    import app as app_package

    steps = []
    for module in pkgutil.iter_modules(app_package.__path__):
        if not module.ispkg or module.name == "core":
            continue
        try:
            demo = importlib.import_module(f"app.{module.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"app.{module.name}.demo":
                raise
            continue
        steps.extend(getattr(demo, "STEPS", ()))
    return steps
