"""How ``qa serve`` configures gunicorn and its logs (gunicorn itself is not started)."""

from __future__ import annotations

import dataclasses
import os
import threading

import qa.service

from qa import cli, retrieval
from qa.app import create_app
from qa.metrics import MULTIPROC_ENV
from qa.server import gunicorn_server


def test_gunicorn_preloads_the_app_with_threaded_workers(service):
    settings = dataclasses.replace(service.settings, host="0.0.0.0", port=8123, workers=3,
                                   threads=2, log_level="WARNING")
    app = create_app(settings, service=service)
    readied = []
    server = gunicorn_server(app, settings, lambda: readied.append(os.getpid()))
    cfg = server.cfg
    assert cfg.bind == ["0.0.0.0:8123"]
    assert (cfg.workers, cfg.threads, cfg.worker_class_str) == (3, 2, "gthread")
    assert cfg.preload_app is True and cfg.loglevel == "warning"
    assert cfg.accesslog is None  # qa.logs writes one richer line per request instead
    assert server.load() is app
    cfg.post_fork(None, None)  # what gunicorn calls in each worker after forking it
    assert readied == [os.getpid()]


def test_gunicorn_error_log_goes_through_the_json_formatter(service, log_lines):
    server = gunicorn_server(create_app(service=service), service.settings, lambda: None)
    logger = server.cfg.logger_class(server.cfg)
    logger.info("Booting worker with pid: %s", 4242)
    logger.error("Worker timeout")
    lines = [line for line in log_lines() if line["logger"] == "gunicorn.error"]
    assert [(line["level"], line["message"]) for line in lines] == [
        ("INFO", "Booting worker with pid: 4242"), ("ERROR", "Worker timeout")]
    assert all(line["pid"] == os.getpid() for line in lines)


def test_serve_without_an_index_fails_in_one_line_and_cleans_up(tmp_path, monkeypatch, capsys,
                                                               log_lines, fake_encoder):
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # where serve makes its metrics dir
    monkeypatch.setattr("qa.service.create_encoder", lambda *args, **kwargs: fake_encoder)
    assert cli.main(["serve", "--index-dir", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("qa: error:") and "qa ingest" in err and err.count("\n") == 1
    assert not list(tmp_path.glob("qa-metrics-*"))
    assert MULTIPROC_ENV not in os.environ


def test_each_worker_process_gets_its_own_threads_beside_the_model(service, monkeypatch):
    # Threads do not survive gunicorn's fork: a worker must not submit to its master's pool.
    service.ask("Who is the Russian ambassador to Mali?")
    master_pool = service._beside_model()
    assert service._beside_model() is master_pool
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as in a forked worker
    worker_pool = service._beside_model()
    assert worker_pool is not master_pool and service._beside_model() is worker_pool
    assert service.ask("Who is the Russian ambassador to Mali?").passages


def test_the_lexical_search_runs_beside_the_model_only_on_a_large_index(service, monkeypatch):
    # On a small index the hand-off to another thread costs more than the search.
    threads = []
    search = retrieval.lexical_candidates

    def recording(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return search(*args, **kwargs)

    monkeypatch.setattr(retrieval, "lexical_candidates", recording)
    small = service.ask("Who is the Russian ambassador to Mali?")
    monkeypatch.setattr(qa.service, "LEXICAL_BESIDE_MODEL_FROM", 1)  # the seeds count as large
    large = service.ask("Who is the Russian ambassador to Mali?")
    assert threads[0] == threading.current_thread().name
    assert threads[1].startswith("beside-model")
    assert [h.passage_id for h in small.passages] == [h.passage_id for h in large.passages]
