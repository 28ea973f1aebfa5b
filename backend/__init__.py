"""RM Companion: the Flask application factory."""

import logging
from pathlib import Path

from flask import Flask
from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from backend import errors, inputs, logmask, web
from backend.extensions import api, compress, db, limiter, login_manager, migrate


def create_app(config=None) -> Flask:
    """Create the app with extensions, blueprints, error handlers and CLI commands."""
    from config import config_from_env

    app = Flask(__name__, instance_relative_config=False, static_folder=None)
    app.url_map.converters["int"] = web.RowId
    config = config or config_from_env()
    if hasattr(config, "validate"):
        config.validate()
    app.config.from_object(config)
    if hops := app.config["TRUSTED_PROXY_HOPS"]:
        # the client's address and scheme as the trusted proxies saw them (rate limits, logs)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    _ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logmask.install()

    from backend import models  # noqa: F401  (registers every table)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    from backend import headers
    from backend.auth import routes as auth_routes
    from backend.auth import security
    from backend.calendar import routes as calendar_routes  # also registers its sync kind
    from backend.card import routes as card_routes
    from backend.moments import routes as moment_routes
    from backend.offers import routes as offer_routes  # its service registers a sync kind
    from backend.products import routes as product_routes
    from backend.push import routes as push_routes
    from backend.referrals import routes as referral_routes
    from backend.reports import routes as report_routes
    from backend.scoring import routes as experiment_routes
    from backend.visits import routes as visit_routes
    from backend.visits import service as _visits  # noqa: F401  (registers sync kinds)
    from backend.visits import survey_routes

    security.init_app(app)
    inputs.init_app(app)  # after the session and CSRF checks
    api.register_blueprint(auth_routes.blp)
    api.register_blueprint(card_routes.blp)
    api.register_blueprint(visit_routes.blp)
    api.register_blueprint(product_routes.blp)
    api.register_blueprint(offer_routes.quotes_blp)
    api.register_blueprint(offer_routes.experiments_blp)
    api.register_blueprint(offer_routes.blp)
    api.register_blueprint(experiment_routes.blp)
    api.register_blueprint(calendar_routes.blp)
    api.register_blueprint(moment_routes.blp)
    api.register_blueprint(push_routes.blp)
    api.register_blueprint(referral_routes.blp)
    api.register_blueprint(report_routes.blp)
    api.register_blueprint(report_routes.products_blp)
    app.register_blueprint(survey_routes.bp)
    app.register_blueprint(web.bp)
    app.after_request(web.no_store_api)
    headers.init_app(app)
    compress.init_app(app)
    errors.register(app)

    from backend import cli

    cli.register(app)

    from backend import scheduler

    scheduler.init_app(app)  # development only: SCHEDULER_IN_PROCESS, never under TESTING
    return app


def _ensure_sqlite_folder(uri: str) -> None:
    """Create the folder of a SQLite file (instance/ is not in the repository)."""
    url = make_url(uri)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL lets readers and one writer work at once; the busy timeout waits out a writer."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    engine.dispose()  # connections opened before the listener must not be reused
