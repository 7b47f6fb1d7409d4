"""Prometheus metrics at ``GET /metrics``, one registry per app.

Labels are bounded so a scraper's memory is too: the endpoint is Flask's url rule
(``/api/passages/<path:passage_id>``, never the raw path), unmatched paths share one
label, and unusual HTTP methods are counted as ``OTHER``.

Several gunicorn workers are several processes, each counting its own requests. When
``PROMETHEUS_MULTIPROC_DIR`` is set (``qa serve`` sets it to a fresh directory), every
process writes its values to files there and a scrape, answered by any one worker, adds
them all up. Documents and passages are read from the served index at scrape time.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram,
                               generate_latest, values)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from qa.errors import IndexNotReadyError
from qa.logs import when_sent

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
ASK_STAGES = ("embed", "search", "answer")
UNMATCHED = "<unmatched>"


class IndexCollector:
    """Documents and passages in the index being served, computed at each scrape."""

    def __init__(self, service):
        self.service = service

    def collect(self):
        documents = GaugeMetricFamily("qa_index_documents", "Documents in the served index.")
        passages = GaugeMetricFamily("qa_index_passages", "Passages in the served index.")
        try:
            store = self.service.snapshot().store
        except IndexNotReadyError:
            return  # no index: no samples, rather than a misleading zero
        documents.add_metric([], store.count_documents())
        passages.add_metric([], store.count_passages())
        yield documents
        yield passages


class Metrics:
    def __init__(self, service):
        multiprocess = bool(os.environ.get(MULTIPROC_ENV))
        # prometheus_client picks in-memory or file-backed values when it is imported;
        # choose again here so the mode follows the environment the app is created in.
        values.ValueClass = values.get_value_class()
        self.registry = CollectorRegistry()
        if multiprocess:
            # The live metric objects only write files; the scrape reads every process's.
            MultiProcessCollector(self.registry)
            own = CollectorRegistry()
        else:
            own = self.registry
        self.requests = Counter("qa_requests_total", "HTTP requests answered.",
                                ["method", "endpoint", "status"], registry=own)
        self.latency = Histogram("qa_request_duration_seconds", "Time to answer a request.",
                                 ["endpoint"], registry=own)
        self.abstentions = Counter("qa_abstentions_total",
                                   "Questions the service declined to answer.", registry=own)
        self.ask_stages = Histogram("qa_ask_stage_seconds", "Time spent in each stage of /api/ask.",
                                    ["stage"], registry=own)
        self.registry.register(IndexCollector(service))

    def observe(self, response: Response) -> None:
        """Read what the request did now; count it once the response has been sent (under
        gunicorn the values are written to files)."""
        endpoint = request.url_rule.rule if request.url_rule else UNMATCHED
        method = request.method if request.method in METHODS else "OTHER"
        status = str(response.status_code)
        took = time.perf_counter() - g.started if "started" in g else None  # set by qa.logs
        asked = request.endpoint == "api.ask" and response.status_code == 200
        abstained, stages = g.get("abstained"), g.get("stages", {})

        def record() -> None:
            self.requests.labels(method, endpoint, status).inc()
            if took is not None:
                self.latency.labels(endpoint).observe(took)
            if asked:
                if abstained:
                    self.abstentions.inc()
                for stage in ASK_STAGES:
                    if stage in stages:
                        self.ask_stages.labels(stage).observe(stages[stage] / 1000)

        when_sent(response, record)

    def exposition(self) -> Response:
        return Response(generate_latest(self.registry), mimetype=None,
                        content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    metrics = Metrics(app.extensions["qa_service"])
    app.extensions["qa_metrics"] = metrics
    app.add_url_rule("/metrics", "metrics", metrics.exposition, methods=["GET"])

    @app.after_request
    def _observe(response: Response) -> Response:
        metrics.observe(response)
        return response
