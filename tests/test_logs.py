"""Request logs: one JSON line per request, the request id in the header and the log."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re

from qa.app import create_app
from qa.logs import configure_logging

ISO_UTC_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
FRESH_ID = re.compile(r"[0-9a-f]{32}")
QUESTION = "Who is the Russian ambassador to Mali, Igor Gromyko?"


def request_lines(lines):
    return [line for line in lines if line.get("event") == "request"]


def test_one_json_line_per_request_with_the_stages_the_service_measured(client, log_lines):
    r = client.post("/api/ask", json={"question": QUESTION}, headers={"X-Request-ID": "abc-1.2_3"})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "abc-1.2_3"
    [line] = request_lines(log_lines())
    assert ISO_UTC_MS.fullmatch(line["time"]), line["time"]
    assert line["level"] == "INFO" and line["logger"] == "qa.requests"
    assert line["request_id"] == "abc-1.2_3"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/api/ask", 200)
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] >= 0
    # The very figures the response reports: measured once, by the service.
    assert line["stages"] == r.get_json()["timings_ms"]
    assert "question" not in line

    r = client.post("/api/search", json={"query": "Wagner in Mali"})
    line = request_lines(log_lines())[-1]
    assert set(line["stages"]) == {"embed", "search"}
    assert line["request_id"] == r.headers["X-Request-ID"]


def test_the_line_is_written_once_the_response_is_sent_not_before(client, log_lines):
    # The caller does not wait for the bookkeeping: a server closes the response after
    # its last byte, and only then is the line written (and the metrics counted).
    r = client.get("/api/health", buffered=False)
    assert r.status_code == 200 and request_lines(log_lines()) == []
    r.close()
    [line] = request_lines(log_lines())
    assert (line["path"], line["request_id"]) == ("/api/health", r.headers["X-Request-ID"])


def test_question_text_is_logged_only_when_asked_for(service, log_lines):
    client = create_app(service=service).test_client()
    client.post("/api/ask", json={"question": QUESTION})
    client.post("/api/search", json={"query": "Wagner group instructors"})
    raw = json.dumps(log_lines())
    assert "Gromyko" not in raw and "Wagner group" not in raw

    settings = dataclasses.replace(service.settings, log_questions=True)
    client = create_app(settings, service=service).test_client()
    client.post("/api/ask", json={"question": QUESTION})
    client.post("/api/search", json={"query": "Wagner group instructors"})
    ask, search = request_lines(log_lines())[-2:]
    assert ask["question"] == QUESTION and search["question"] == "Wagner group instructors"


def test_unsafe_request_ids_are_replaced(client, log_lines):
    for given in ["", "has space", "x" * 65, "semi;colon", 'quo"te', "é", "a/b"]:
        r = client.get("/api/health", headers={"X-Request-ID": given})
        returned = r.headers["X-Request-ID"]
        assert FRESH_ID.fullmatch(returned) and returned != given, given
        assert request_lines(log_lines())[-1]["request_id"] == returned
    assert client.get("/api/health", headers={"X-Request-ID": "x" * 64}
                      ).headers["X-Request-ID"] == "x" * 64


def test_every_response_has_an_id_and_ids_differ(client, log_lines):
    responses = [client.get("/api/health"), client.get("/api/nope"), client.post("/api/health"),
                 client.post("/api/ask", json={}),
                 client.post("/api/ask", data=b"x" * 1_100_000, content_type="application/json"),
                 client.get("/metrics"), client.get("/")]
    assert [r.status_code for r in responses] == [200, 404, 405, 400, 413, 200, 200]
    ids = [r.headers["X-Request-ID"] for r in responses]
    assert len(set(ids)) == len(ids) and all(FRESH_ID.fullmatch(i) for i in ids)
    lines = request_lines(log_lines())
    assert [line["request_id"] for line in lines] == ids
    assert [line["status"] for line in lines] == [r.status_code for r in responses]


def test_unhandled_error_traceback_is_logged_with_the_request_id_never_returned(
        app, log_lines, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom at /secret/internal/path")

    monkeypatch.setattr(app.extensions["qa_service"], "ask", boom)
    app.config["TESTING"] = False
    r = app.test_client().post("/api/ask", json={"question": "hi"},
                               headers={"X-Request-ID": "trace-me"})
    assert r.status_code == 500 and r.headers["X-Request-ID"] == "trace-me"
    body = r.get_data(as_text=True)
    assert "secret" not in body and "Traceback" not in body and "boom" not in body
    lines = log_lines()
    [error] = [line for line in lines if line.get("traceback")]
    assert error["request_id"] == "trace-me" and error["level"] == "ERROR"
    assert "RuntimeError: boom at /secret/internal/path" in error["traceback"]
    [request] = request_lines(lines)
    assert request["status"] == 500 and request["level"] == "ERROR"


def test_configuring_again_replaces_the_handler_and_the_level_applies(client, log_lines):
    stream = io.StringIO()
    configure_logging("warning", stream)
    configure_logging("WARNING", stream)
    client.get("/api/health")
    logging.getLogger("qa.test").warning("disk %s", "low", extra={"free_mb": 12})
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "disk low" and line["event"] == "log" and line["free_mb"] == 12
    assert log_lines() == []  # the first handler was replaced, not kept beside the new one
