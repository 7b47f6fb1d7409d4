"""The OpenAPI 3.1 description of the HTTP contract (DESIGN.md), served at /api/openapi.json.

Written out by hand as a dict so it reads like the contract; ``tests/test_openapi.py``
checks every real response against it. The write endpoints appear only when they exist,
that is when an admin token is configured.
"""

from __future__ import annotations

import copy

from qa.validation import (DATE_PATTERN, DOCUMENT_ID_PATTERN, MAX_DOCUMENT_ID_CHARS,
                           MAX_FILTER_ITEMS, MAX_HISTORY_TURNS, NOT_BLANK_PATTERN)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return {"$ref": f"#/components/responses/{description}"}


NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": ["string", "null"], "format": "date", "pattern": DATE_PATTERN}


def _text(max_chars: int) -> dict:
    """A required text: not blank (nor only control characters), at most ``max_chars``."""
    return {"type": "string", "minLength": 1, "maxLength": max_chars, "pattern": NOT_BLANK_PATTERN}


HEALTH = {
    "type": "object",
    "required": ["status", "documents", "passages", "ready"],
    "additionalProperties": False,
    "properties": {
        "status": {"type": "string", "enum": ["ok"]},
        "documents": {"type": "integer", "minimum": 0},
        "passages": {"type": "integer", "minimum": 0},
        "ready": {"type": "boolean", "description": "Whether the index and the model are loaded."},
    },
}

