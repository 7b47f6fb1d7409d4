"""GET /metrics: Prometheus text with bounded labels, one registry per app, and
multiprocess mode adding up several worker processes."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap

import pytest
from prometheus_client.parser import text_string_to_metric_families

from embeddings import FakeEncoder
from qa.app import create_app
from qa.config import Settings
from qa.corpus import document_from_text
from qa.service import QAService


def scrape(client) -> dict:
    """{(sample name, frozenset(labels)): value} from one scrape."""
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(r.get_data(as_text=True))
            for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_url_rule_never_by_raw_path(client):
    client.get("/api/passages/p_one")
    client.get("/api/passages/p_two")
    client.get("/api/documents/no/such/thing")
    client.get("/api/nope-1")
    client.get("/nope-2")
    client.open("/api/health", method="BREW")
    client.get("/api/health")
    samples = scrape(client)
    rule = "/api/passages/<path:passage_id>"
    assert value(samples, "qa_requests_total", method="GET", endpoint=rule, status="404") == 2
    assert value(samples, "qa_requests_total", method="GET",
                 endpoint="/api/documents/<path:document_id>", status="404") == 1
    assert value(samples, "qa_requests_total", method="GET", endpoint="<unmatched>",
                 status="404") == 2
    assert value(samples, "qa_requests_total", method="OTHER", endpoint="<unmatched>",
                 status="405") == 1
    assert value(samples, "qa_requests_total", method="GET", endpoint="/api/health",
                 status="200") == 1
    assert value(samples, "qa_request_duration_seconds_count", endpoint=rule) == 2
    text = client.get("/metrics").get_data(as_text=True)
    for raw in ("p_one", "p_two", "no/such", "nope-1", "nope-2", "BREW"):
        assert raw not in text, raw


def test_abstentions_and_ask_stage_timings(client, service):
    bodies = []
    for abstain_below in (2.0, None, 2.0):  # 2.0: no answer is that confident
        service.settings = dataclasses.replace(service.settings, abstain_below=abstain_below)
        r = client.post("/api/ask", json={"question": "Who is the Russian ambassador to Mali?"})
        assert r.status_code == 200
        bodies.append(r.get_json())
    client.post("/api/ask", json={})  # a 400 measures no stage and abstains from nothing
    samples = scrape(client)
    abstained = sum(b["abstained"] for b in bodies)
    assert abstained >= 2
    assert value(samples, "qa_abstentions_total") == abstained
    for stage in ("embed", "search", "answer"):
        assert value(samples, "qa_ask_stage_seconds_count", stage=stage) == 3
        # The figures the service measured and reported, not a second stopwatch.
        assert value(samples, "qa_ask_stage_seconds_sum", stage=stage) == pytest.approx(
            sum(b["timings_ms"][stage] for b in bodies) / 1000)
    assert value(samples, "qa_ask_stage_seconds_count", stage="total") == 0
    assert value(samples, "qa_request_duration_seconds_count", endpoint="/api/ask") == 4


def test_index_gauges_follow_the_served_index(client, service):
    health = client.get("/api/health").get_json()
    samples = scrape(client)
    assert value(samples, "qa_index_documents") == health["documents"] == 5
    assert value(samples, "qa_index_passages") == health["passages"]
    service.put_document(document_from_text("extra", "Timbuktu lies near the Niger river. " * 4))
    samples = scrape(client)
    assert value(samples, "qa_index_documents") == 6
    assert value(samples, "qa_index_passages") > health["passages"]


def test_without_an_index_metrics_still_answer_without_index_gauges(tmp_path):
    svc = QAService(Settings.from_env({}, index_dir=tmp_path / "none"), encoder=FakeEncoder())
    client = create_app(service=svc).test_client()
    samples = scrape(client)
    assert not [key for key in samples if key[0].startswith("qa_index_")]


def test_each_app_has_its_own_registry(service):
    first, second = (create_app(service=service).test_client() for _ in range(2))
    first.get("/api/health")
    first.get("/api/health")
    second.get("/api/health")
    health = dict(method="GET", endpoint="/api/health", status="200")
    assert value(scrape(first), "qa_requests_total", **health) == 2
    assert value(scrape(second), "qa_requests_total", **health) == 1


WORKER = textwrap.dedent("""
    import sys
    from embeddings import FakeEncoder
    from qa.app import create_app
    from qa.config import Settings
    from qa.service import QAService

    service = QAService(Settings.from_env({}, index_dir=sys.argv[1]), encoder=FakeEncoder())
    client = create_app(service=service).test_client()
    for _ in range(2):
        assert client.get("/api/health", buffered=True).status_code == 200  # closed: counted
""")


def test_multiprocess_mode_adds_up_every_worker(tmp_path, service, monkeypatch):
    """What ``qa serve --workers N`` relies on: a scrape answered by one worker counts the
    requests of all of them."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    client = create_app(service=service).test_client()
    client.get("/api/health")
    # Another worker process answers two requests and exits.
    subprocess.run([sys.executable, "-c", WORKER, str(service.index_dir)], check=True,
                   env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
                   cwd=os.path.dirname(os.path.dirname(__file__)), timeout=120)
    samples = scrape(client)
    health = dict(method="GET", endpoint="/api/health", status="200")
    assert value(samples, "qa_requests_total", **health) == 3
    assert value(samples, "qa_request_duration_seconds_count", endpoint="/api/health") == 3
    assert value(samples, "qa_index_documents") == 5  # read at scrape, not from the files
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    # Back to in-memory values: a new app no longer reads (or writes) the directory.
    assert value(scrape(create_app(service=service).test_client()), "qa_requests_total",
                 **health) == 0
