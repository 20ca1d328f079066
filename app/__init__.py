"""The qportal application factory."""

from __future__ import annotations

import logging

from flask import Flask

from app.config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the portal: configuration, extensions, blueprints and Jinja globals."""
    from app.core.templating import PortalEnvironment

    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.jinja_environment = PortalEnvironment  # before anything creates app.jinja_env
    app.config.from_object(config or Config())
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)

    from app.extensions import babel, csrf, db, htmx, login_manager, migrate, redis

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    redis.init_app(app)

    from app.core import pdf

    pdf.init_app(app)

    from app.core import i18n

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    app.before_request(i18n.forget_previous_request)

    from app.core.auth import init_login

    init_login(app, login_manager)

    from app.core import blueprints
    from app.procedures import procedure_blueprints

    for blueprint in [*blueprints.all_blueprints(), *procedure_blueprints()]:
        app.register_blueprint(blueprint)

    from app.core.cli import register_cli
    from app.core.templating import register_templating
    from app.core.web import register_error_handlers

    register_templating(app)
    register_error_handlers(app)
    register_cli(app)

    from app.core.records.engine import check_registry

    check_registry(app)  # a broken workflow definition stops the start-up (templates need the filters)
    return app
