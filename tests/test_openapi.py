"""/api/openapi.json: a valid OpenAPI 3.1 document, and every real response conforms to it."""

from __future__ import annotations

import dataclasses
import re

import pytest

from embeddings import FakeEncoder
from qa import openapi
from qa.app import create_app
from qa.config import Settings
from qa.service import QAService

# -- a tiny JSON Schema validator for the subset the spec uses ---------------------

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def resolve(doc: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def errors(doc: dict, schema: dict, value, path: str = "$") -> list[str]:
    """Why ``value`` does not conform to ``schema`` (empty when it does)."""
    if "$ref" in schema:
        return errors(doc, resolve(doc, schema["$ref"]), value, path)
    if "oneOf" in schema:
        passing = [s for s in schema["oneOf"] if not errors(doc, s, value, path)]
        if len(passing) != 1:
            return [f"{path}: matches {len(passing)} of oneOf, not exactly 1"]
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            return [f"{path}: {value!r:.60} is not of type {types}"]
    out: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1e18):
            out.append(f"{path}: string length {len(value)} out of bounds")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if _TYPES["number"](value):
        if value < schema.get("minimum", float("-inf")) or value > schema.get("maximum", float("inf")):
            out.append(f"{path}: {value} out of [{schema.get('minimum')}, {schema.get('maximum')}]")
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", float("inf")):
            out.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                out += errors(doc, schema["items"], item, f"{path}[{i}]")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                out.append(f"{path}: missing required '{name}'")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                out += errors(doc, properties[name], item, f"{path}.{name}")
            elif extra is False:
                out.append(f"{path}: unexpected property '{name}'")
            elif isinstance(extra, dict):
                out += errors(doc, extra, item, f"{path}.{name}")
    return out


def response_schema(doc: dict, path: str, method: str, status: int) -> dict:
    operation = doc["paths"][path][method.lower()]
    assert str(status) in operation["responses"], f"{method} {path} does not document {status}"
    response = operation["responses"][str(status)]
    if "$ref" in response:
        response = resolve(doc, response["$ref"])
    return response["content"]["application/json"]["schema"]


def assert_conforms(doc: dict, response, path: str, method: str, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert body is not None, "the response is not JSON"
    problems = errors(doc, response_schema(doc, path, method, status), body)
    assert not problems, (method, path, status, problems)


# -- 1. the document itself ---------------------------------------------------------

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def all_refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from all_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_refs(value)


@pytest.mark.parametrize("write_endpoints", [False, True])
def test_spec_is_structurally_valid_openapi(write_endpoints):
    doc = openapi.spec(write_endpoints)
    try:
        from openapi_spec_validator import validate
    except ImportError:
        validate = None
    if validate is not None:
        validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] and doc["info"]["version"]
    for path, item in doc["paths"].items():
        assert path.startswith("/api/") or path == "/metrics"
        operations = {m: op for m, op in item.items() if m in HTTP_METHODS}
        assert operations, path
        for method, op in operations.items():
            assert op["responses"], (method, path)
            for status in op["responses"]:
                assert re.fullmatch(r"[1-5]\d\d", status), (method, path, status)
            templated = set(re.findall(r"\{(\w+)\}", path))
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert templated == declared, (method, path)
    refs = list(all_refs(doc))
    assert refs
    for ref in refs:
        resolve(doc, ref)
    # Every named schema in the brief is there, and the error shape is the contract's.
    for name in ("Ask", "Answer", "Citation", "Hit", "PassageDetail", "Document",
                 "DocumentList", "CiteMatch", "Health", "Error"):
        assert name in doc["components"]["schemas"], name
    assert not errors(doc, {"$ref": "#/components/schemas/Error"},
                      {"error": {"code": "x", "message": "y"}})
    assert errors(doc, {"$ref": "#/components/schemas/Error"}, {"error": "x"})


def test_spec_is_json_serialisable_and_independent():
    import json

    a = openapi.spec(False)
    json.dumps(a)
    a["paths"].clear()
    assert openapi.spec(False)["paths"], "spec() must return a fresh copy"


def test_request_schemas_carry_the_constraints():
    doc = openapi.spec(False)
    ask = {"$ref": "#/components/schemas/Ask"}
    good = {"question": "Who?", "top_k": 50,
            "history": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}],
            "filters": {"document_ids": ["a"], "sources": ["TASS"],
                        "published_from": "2024-01-01", "published_to": "2024-12-31"}}
    assert not errors(doc, ask, good)
    for bad in ({"question": "a" * 2001}, {"question": "q", "top_k": 0},
                {"question": "q", "top_k": 51}, {"question": "q", "top_k": True},
                {"question": "q", "history": [{"role": "system", "content": "x"}]},
                {"question": "q", "filters": {"colour": "red"}},
                {"question": "q", "filters": {"published_from": "2024"}},
                {"question": "q", "extra": 1}, {}):
        assert errors(doc, ask, bad), bad
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/documents"]["get"]["parameters"]}
    assert params["limit"]["maximum"] == 500 and params["offset"]["minimum"] == 0


