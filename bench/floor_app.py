"""The floor under POST /api/ask: Flask on the gunicorn settings of `qa serve`, with one
route that reads the question from a JSON body, embeds it with the same model and model
threads, and answers a small JSON, sent as `qa serve` sends (qa.cork). No search, no
answer, none of the service's hooks.

bench/query.py times it beside `qa serve`, so the round trip splits into the model, what
any Flask app on this server adds to it, and what the service itself adds.

    .venv/bin/python bench/floor_app.py PORT
"""

from __future__ import annotations

import sys
import time

from flask import Flask, jsonify, request

from embeddings import create_encoder
from qa.config import Settings
from qa.cork import CorkedResponses
from qa.logs import configure_logging
from qa.server import gunicorn_server

EMBED_PATH = "/embed"


def create_floor_app(settings: Settings):
    encoder = create_encoder(settings.encoder, settings.model_path, threads=settings.model_threads,
                             cache_dir=settings.model_cache_dir)
    encoder.prepare()  # the model's threads start in each worker, after the fork
    app = Flask(__name__)

    @app.post(EMBED_PATH)
    def embed():
        question = request.get_json()["question"]
        started = time.perf_counter()
        encoder.encode_one(question)
        return jsonify(embed_ms=round((time.perf_counter() - started) * 1000, 2))

    @app.get("/api/health")  # what bench/serving.wait_healthy polls
    def health():
        return jsonify(status="ok")

    app.wsgi_app = CorkedResponses(app.wsgi_app)  # as qa.app does: one send a response
    return app, encoder


def main() -> None:
    settings = Settings.from_env(port=int(sys.argv[1]), log_level="warning")
    configure_logging(settings.log_level)
    app, encoder = create_floor_app(settings)
    gunicorn_server(app, settings, lambda: encoder.encode_one("warm up")).run()


if __name__ == "__main__":
    main()
