"""Run the app: gunicorn in production, Flask's server with ``--dev``.

gunicorn loads the app before forking (``preload_app``), so the index and the model
are read once and the worker processes share those pages copy-on-write.

Logging is configured once, here, before anything is loaded: every line on stderr is
JSON (``qa.logs``), gunicorn's own error log included, so one parser reads all of it.
gunicorn's access log stays off: ``qa.logs`` writes a richer line per request.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Callable

from qa.config import Settings
from qa.logs import configure_logging
from qa.metrics import MULTIPROC_ENV

log = logging.getLogger(__name__)


def start_worker(service) -> None:
    """Ready a freshly forked worker to answer."""
    # One question searches the vectors of one query: FAISS's OpenMP threads gain nothing
    # there, and while they spin-wait they take the cores from the model and from the other
    # requests (measured: search 1.2 ms with one thread, 23 ms with two, on a busy machine).
    import faiss

    faiss.omp_set_num_threads(1)
    # The model's thread pool starts here, after the fork: a pool started in the master
    # would leave the worker a single thread (threads do not survive a fork).
    service.warm_up()


def serve(settings: Settings, dev: bool = False) -> int:
    configure_logging(settings.log_level)
    # The model's loading bar would be the one line on stderr that is not JSON.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if dev:
        return _serve_dev(settings)
    # Each worker process counts its own requests; they meet in files under this directory
    # (qa.metrics). A fresh one per run, so counters never carry over from a previous run.
    metrics_dir = tempfile.mkdtemp(prefix="qa-metrics-")
    os.environ[MULTIPROC_ENV] = metrics_dir
    owner = os.getpid()
    try:
        app = _loaded_app(settings)
        gunicorn_server(app, settings, lambda: start_worker(app.extensions["qa_service"])).run()
    finally:
        # Workers are forked inside run() and leave through here too; only the master cleans.
        if os.getpid() == owner:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop(MULTIPROC_ENV, None)
    return 0


def _loaded_app(settings: Settings):
    from qa.app import create_app

    app = create_app(settings)
    service = app.extensions["qa_service"]
    service.prepare()  # fail now, with a clear message, if there is no usable index
    health = service.health()
    log.info("serving %d documents on http://%s:%d", health["documents"], settings.host,
             settings.port, extra={"event": "start", "documents": health["documents"],
                                   "passages": health["passages"], "host": settings.host,
                                   "port": settings.port, "workers": settings.workers,
                                   "threads": settings.threads})
    return app


def _serve_dev(settings: Settings) -> int:
    app = _loaded_app(settings)
    start_worker(app.extensions["qa_service"])
    # Werkzeug's own access lines would repeat the JSON request lines of qa.logs.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.run(host=settings.host, port=settings.port, threaded=True)
    return 0


def gunicorn_server(app, settings: Settings, ready_worker: Callable[[], None]):
    """gunicorn serving ``app`` as ``qa serve`` does; ``ready_worker`` runs in each worker
    process after the fork. bench/query.py serves its floor app with the same settings."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.glogging import Logger

    class JsonLogger(Logger):
        """gunicorn's error log, handed to the root logger and so written as JSON."""

        def setup(self, cfg):
            super().setup(cfg)
            for handler in list(self.error_log.handlers):
                self.error_log.removeHandler(handler)
            self.error_log.propagate = True

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{settings.host}:{settings.port}")
            self.cfg.set("workers", settings.workers)
            self.cfg.set("threads", settings.threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("preload_app", True)
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", None)
            self.cfg.set("logger_class", JsonLogger)
            self.cfg.set("loglevel", settings.log_level.lower())
            # One shared socket path per user: two servers on a host would take it from
            # each other, and nothing here uses gunicornc.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("post_fork",
                         lambda server, worker: ready_worker())

        def load(self):
            return app

    return Server()
