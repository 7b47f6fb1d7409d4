"""The Flask application factory: ``create_app()`` wires settings, service, API and page."""

from __future__ import annotations

from flask import Flask, request

from qa import api, logs, metrics, web
from qa.cork import CorkedResponses
from qa.config import Settings
from qa.service import QAService

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # No inline script, nothing loaded from another host, never framed.
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings | None = None, service: QAService | None = None) -> Flask:
    settings = settings or (service.settings if service else Settings.from_env())
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.extensions["qa_service"] = service or QAService(settings)
    logs.init_app(app, settings)  # first: the request id and start time every other hook uses
    metrics.init_app(app)
    api.init_app(app)
    if settings.admin_token:
        api.register_writes(app)
    web.init_app(app)

    allowed_origins = set(settings.cors_origins)

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # CORS is off unless the origin is on the configured allow-list.
        origin = request.headers.get("Origin")
        if origin and origin in allowed_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
            response.headers["Vary"] = "Origin"
        return response

    app.wsgi_app = CorkedResponses(app.wsgi_app)
    return app
