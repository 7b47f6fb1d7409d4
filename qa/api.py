"""The JSON API under /api: parse, call the service, shape the answer.

Errors are translated here and only here: a ``QAError`` becomes its status with
``{"error": {"code", "message"}}``; anything unexpected becomes a 500 with no detail.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from qa import responses
from qa.errors import (BadRequestError, PayloadTooLargeError, QAError, UnauthorizedError,
                       UnsupportedMediaTypeError)
from qa.service import QAService
from qa.validation import (check_fields, date_field, document_id_field, filters_field, history_field,
                           int_field, require_object, text_field)

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api")


def service() -> QAService:
    return current_app.extensions["qa_service"]


def json_body() -> dict:
    if not request.is_json:
        raise UnsupportedMediaTypeError("Send a JSON body with 'Content-Type: application/json'.")
    data = request.get_data(cache=True)
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    # A body sent without Content-Length (chunked) is cut at the limit, not refused:
    # refuse it here, or it would read as bad JSON.
    if limit is not None and len(data) >= limit and request.content_length != len(data):
        raise PayloadTooLargeError("The request body is too large.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # the parser recurses once per level of nesting
        raise BadRequestError("The request body is nested too deeply.") from None
    # get_json gives None both for invalid JSON and for a literal null; tell them apart.
    if body is None and data.strip() != b"null":
        raise BadRequestError("The request body is not valid JSON (or not UTF-8).")
    return require_object(body)


@bp.get("/health")
def health():
    return jsonify(service().health())


@bp.get("/ready")
def ready():
    return jsonify(service().readiness())


@bp.get("/openapi.json")
def openapi_json():
    from qa import openapi

    return jsonify(openapi.spec(write_endpoints=bool(service().settings.admin_token)))


@bp.post("/ask")
def ask():
    body = json_body()
    settings = service().settings
    check_fields(body, {"question", "top_k", "history", "filters"})
    question = text_field(body, "question", settings.max_question_chars)
    top_k = int_field(body, "top_k", 5, 1, settings.max_top_k)
    g.question = question  # for the request log (qa.logs), which decides whether to write it
    result = service().ask(question, top_k, history_field(body, settings), filters_field(body))
    g.stages, g.abstained = result.timings_ms, result.abstained  # for qa.logs and qa.metrics
    return jsonify(responses.ask_json(result))


@bp.post("/search")
def search():
    body = json_body()
    settings = service().settings
    check_fields(body, {"query", "top_k", "filters"})
    query = text_field(body, "query", settings.max_question_chars)
    top_k = int_field(body, "top_k", 5, 1, settings.max_top_k)
    g.question, g.stages = query, {}
    return jsonify(responses.search_json(service().search(query, top_k, filters_field(body),
                                                          timings=g.stages)))


@bp.get("/passages/<path:passage_id>")
def passage(passage_id: str):
    return jsonify(responses.passage_json(*service().passage(passage_id)))


@bp.get("/documents")
def documents():
    offset = _query_int("offset", 0, 0, 10**9)
    limit = _query_int("limit", 50, 1, 500)
    rows, total = service().documents(offset, limit)
    return jsonify(responses.documents_json(rows, total, offset, limit))


@bp.get("/documents/<path:document_id>")
def document(document_id: str):
    return jsonify(responses.document_json(*service().document(document_id)))


@bp.post("/cite")
def cite():
    body = json_body()
    check_fields(body, {"text"})
    text = text_field(body, "text", service().settings.max_question_chars)
    return jsonify({"matches": service().cite(text)})


def _query_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        # int() would also take " 5", "5_0" and "٥"; only plain ASCII digits are an integer here.
        if not raw.lstrip("-").isascii() or not raw.lstrip("-").isdigit():
            raise ValueError(raw)
        value = int(raw)
    except ValueError:
        raise BadRequestError(f"Query parameter '{name}' must be an integer.") from None
    if not low <= value <= high:
        raise BadRequestError(f"Query parameter '{name}' must be between {low} and {high}.")
    return value


# -- writes: registered only when an admin token is configured -------------------

def require_admin() -> None:
    token = service().settings.admin_token or ""
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else ""
    # Constant-time comparison: response timing must not reveal how much of a guess matched.
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        raise UnauthorizedError("This endpoint needs 'Authorization: Bearer <QA_ADMIN_TOKEN>'.")


def put_document():
    require_admin()
    body = json_body()
    settings = service().settings
    check_fields(body, {"id", "title", "text", "source", "url", "published"})
    doc_id = document_id_field(body)
    from qa.corpus import InvalidDocumentError, document_from_text

    try:
        document = document_from_text(
            doc_id, text_field(body, "text", settings.max_document_chars),
            title=text_field(body, "title", 500, required=False),
            source=text_field(body, "source", 200, required=False),
            url=text_field(body, "url", 2000, required=False),
            published=date_field(body, "published"))
    except InvalidDocumentError as e:  # e.g. a text that is nothing but page debris
        raise BadRequestError(f"Field 'text': {e}.") from None
    summary = service().put_document(document)
    return jsonify({"document_id": doc_id, **responses.ingest_json(summary)}), 201


def delete_document(document_id: str):
    require_admin()
    summary = service().delete_document(document_id)
    return jsonify({"document_id": document_id, **responses.ingest_json(summary)})


def register_writes(app: Flask) -> None:
    app.add_url_rule("/api/documents", "api.put_document", put_document, methods=["POST"])
    app.add_url_rule("/api/documents/<path:document_id>", "api.delete_document", delete_document,
                     methods=["DELETE"])


# -- errors -------------------------------------------------------------------

def error_response(status: int, code: str, message: str):
    return jsonify({"error": {"code": code, "message": message}}), status


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
               415: "unsupported_media_type", 400: "bad_request"}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.errorhandler(QAError)
    def _qa_error(e: QAError):
        if e.public_message != e.message:  # the operator's detail goes to the log only
            log.warning("%s on %s %s: %s", e.code, request.method, request.path, e.message)
        return jsonify(e.to_dict()), e.status

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        status = e.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        messages = {404: f"No such endpoint: {request.method} {request.path}.",
                    405: f"Method {request.method} is not allowed on {request.path}.",
                    413: "The request body is too large."}
        return error_response(status, code, messages.get(status, e.description or e.name))

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "The server failed to answer this request.")
