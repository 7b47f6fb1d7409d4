"""Run the app: gunicorn in production, Flask's server with ``--dev``.

gunicorn loads the app before forking (``preload_app``), so the index and the model
are read once and the worker processes share those pages copy-on-write.
"""

from __future__ import annotations

import logging
import sys

from qa.config import Settings

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
    from qa.app import create_app

    app = create_app(settings)
    service = app.extensions["qa_service"]
    service.prepare()  # fail now, with a clear message, if there is no usable index
    url = f"http://{settings.host}:{settings.port}"
    print(f"qa: serving {service.health()['documents']} documents on {url}", file=sys.stderr)
    if dev:
        start_worker(service)
        app.run(host=settings.host, port=settings.port, threaded=True)
        return 0

    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{settings.host}:{settings.port}")
            self.cfg.set("workers", settings.workers)
            self.cfg.set("threads", settings.threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("preload_app", True)
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", settings.log_level.lower())
            self.cfg.set("post_fork", lambda server, worker: start_worker(service))

        def load(self):
            return app

    Server().run()
    return 0
