"""The chat page at ``/`` and its local assets."""

from __future__ import annotations

from flask import Blueprint, Flask, send_from_directory

bp = Blueprint("web", __name__, static_folder="static", static_url_path="/static")


@bp.get("/")
def index():
    return send_from_directory(bp.static_folder, "index.html")


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(bp.static_folder, "favicon.svg", mimetype="image/svg+xml")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
