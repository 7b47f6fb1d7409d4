"""Shared fixtures: a fake encoder for speed, the real model once per session."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from embeddings import FakeEncoder  # noqa: E402
from qa.app import create_app  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.logs import configure_logging  # noqa: E402
from qa.service import QAService  # noqa: E402

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


class ServerLikeClient(FlaskClient):
    """Reads each response whole and closes it, as a WSGI server does once it has sent it:
    the request log line and the metrics are written on close (qa.logs, qa.metrics)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


Flask.test_client_class = ServerLikeClient


@pytest.fixture
def seeds_dir(tmp_path) -> Path:
    """A private copy of the seeds, free to edit."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env({}, index_dir=tmp_path / "index")


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def services_use_fake_encoder(monkeypatch, fake_encoder) -> FakeEncoder:
    """Every QAService built from here on (the CLI's, say) embeds with the fake encoder."""
    original = QAService.__init__

    def init(self, settings, encoder=None, **options):
        original(self, settings, encoder or fake_encoder, **options)

    monkeypatch.setattr(QAService, "__init__", init)
    return fake_encoder


@pytest.fixture
def service(settings, fake_encoder, seeds_dir) -> QAService:
    svc = QAService(settings, encoder=fake_encoder)
    svc.ingest([seeds_dir])
    return svc


@pytest.fixture
def app(service):
    app = create_app(service=service)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def log_lines():
    """Logging configured as ``qa serve`` does, into a buffer; gives the parsed lines.
    The root logger is put back afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    stream = io.StringIO()
    configure_logging("INFO", stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.fixture(scope="session")
def real_encoder():
    from embeddings import SentenceTransformerEncoder

    return SentenceTransformerEncoder()


@pytest.fixture(scope="session")
def real_service(tmp_path_factory, real_encoder) -> QAService:
    """The seeds indexed with the real model, built once for the session."""
    index_dir = tmp_path_factory.mktemp("real-index")
    svc = QAService(Settings.from_env({}, index_dir=index_dir), encoder=real_encoder)
    svc.ingest([SEEDS])
    return svc