SCHEMAS: dict = {
    # -- requests ---------------------------------------------------------------
    "Filters": {
        "type": "object",
        "description": "Restrict retrieval to some documents; all given conditions must hold.",
        "additionalProperties": False,
        "properties": {
            "document_ids": {"type": ["array", "null"], "items": {"type": "string"},
                             "maxItems": MAX_FILTER_ITEMS},
            "sources": {"type": ["array", "null"], "items": {"type": "string"},
                        "maxItems": MAX_FILTER_ITEMS},
            "published_from": DATE,
            "published_to": DATE,
        },
    },
    "Turn": {
        "type": "object",
        "required": ["role", "content"],
        "properties": {
            "role": {"type": "string", "enum": ["user", "assistant"]},
            "content": {"type": "string"},
        },
    },
    "Ask": {
        "type": "object",
        "required": ["question"],
        "additionalProperties": False,
        "properties": {
            "question": _text(2000),
            "top_k": {"type": ["integer", "null"], "minimum": 1, "maximum": 50, "default": 5},
            "history": {"type": ["array", "null"], "items": _ref("Turn"),
                        "description": f"Earlier turns; only the last {MAX_HISTORY_TURNS} are used."},
            "filters": {"oneOf": [_ref("Filters"), {"type": "null"}]},
        },
    },
    "Search": {
        "type": "object",
        "required": ["query"],
        "additionalProperties": False,
        "properties": {
            "query": _text(2000),
            "top_k": {"type": ["integer", "null"], "minimum": 1, "maximum": 50, "default": 5},
            "filters": {"oneOf": [_ref("Filters"), {"type": "null"}]},
        },
    },
    "Cite": {
        "type": "object",
        "required": ["text"],
        "additionalProperties": False,
        "properties": {"text": _text(2000)},
    },
    "NewDocument": {
        "type": "object",
        "required": ["id", "text"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": MAX_DOCUMENT_ID_CHARS,
                   "pattern": DOCUMENT_ID_PATTERN},
            "text": _text(5_000_000),
            "title": {"type": ["string", "null"], "maxLength": 500},
            "source": {"type": ["string", "null"], "maxLength": 200},
            "url": {"type": ["string", "null"], "maxLength": 2000},
            "published": DATE,
        },
    },
    # -- responses --------------------------------------------------------------
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": False,
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "Health": HEALTH,
    "Ready": {**HEALTH, "properties": {**HEALTH["properties"],
                                       "ready": {"type": "boolean", "enum": [True]}}},
    "Citation": {
        "type": "object",
        "required": ["marker", "passage_id", "document_id", "start", "end", "quote"],
        "additionalProperties": False,
        "properties": {
            "marker": {"type": "integer", "minimum": 1},
            "passage_id": {"type": "string"},
            "document_id": {"type": "string"},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0},
            "quote": {"type": "string", "description": "Exactly document.text[start:end]."},
        },
    },
    "Answer": {
        "type": "object",
        "required": ["text", "confidence", "citations"],
        "additionalProperties": False,
        "properties": {
            "text": {"type": "string"},
            "confidence": {"type": "number"},
            "citations": {"type": "array", "items": _ref("Citation")},
        },
    },
    "Hit": {
        "type": "object",
        "description": "A retrieved passage with its document's metadata.",
        "required": ["rank", "passage_id", "document_id", "title", "source", "url", "published",
                     "text", "start", "end", "score", "also_in"],
        "additionalProperties": False,
        "properties": {
            "rank": {"type": "integer", "minimum": 1},
            "passage_id": {"type": "string"},
            "document_id": {"type": "string"},
            "title": NULLABLE_STRING,
            "source": NULLABLE_STRING,
            "url": NULLABLE_STRING,
            "published": NULLABLE_STRING,
            "text": {"type": "string"},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0},
            "score": {"type": "number"},
            "also_in": {"type": "array", "items": {"type": "string"},
                        "description": "Other documents holding the same passage text."},
        },
    },
    "AskResponse": {
        "type": "object",
        "required": ["question", "abstained", "answer", "passages", "timings_ms"],
        "additionalProperties": False,
        "properties": {
            "question": {"type": "string"},
            "abstained": {"type": "boolean"},
            "answer": {"oneOf": [_ref("Answer"), {"type": "null"}],
                       "description": "null exactly when abstained is true."},
            "passages": {"type": "array", "items": _ref("Hit")},
            "timings_ms": {"type": "object", "additionalProperties": {"type": "number"}},
        },
    },
    "SearchResponse": {
        "type": "object",
        "required": ["passages"],
        "additionalProperties": False,
        "properties": {"passages": {"type": "array", "items": _ref("Hit")}},
    },
    "DocumentMetadata": {
        "type": "object",
        "required": ["id", "title", "source", "url", "published"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "title": NULLABLE_STRING,
            "source": NULLABLE_STRING,
            "url": NULLABLE_STRING,
            "published": NULLABLE_STRING,
        },
    },
    "PassageDetail": {
        "type": "object",
        "required": ["passage_id", "document_id", "start", "end", "text", "document",
                     "previous_id", "next_id"],
        "additionalProperties": False,
        "properties": {
            "passage_id": {"type": "string"},
            "document_id": {"type": "string"},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0},
            "text": {"type": "string"},
            "document": _ref("DocumentMetadata"),
            "previous_id": NULLABLE_STRING,
            "next_id": NULLABLE_STRING,
        },
    },
    "DocumentSummary": {
        "type": "object",
        "required": ["id", "title", "source", "url", "published", "passages"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "title": NULLABLE_STRING,
            "source": NULLABLE_STRING,
            "url": NULLABLE_STRING,
            "published": NULLABLE_STRING,
            "passages": {"type": "integer", "minimum": 0},
        },
    },
    "DocumentList": {
        "type": "object",
        "required": ["documents", "total", "offset", "limit"],
        "additionalProperties": False,
        "properties": {
            "documents": {"type": "array", "items": _ref("DocumentSummary")},
            "total": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
        },
    },
    "PassageSpan": {
        "type": "object",
        "required": ["passage_id", "start", "end"],
        "additionalProperties": False,
        "properties": {
            "passage_id": {"type": "string"},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0},
        },
    },
    "Document": {
        "type": "object",
        "required": ["id", "title", "source", "url", "published", "text", "passages"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "title": NULLABLE_STRING,
            "source": NULLABLE_STRING,
            "url": NULLABLE_STRING,
            "published": NULLABLE_STRING,
            "text": {"type": "string"},
            "passages": {"type": "array", "items": _ref("PassageSpan")},
        },
    },
    "CiteMatch": {
        "type": "object",
        "required": ["document_id", "passage_id", "start", "end", "similarity", "exact"],
        "additionalProperties": False,
        "properties": {
            "document_id": {"type": "string"},
            "passage_id": NULLABLE_STRING,
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0},
            "similarity": {"type": "number", "minimum": 0, "maximum": 1},
            "exact": {"type": "boolean"},
        },
    },
    "CiteResponse": {
        "type": "object",
        "required": ["matches"],
        "additionalProperties": False,
        "properties": {"matches": {"type": "array", "items": _ref("CiteMatch")}},
    },
    "IngestSummary": {
        "type": "object",
        "required": ["document_id", "added", "updated", "unchanged", "removed", "documents",
                     "passages", "embedded", "skipped"],
        "additionalProperties": False,
        "properties": {
            "document_id": {"type": "string"},
            "added": {"type": "integer"},
            "updated": {"type": "integer"},
            "unchanged": {"type": "integer"},
            "removed": {"type": "integer"},
            "documents": {"type": "integer"},
            "passages": {"type": "integer"},
            "embedded": {"type": "integer"},
            "skipped": {
                "type": "array",
                "items": {"type": "object", "required": ["source", "reason"],
                          "properties": {"source": {"type": "string"},
                                         "reason": {"type": "string"}}},
            },
        },
    },
    "OpenAPI": {"type": "object", "required": ["openapi", "info", "paths"]},
}

