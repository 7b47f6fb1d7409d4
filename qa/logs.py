"""Logs a machine can read: one JSON object a line on stderr, one line per request.

Every request gets an id: the caller's ``X-Request-ID`` when it is safe to echo, else a
fresh one. It is returned in the ``X-Request-ID`` header of every response (errors
included) and added to every log line written while the request runs, so an unhandled
error's traceback can be found from the id a user reports.

Views hand what they learnt to the request line through ``flask.g``: ``g.stages`` (the
``timings_ms`` the service measured; nothing is timed twice) and ``g.question`` (written
only when ``QA_LOG_QUESTIONS`` is on: questions may hold personal data).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Callable, TextIO

from flask import Flask, Response, g, has_request_context, request

from qa.config import Settings

REQUEST_ID_HEADER = "X-Request-ID"
# Anything else (spaces, quotes, newlines, very long values) could forge or break log lines.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_log = logging.getLogger("qa.requests")

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message",
                                                                                    "asctime"}


def utc_timestamp(seconds: float) -> str:
    """ISO 8601 in UTC with milliseconds: ``2026-11-23T18:05:45.123Z``."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds"
                                                                   ).replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """A record becomes ``{"time", "level", "logger", "pid", "event", ...}`` on one line.

    ``extra=`` fields are written as they are (a record with no ``event`` is an ordinary
    log line, ``"event": "log"``); ``message`` is the text unless it only repeats the
    event. A traceback stays in the log line (``traceback``), never in a response.
    """

    def format(self, record: logging.LogRecord) -> str:
        # The pid tells gunicorn's worker processes apart.
        line: dict = {"time": utc_timestamp(record.created), "level": record.levelname,
                      "logger": record.name, "pid": record.process, "event": "log"}
        extra = {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES}
        message = record.getMessage()
        if message != extra.get("event"):
            line["message"] = message
        line.update(extra)
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["traceback"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to any record written while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g and not hasattr(record, "request_id"):
            record.request_id = g.request_id
        return True


_HANDLER_MARK = "_qa_json_handler"


def configure_logging(level: str, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record (ours, gunicorn's, the libraries') to ``stream`` as JSON.

    Safe to call again: the handler it installed before is replaced, not doubled.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # warnings become JSON lines too, not stray text
    return handler


def request_id_from(header: str | None) -> str:
    if header and SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def init_app(app: Flask, settings: Settings) -> None:
    @app.before_request
    def _start():
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        # A 404/405 raised while routing still passed through before_request, but be safe.
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        fields = {
            "event": "request",
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "latency_ms": round((time.perf_counter() - g.get("started", time.perf_counter()))
                                * 1000, 2),
        }
        if "stages" in g:
            fields["stages"] = g.stages
        if settings.log_questions and "question" in g:
            fields["question"] = g.question
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        when_sent(response, lambda: request_log.log(level, "request", extra=fields))
        return response


def when_sent(response: Response, bookkeeping: Callable[[], None]) -> None:
    """Run ``bookkeeping`` once the response has been sent, so the caller does not wait for
    it: the WSGI server closes a response after its last byte. A file sent as it is
    (``send_file``: the server's own file wrapper) is closed without telling the response,
    so that bookkeeping runs now."""
    if response.direct_passthrough:
        bookkeeping()
    else:
        response.call_on_close(bookkeeping)
