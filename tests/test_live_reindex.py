"""Live re-index: ingests publish new generations while a real HTTP server answers
questions from several threads; every request succeeds and the server switches to each
new generation without a restart."""

from __future__ import annotations

import http.client
import json
import shutil
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

from embeddings import FakeEncoder
from qa.app import create_app
from qa.config import Settings
from qa.service import QAService

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
CLIENTS = 3
ROUNDS = 3
WAIT_SECONDS = 30  # an upper bound for a switch that is due within 0.5 s, not a timing claim


def _request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_questions_succeed_while_new_generations_are_published(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = Settings.from_env({}, index_dir=tmp_path / "index")
    QAService(settings, encoder=FakeEncoder()).ingest([corpus])
    server_service = QAService(settings, encoder=FakeEncoder())  # the server's own
    server = make_server("127.0.0.1", 0, create_app(service=server_service), threaded=True)
    port = server.server_port
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()

    stop = threading.Event()
    results: list[tuple[str, int]] = []
    generations_seen: set[int] = set()
    lock = threading.Lock()

    def client(n: int) -> None:
        questions = ["Who is the Russian ambassador to Mali?", "What is MINUSMA?",
                     "Which aircraft did Mali receive?", "Zorblat accord"]
        i = n
        while not stop.is_set():
            path, body = (("/api/ask", {"question": questions[i % 4]}) if i % 3 else
                          ("/api/search", {"query": questions[i % 4], "top_k": 3}))
            try:
                status, data = _request(port, "POST", path, body)
                health_status, health = _request(port, "GET", "/api/health")
            except Exception as e:  # a dropped connection is a failed request too
                status, health_status, health = repr(e), 0, {}
            with lock:
                results.append((path, status))
                results.append(("/api/health", health_status))
                if health_status == 200:
                    generations_seen.add(health["documents"])
            i += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in clients:
        t.start()
    try:
        writer = QAService(settings, encoder=FakeEncoder())  # `qa ingest`, beside the server
        for round_ in range(1, ROUNDS + 1):
            fact = f"The Zorblat accord number {round_} was signed in Kayes in round {round_}."
            (corpus / f"zorblat-{round_}.txt").write_text(fact)
            summary = writer.ingest([corpus])
            assert summary.added == 1
            # The server notices the new generation by itself, with no restart.
            deadline = time.monotonic() + WAIT_SECONDS
            while True:
                status, health = _request(port, "GET", "/api/health")
                if status == 200 and health["documents"] == 5 + round_:
                    break
                assert time.monotonic() < deadline, f"no switch to round {round_}: {health}"
                time.sleep(0.05)
            status, data = _request(port, "POST", "/api/search", {"query": fact, "top_k": 1})
            assert status == 200 and data["passages"][0]["document_id"] == f"zorblat-{round_}"
            status, _ = _request(port, "GET", f"/api/documents/zorblat-{round_}")
            assert status == 200
    finally:
        stop.set()
        for t in clients:
            t.join(timeout=60)
        server.shutdown()
        serving.join(timeout=10)

    failed = [r for r in results if r[1] != 200]
    assert not failed, failed[:10]
    assert len(results) > 20  # the clients did keep asking
    assert generations_seen >= {5, 5 + ROUNDS}  # they were served the first and the last
    print(f"live re-index: {len(results)} requests during {ROUNDS} ingests, "
          f"{len(failed)} failed, document counts seen {sorted(generations_seen)}")


def test_a_server_not_yet_switched_keeps_answering_after_several_ingests(tmp_path, monkeypatch):
    """A server still on an old generation (it checks CURRENT only every 0.5 s, a request
    may run longer) must not find its files deleted by the ingests that followed."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = Settings.from_env({}, index_dir=tmp_path / "index")
    QAService(settings, encoder=FakeEncoder()).ingest([corpus])
    monkeypatch.setattr("qa.service.RELOAD_CHECK_SECONDS", 3600)  # never switches here
    server_service = QAService(settings, encoder=FakeEncoder())
    first = server_service.snapshot().generation
    server = make_server("127.0.0.1", 0, create_app(service=server_service), threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        writer = QAService(settings, encoder=FakeEncoder())
        for n in range(4):
            (corpus / f"new-{n}.txt").write_text(f"New document number {n} about Gao.")
            writer.ingest([corpus])
        assert writer.snapshot().generation != first
        # Each request runs in a new thread, which opens the old generation's files anew.
        for question in ("Who is the Russian ambassador to Mali?", "Gao", "MINUSMA"):
            status, data = _request(server.server_port, "POST", "/api/ask", {"question": question})
            assert status == 200, data
        status, health = _request(server.server_port, "GET", "/api/health")
        assert status == 200 and health["documents"] == 5  # still the generation it had
    finally:
        server.shutdown()
        serving.join(timeout=10)