# Shared error responses; every one has the same ``Error`` body.
ERROR_RESPONSES = {
    "BadRequest": _json(_ref("Error"), "Bad JSON, a missing or invalid field or parameter."),
    "Unauthorized": _json(_ref("Error"), "Missing or wrong 'Authorization: Bearer' token."),
    "NotFound": _json(_ref("Error"), "Unknown id or endpoint."),
    "MethodNotAllowed": _json(_ref("Error"), "The endpoint does not accept this method."),
    "PayloadTooLarge": _json(_ref("Error"), "The request body is too large."),
    "UnsupportedMediaType": _json(_ref("Error"), "The body is not sent as application/json."),
    "IndexNotReady": _json(_ref("Error"), "No index is loaded yet (run 'qa ingest')."),
    "NotReady": _json(_ref("Error"), "The index or the model is not loaded yet "
                      "(index_not_ready, index_corrupt or not_ready)."),
    "InternalError": _json(_ref("Error"), "An unexpected failure; no detail is given."),
}


def _errors(*statuses: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed",
             413: "PayloadTooLarge", 415: "UnsupportedMediaType", 503: "IndexNotReady",
             500: "InternalError"}
    return {str(s): _error(names[s]) for s in (*statuses, 405, 500)}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


# A POST with a JSON body can fail in all these ways before the handler even runs.
_JSON_ERRORS = (400, 413, 415, 503)


def _id_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}