# -- 2. real responses conform -------------------------------------------------------

@pytest.fixture
def doc(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    assert r.get_json() == openapi.spec(write_endpoints=False)
    return r.get_json()


def post(client, path, body):
    return client.post(path, json=body)


def test_read_endpoints_conform(client, doc):
    check = lambda r, path, method, status: assert_conforms(doc, r, path, method, status)  # noqa: E731

    check(client.get("/api/health"), "/api/health", "GET", 200)
    check(client.get("/api/ready"), "/api/ready", "GET", 200)
    check(client.get("/api/openapi.json"), "/api/openapi.json", "GET", 200)

    r = post(client, "/api/ask", {"question": "What does MINUSMA stand for?", "top_k": 3,
                                  "history": [{"role": "user", "content": "Mali?"}]})
    check(r, "/api/ask", "POST", 200)
    hits = r.get_json()["passages"]
    assert hits

    r = post(client, "/api/ask", {"question": "Mali", "filters": {"sources": ["TASS"],
                                                                 "published_from": "2000-01-01"}})
    check(r, "/api/ask", "POST", 200)

    r = post(client, "/api/search", {"query": "Russia and Mali", "top_k": 2})
    check(r, "/api/search", "POST", 200)
    assert r.get_json()["passages"]

    r = client.get(f"/api/passages/{hits[0]['passage_id']}")
    check(r, "/api/passages/{passage_id}", "GET", 200)
    check(client.get("/api/passages/p_doesnotexist"), "/api/passages/{passage_id}", "GET", 404)

    r = client.get("/api/documents?offset=1&limit=2")
    check(r, "/api/documents", "GET", 200)
    doc_id = r.get_json()["documents"][0]["id"]
    check(client.get("/api/documents"), "/api/documents", "GET", 200)
    check(client.get("/api/documents?limit=abc"), "/api/documents", "GET", 400)
    check(client.get("/api/documents?limit=501"), "/api/documents", "GET", 400)

    r = client.get(f"/api/documents/{doc_id}")
    check(r, "/api/documents/{document_id}", "GET", 200)
    text = r.get_json()["text"]
    check(client.get("/api/documents/no/such/doc"), "/api/documents/{document_id}", "GET", 404)

    r = post(client, "/api/cite", {"text": text[10:120]})
    check(r, "/api/cite", "POST", 200)
    assert r.get_json()["matches"]
    check(post(client, "/api/cite", {"text": "zzqx unrelated words nowhere"}), "/api/cite",
          "POST", 200)


def test_abstaining_ask_conforms(client, doc, service):
    service.settings = dataclasses.replace(service.settings, abstain_below=2.0)
    r = post(client, "/api/ask", {"question": "What is the airspeed of a swallow?"})
    assert_conforms(doc, r, "/api/ask", "POST", 200)
    assert r.get_json()["abstained"] is True and r.get_json()["answer"] is None


@pytest.mark.parametrize("path", ["/api/ask", "/api/search", "/api/cite"])
def test_bad_bodies_conform(client, doc, path):
    field = {"/api/ask": "question", "/api/search": "query", "/api/cite": "text"}[path]
    cases = [
        (dict(data=b"{not json", content_type="application/json"), 400),
        (dict(data=b"null", content_type="application/json"), 400),
        (dict(json=[1, 2]), 400),
        (dict(json={}), 400),
        (dict(json={field: "a" * 2001}), 400),
        (dict(json={field: "ok", "nope": 1}), 400),
        (dict(data=b"question=hi", content_type="application/x-www-form-urlencoded"), 415),
        (dict(data=b'{"' + field.encode() + b'": "' + b"a" * 1_100_000 + b'"}',
              content_type="application/json"), 413),
    ]
    if path != "/api/cite":
        cases += [(dict(json={field: "ok", "top_k": 0}), 400),
                  (dict(json={field: "ok", "filters": {"published_to": "soon"}}), 400)]
    for kwargs, status in cases:
        assert_conforms(doc, client.post(path, **kwargs), path, "POST", status)
    assert_conforms(doc, client.get(path), path, "POST", 405)


def test_method_not_allowed_and_unknown_route_conform(client, doc):
    assert_conforms(doc, client.get("/api/ask"), "/api/ask", "POST", 405)
    assert_conforms(doc, client.post("/api/health"), "/api/health", "GET", 405)
    assert_conforms(doc, client.delete("/api/documents/x"), "/api/documents/{document_id}",
                    "GET", 405)
    r = client.get("/api/nope")
    assert r.status_code == 404
    assert not errors(doc, {"$ref": "#/components/schemas/Error"}, r.get_json())
    assert "/api/nope" not in doc["paths"]


def test_no_index_and_internal_errors_conform(tmp_path, app, monkeypatch):
    svc = QAService(Settings.from_env({}, index_dir=tmp_path / "empty"), encoder=FakeEncoder())
    client = create_app(service=svc).test_client()
    doc = client.get("/api/openapi.json").get_json()
    assert_conforms(doc, client.get("/api/health"), "/api/health", "GET", 200)
    assert_conforms(doc, client.get("/api/ready"), "/api/ready", "GET", 503)
    assert_conforms(doc, client.post("/api/ready"), "/api/ready", "GET", 405)
    assert client.get("/api/health").get_json()["ready"] is False
    assert_conforms(doc, post(client, "/api/ask", {"question": "hi"}), "/api/ask", "POST", 503)
    assert_conforms(doc, post(client, "/api/search", {"query": "hi"}), "/api/search", "POST", 503)
    assert_conforms(doc, client.get("/api/documents"), "/api/documents", "GET", 503)

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(app.extensions["qa_service"], "ask", boom)
    app.config["TESTING"] = False
    r = app.test_client().post("/api/ask", json={"question": "hi"})
    assert_conforms(openapi.spec(False), r, "/api/ask", "POST", 500)


def test_metrics_is_documented_as_prometheus_text(client, doc):
    operation = doc["paths"]["/metrics"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"text/plain"}
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert "# TYPE qa_requests_total counter" in r.get_data(as_text=True)
    assert_conforms(doc, client.post("/metrics"), "/metrics", "GET", 405)


def test_ready_schema_rejects_a_service_that_is_not_ready(doc):
    ready = {"$ref": "#/components/schemas/Ready"}
    body = {"status": "ok", "documents": 1, "passages": 2, "ready": True}
    assert not errors(doc, ready, body)
    assert errors(doc, ready, {**body, "ready": False})
    assert not errors(doc, {"$ref": "#/components/schemas/Health"}, {**body, "ready": False})


# -- 3. write endpoints appear only with an admin token -------------------------------

def test_write_endpoints_only_with_admin_token(client, service):
    without = client.get("/api/openapi.json").get_json()
    assert "post" not in without["paths"]["/api/documents"]
    assert "delete" not in without["paths"]["/api/documents/{document_id}"]
    assert "securitySchemes" not in without["components"]
    assert not [r for r in all_refs(without) if "Unauthorized" in r or "IngestSummary" in r]

    service.settings = dataclasses.replace(service.settings, admin_token="t")
    admin = create_app(service=service).test_client()
    doc = admin.get("/api/openapi.json").get_json()
    assert doc == openapi.spec(write_endpoints=True)
    put = doc["paths"]["/api/documents"]["post"]
    delete = doc["paths"]["/api/documents/{document_id}"]["delete"]
    assert put["security"] == [{"bearer": []}] and delete["security"] == [{"bearer": []}]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "get" in doc["paths"]["/api/documents"]  # the reads are still there
    for path in ("/api/documents", "/api/documents/{document_id}"):
        for resolved in doc["paths"][path].values():
            for ref in all_refs(resolved):
                resolve(doc, ref)

    auth = {"Authorization": "Bearer t"}
    body = {"id": "extra/one", "title": "Extra", "text": "A new document about Timbuktu. " * 5,
            "published": "2024-01-02"}
    assert not errors(doc, put["requestBody"]["content"]["application/json"]["schema"], body)
    assert_conforms(doc, admin.post("/api/documents", json=body), "/api/documents", "POST", 401)
    assert_conforms(doc, admin.post("/api/documents", json=body,
                                    headers={"Authorization": "Bearer wrong"}),
                    "/api/documents", "POST", 401)
    assert_conforms(doc, admin.post("/api/documents", json={"id": "x"}, headers=auth),
                    "/api/documents", "POST", 400)
    assert_conforms(doc, admin.post("/api/documents", json=body, headers=auth),
                    "/api/documents", "POST", 201)
    assert_conforms(doc, admin.delete("/api/documents/extra/one"),
                    "/api/documents/{document_id}", "DELETE", 401)
    assert_conforms(doc, admin.delete("/api/documents/extra/one", headers=auth),
                    "/api/documents/{document_id}", "DELETE", 200)
    r = admin.delete("/api/documents/extra/one", headers=auth)
    assert_conforms(doc, r, "/api/documents/{document_id}", "DELETE", r.status_code)