READ_PATHS: dict = {
    "/api/health": {
        "get": {
            "operationId": "health",
            "summary": "Liveness: answers 200 whenever the process does; says if it is ready.",
            "responses": {"200": _json(_ref("Health"), "Alive; the index size (0 while none "
                                       "is loaded) and whether questions can be answered."),
                          **_errors()},
        },
    },
    "/api/ready": {
        "get": {
            "operationId": "ready",
            "summary": "Readiness: 200 only when the index and the model are loaded.",
            "responses": {"200": _json(_ref("Ready"), "Ready to answer questions."),
                          "503": _error("NotReady"), **_errors()},
        },
    },
    "/api/ask": {
        "post": {
            "operationId": "ask",
            "summary": "Answer a question with citations into the corpus, or abstain.",
            "requestBody": _body("Ask"),
            "responses": {"200": _json(_ref("AskResponse"), "An answer, or an abstention."),
                          **_errors(*_JSON_ERRORS)},
        },
    },
    "/api/search": {
        "post": {
            "operationId": "search", "summary": "The passages nearest to a query.",
            "requestBody": _body("Search"),
            "responses": {"200": _json(_ref("SearchResponse"), "Ranked passages."),
                          **_errors(*_JSON_ERRORS)},
        },
    },
    "/api/passages/{passage_id}": {
        "get": {
            "operationId": "passage", "summary": "One passage with its document and neighbours.",
            "parameters": [_id_param("passage_id", "A passage id, as in search results.")],
            "responses": {"200": _json(_ref("PassageDetail"), "The passage."),
                          **_errors(404, 503)},
        },
    },
    "/api/documents": {
        "get": {
            "operationId": "documents", "summary": "A page of the documents in the index.",
            "parameters": [
                {"name": "offset", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 0, "maximum": 10**9, "default": 0}},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
            ],
            "responses": {"200": _json(_ref("DocumentList"), "The page and the total count."),
                          **_errors(400, 503)},
        },
    },
    "/api/documents/{document_id}": {
        "get": {
            "operationId": "document", "summary": "One document: its text and passage spans.",
            "parameters": [_id_param("document_id", "A document id; may contain '/'.")],
            "responses": {"200": _json(_ref("Document"), "The document."),
                          **_errors(404, 503)},
        },
    },
    "/api/cite": {
        "post": {
            "operationId": "cite", "summary": "Where a quoted text stands in the corpus.",
            "requestBody": _body("Cite"),
            "responses": {"200": _json(_ref("CiteResponse"),
                                       "Exact matches, else fuzzy ones; best first."),
                          **_errors(*_JSON_ERRORS)},
        },
    },
    "/api/openapi.json": {
        "get": {
            "operationId": "openapi", "summary": "This document.",
            "responses": {"200": _json(_ref("OpenAPI"), "The OpenAPI 3.1 description.")},
        },
    },
    "/metrics": {
        "get": {
            "operationId": "metrics", "summary": "Prometheus metrics.",
            "responses": {"200": {"description": "The Prometheus text exposition format.",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}},
                          **_errors()},
        },
    },
}

WRITE_OPERATIONS: dict = {
    "/api/documents": {
        "post": {
            "operationId": "put_document", "summary": "Add or replace one document.",
            "security": [{"bearer": []}],
            "requestBody": _body("NewDocument"),
            "responses": {"201": _json(_ref("IngestSummary"), "Stored and indexed."),
                          **_errors(401, *_JSON_ERRORS)},
        },
    },
    "/api/documents/{document_id}": {
        "delete": {
            "operationId": "delete_document", "summary": "Remove one document.",
            "security": [{"bearer": []}],
            "parameters": [_id_param("document_id", "A document id; may contain '/'.")],
            "responses": {"200": _json(_ref("IngestSummary"), "Removed from the index."),
                          **_errors(401, 404, 503)},
        },
    },
}


def spec(write_endpoints: bool) -> dict:
    """The OpenAPI 3.1 document; ``write_endpoints`` adds POST/DELETE on documents."""
    paths = copy.deepcopy(READ_PATHS)
    components: dict = {"schemas": copy.deepcopy(SCHEMAS),
                        "responses": copy.deepcopy(ERROR_RESPONSES)}
    if write_endpoints:
        for path, operations in WRITE_OPERATIONS.items():
            paths.setdefault(path, {}).update(copy.deepcopy(operations))
        components["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "The value of QA_ADMIN_TOKEN."}}
    else:
        for name in ("NewDocument", "IngestSummary"):
            del components["schemas"][name]
        del components["responses"]["Unauthorized"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Citation-first QA",
            "version": "1.0.0",
            "description": ("Answers questions over a document corpus, citing exact spans. "
                            'Every error is {"error": {"code", "message"}}.'),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components,
    }
