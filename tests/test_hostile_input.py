"""Hostile or odd input at the HTTP edge: every case gets a JSON error or a normal answer,
never a 5xx, a stack trace or a path of the server's filesystem."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from embeddings import FakeEncoder
from qa.app import create_app
from qa.config import Settings
from qa.service import QAService
from qa.store import CURRENT_NAME, DB_NAME, VECTORS_NAME, require_generation


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One index for the tests that only read: (client, the directory it lives in)."""
    from conftest import SEEDS

    root = tmp_path_factory.mktemp("hostile")
    svc = QAService(Settings.from_env({}, index_dir=root / "index"), encoder=FakeEncoder())
    svc.ingest([SEEDS])
    return create_app(service=svc).test_client(), root


def assert_clean(r, tmp_path, status=None):
    """The response is JSON, has the expected status, and names nothing internal."""
    text = r.get_data(as_text=True)
    assert r.status_code < 500 or r.status_code == 503, (r.status_code, text)
    if status is not None:
        assert r.status_code == status, (r.status_code, text)
    body = r.get_json()
    assert body is not None, text
    if r.status_code >= 400:
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    for leak in (str(tmp_path), "Traceback", "sqlite", "SELECT", ".py", "faiss"):
        assert leak not in text, (leak, text)
    return body


RAW_BODIES = [
    # (what, body bytes, content type, expected status)
    ("JSON null", b"null", "application/json", 400),
    ("a list", b'[{"question": "Mali?"}]', "application/json", 400),
    ("a string", b'"Who is the ambassador?"', "application/json", 400),
    ("a number", b"42", "application/json", 400),
    ("truncated JSON", b'{"question": "Mali', "application/json", 400),
    ("invalid UTF-8", b'{"question": "Mali \xff\xfe army"}', "application/json", 400),
    ("UTF-16 (read, as Python's json does)", '{"question": "Mali"}'.encode("utf-16"),
     "application/json", None),
    ("deeply nested", b'{"question": "q", "filters": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     "application/json", 400),
    ("deeply nested history", b'{"question": "q", "history": ' + b'{"a":' * 5000 + b"1"
     + b"}" * 5000 + b"}", "application/json", 400),
    ("form body", b"question=Mali", "application/x-www-form-urlencoded", 415),
    ("text body", b"Mali?", "text/plain", 415),
    ("no content type", b'{"question": "Mali?"}', None, 415),
    ("empty body", b"", "application/json", 400),
    ("over the body limit", b'{"question": "' + b"a" * 1_000_001 + b'"}', "application/json", 413),
]


@pytest.mark.parametrize("path", ["/api/ask", "/api/search", "/api/cite"])
@pytest.mark.parametrize("what,data,content_type,status", RAW_BODIES,
                         ids=[c[0] for c in RAW_BODIES])
def test_malformed_bodies_get_a_json_error(shared, path, what, data, content_type,
                                           status):
    client, tmp_path = shared
    if path != "/api/ask":
        data = data.replace(b'"question"', b'"query"' if path == "/api/search" else b'"text"')
    kwargs = {"content_type": content_type} if content_type else {}
    assert_clean(client.post(path, data=data, **kwargs), tmp_path, status)


@pytest.mark.parametrize("size,status", [(3_000, 400), (2_000_000, 413)])
def test_a_chunked_body_is_held_to_the_limit(shared, size, status):
    """No Content-Length: a real server ends the stream, which Werkzeug cuts at the
    limit instead of refusing; the API must still answer 413, not 'bad JSON'."""
    import http.client
    import threading

    from werkzeug.serving import make_server

    client, tmp_path = shared
    server = make_server("127.0.0.1", 0, client.application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        body = [b'{"question": "', *[b"a" * 1000] * (size // 1000), b'"}']
        conn.request("POST", "/api/ask", body=iter(body), encode_chunked=True,
                     headers={"Content-Type": "application/json",
                              "Transfer-Encoding": "chunked"})
        response = conn.getresponse()
        out = json.loads(response.read())
        conn.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert response.status == status, out
    assert ("longer than 2000" in out["error"]["message"] if status == 400
            else out["error"]["code"] == "payload_too_large"), out


ASK_FIELDS = [
    # question length: 2000 characters is the limit (QA_MAX_QUESTION_CHARS)
    ({"question": "a" * 2000}, 200),
    ({"question": "a" * 2001}, 400),
    ({"question": "Mali " * 399 + "army"}, 200),
    # top_k: 1..50 (QA_MAX_TOP_K); JSON's 5.0 is the integer 5
    ({"question": "Mali", "top_k": 1}, 200),
    ({"question": "Mali", "top_k": 50}, 200),
    ({"question": "Mali", "top_k": 5.0}, 200),
    ({"question": "Mali", "top_k": 0}, 400),
    ({"question": "Mali", "top_k": -1}, 400),
    ({"question": "Mali", "top_k": 51}, 400),
    ({"question": "Mali", "top_k": 10**30}, 400),
    ({"question": "Mali", "top_k": 2.5}, 400),
    ({"question": "Mali", "top_k": "5"}, 400),
    ({"question": "Mali", "top_k": [5]}, 400),
    ({"question": "Mali", "top_k": False}, 400),
    ({"question": "Mali", "top_k": None}, 200),
    # control characters, NUL, lone surrogates, huge words, emoji, right-to-left text
    ({"question": "who\x00 is\x07 the\x1b ambassador\x7f?"}, 200),
    ({"question": "\x00\x01\x02"}, 400),
    ({"question": "Mali \ud800 army \udfff"}, 200),
    ({"question": "a" * 100_000}, 400),
    ({"question": "x" * 1999}, 200),
    ({"question": "🇲🇱 Mali 🤝 Russia? 👩🏽‍✈️"}, 200),
    ({"question": "من هو سفير روسيا في مالي؟"}, 200),
    ({"question": "\u202eMali\u202c \u200f\u200b\ufeff army"}, 200),
    ({"question": "Ma\u0301li\u0308 ｍａｌｉ"}, 200),
    # wrong types
    ({"question": None}, 400),
    ({"question": 42}, 400),
    ({"question": {"text": "Mali"}}, 400),
    ({"question": ["Mali"]}, 400),
    ({"question": True}, 400),
    # unknown fields
    ({"question": "Mali", "questions": "x"}, 400),
    ({"question": "Mali", "__proto__": {}}, 400),
    # history: a list of {role, content}
    ({"question": "Mali", "history": []}, 200),
    ({"question": "Mali", "history": None}, 200),
    ({"question": "Mali", "history": [{"role": "user", "content": "Russia\x00?"}]}, 200),
    ({"question": "Mali", "history": [{"role": "user", "content": "q"}] * 500}, 200),
    ({"question": "Mali", "history": {"role": "user", "content": "x"}}, 400),
    ({"question": "Mali", "history": "Russia"}, 400),
    ({"question": "Mali", "history": [None]}, 400),
    ({"question": "Mali", "history": [["user", "x"]]}, 400),
    ({"question": "Mali", "history": [{"role": "system", "content": "x"}]}, 400),
    ({"question": "Mali", "history": [{"role": "user", "content": 3}]}, 400),
    ({"question": "Mali", "history": [{"role": "user"}]}, 400),
    ({"question": "Mali", "history": [{"role": ["user"], "content": "x"}]}, 400),
    ({"question": "Mali", "history": [42] + [{"role": "user", "content": "q"}] * 30}, 400),
    # filters: an object of lists of strings and dates
    ({"question": "Mali", "filters": None}, 200),
    ({"question": "Mali", "filters": {}}, 200),
    ({"question": "Mali", "filters": {"document_ids": []}}, 200),
    ({"question": "Mali", "filters": {"document_ids": ["\udc00", "x\x00"]}}, 200),
    ({"question": "Mali", "filters": {"sources": ["TASS"], "published_from": "2020-01-01"}}, 200),
    ({"question": "Mali", "filters": []}, 400),
    ({"question": "Mali", "filters": "TASS"}, 400),
    ({"question": "Mali", "filters": {"document_ids": "a"}}, 400),
    ({"question": "Mali", "filters": {"document_ids": [1, 2]}}, 400),
    ({"question": "Mali", "filters": {"document_ids": [["a"]]}}, 400),
    ({"question": "Mali", "filters": {"sources": ["s"] * 1001}}, 400),
    ({"question": "Mali", "filters": {"published_from": "2024-02-30"}}, 400),
    ({"question": "Mali", "filters": {"published_to": 20240101}}, 400),
    ({"question": "Mali", "filters": {"colour": ["red"]}}, 400),
]


@pytest.mark.parametrize("body,status", ASK_FIELDS, ids=range(len(ASK_FIELDS)))
def test_ask_fields_are_checked(shared, body, status):
    client, tmp_path = shared
    data = json.dumps(body).encode()  # ensure_ascii: lone surrogates travel as \\udXXX
    r = client.post("/api/ask", data=data, content_type="application/json")
    out = assert_clean(r, tmp_path, status)
    if status == 200:
        assert set(out) == {"question", "abstained", "answer", "passages", "timings_ms"}
        assert len(out["passages"]) <= (body.get("top_k") or 5)
        assert "\x00" not in out["question"] and "\ud800" not in out["question"]


@pytest.mark.parametrize("path,field", [("/api/search", "query"), ("/api/cite", "text")])
def test_search_and_cite_fields_are_checked(shared, path, field):
    client, tmp_path = shared
    cases = [({field: "a" * 2000}, 200), ({field: "a" * 2001}, 400), ({field: ""}, 400),
             ({field: "\x00 \t"}, 400), ({field: "Mali\x00 \ud800 🤝 مالي"}, 200),
             ({field: 7}, 400), ({field: None}, 400), ({}, 400), ({field: "x", "extra": 1}, 400)]
    if path == "/api/search":
        cases += [({field: "x", "top_k": 0}, 400), ({field: "x", "top_k": 51}, 400),
                  ({field: "x", "filters": {"sources": "TASS"}}, 400)]
    for body, status in cases:
        r = client.post(path, data=json.dumps(body), content_type="application/json")
        assert_clean(r, tmp_path, status)


@pytest.mark.parametrize("query,status", [
    ("", 200), ("?offset=0&limit=1", 200), ("?limit=500", 200), ("?offset=1000000000", 200),
    ("?limit=0", 400), ("?limit=501", 400), ("?offset=-1", 400), ("?offset=", 400),
    ("?limit=abc", 400), ("?limit=1e3", 400), ("?limit=%EF%BC%95", 400), ("?limit=5_0", 400),
    ("?offset=" + "9" * 5000, 400), ("?limit=%00", 400), ("?limit=1&limit=2", 200),
])
def test_document_listing_parameters_are_checked(shared, query, status):
    client, tmp_path = shared
    assert_clean(client.get("/api/documents" + query), tmp_path, status)


# -- ids: no path traversal ------------------------------------------------------------

TRAVERSALS = ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd",
              "..\\..\\windows\\win.ini", "/etc/passwd", "%2Fetc%2Fpasswd", "a/../../b",
              "....//....//etc/passwd", "%252e%252e%252f", "x%00.txt", "..", "."]


@pytest.mark.parametrize("ident", TRAVERSALS)
def test_ids_cannot_reach_files(shared, ident):
    client, tmp_path = shared
    for path in (f"/api/passages/{ident}", f"/api/documents/{ident}"):
        r = client.get(path)
        assert r.status_code in (404, 405, 308), (path, r.status_code)
        if r.status_code != 308:
            assert_clean(r, tmp_path)
        assert b"root:" not in r.data and b"[fonts]" not in r.data
    r = client.get(f"/static/{ident}", follow_redirects=True)  # '//' redirects to '/'
    assert r.status_code == 404 and b"root:" not in r.data


BAD_DOCUMENT_IDS = ["../etc", "a/../../b", "/abs", "a//b", "a/", ".", "..", ".hidden", "a/./b",
                    "a\\..\\b", "x" * 301, "", "  ", " a", "a\x00b", "a\nb", "a%2Fb", "a?b", "a#b"]


def test_write_refuses_ids_that_are_not_plain_names(service, tmp_path):
    service.settings = dataclasses.replace(service.settings, admin_token="s3cret")
    client = create_app(service=service).test_client()
    before = service.health()
    for doc_id in BAD_DOCUMENT_IDS:
        r = client.post("/api/documents", json={"id": doc_id, "text": "A document about Mali."},
                        headers={"Authorization": "Bearer s3cret"})
        assert_clean(r, tmp_path, 400)
    assert service.health() == before


def test_write_accepts_plain_nested_ids_and_checks_its_fields(service, tmp_path):
    service.settings = dataclasses.replace(service.settings, admin_token="s3cret")
    client = create_app(service=service).test_client()
    auth = {"Authorization": "Bearer s3cret"}
    good = {"id": "notes/2024/Ségou report (v2)", "text": "The Ségou report is new.",
            "title": "", "published": "2024-02-29"}
    r = client.post("/api/documents", json=good, headers=auth)
    assert_clean(r, tmp_path, 201)
    assert client.get("/api/documents/notes/2024/Ségou report (v2)").get_json()["published"] \
        == "2024-02-29"
    word = "Zorblat" * 14_286  # a 100,002-character word, in a document (not a question)
    r = client.post("/api/documents", json={"id": "long-word", "text": f"It says {word}."},
                    headers=auth)
    assert_clean(r, tmp_path, 201)
    assert word in client.get("/api/documents/long-word").get_json()["text"]
    for question in (word[:2000], "What does it say?"):
        assert_clean(client.post("/api/ask", json={"question": question}), tmp_path, 200)
    for bad in ({**good, "published": "2024-02-30"}, {**good, "published": "soon"},
                {**good, "text": "https://example.org/only-a-link"},  # nothing but debris
                {**good, "text": "x" * 5_000_001}, {**good, "title": 5}, {**good, "id": 5},
                {"id": "x"}, {**good, "extra": True}):
        r = client.post("/api/documents", data=json.dumps(bad), content_type="application/json",
                        headers=auth)
        assert r.status_code in (400, 413), bad
        assert_clean(r, tmp_path)


# -- no internal detail in any response -------------------------------------------------

def _break(index_dir, how):
    gen = require_generation(index_dir)
    if how == "no index":
        shutil.rmtree(index_dir)
    elif how == "vectors truncated":
        data = (gen / VECTORS_NAME).read_bytes()
        (gen / VECTORS_NAME).write_bytes(data[: len(data) // 2])
    elif how == "database garbage":
        (gen / DB_NAME).write_bytes(b"not a database at all" * 100)
    elif how == "CURRENT names nothing":
        (index_dir / CURRENT_NAME).write_text("gen-999999\n")


@pytest.mark.parametrize("how", ["no index", "vectors truncated", "database garbage",
                                 "CURRENT names nothing"])
def test_index_errors_over_http_name_no_path(service, tmp_path, how, caplog):
    _break(service.index_dir, how)
    fresh = QAService(service.settings, encoder=FakeEncoder())
    client = create_app(service=fresh).test_client()
    for r in (client.get("/api/ready"), client.post("/api/ask", json={"question": "Mali?"}),
              client.get("/api/documents"), client.post("/api/cite", json={"text": "Mali"})):
        body = assert_clean(r, tmp_path, 503)
        assert "qa ingest" in body["error"]["message"]
        assert body["error"]["code"] == ("index_not_ready" if how == "no index" else "index_corrupt")
    assert assert_clean(client.get("/api/health"), tmp_path, 200)["ready"] is False
    # The operator still learns which file: the log keeps the detail.
    logged = " ".join(rec.getMessage() for rec in caplog.records)
    assert str(service.index_dir) in logged


def test_security_headers_and_cors(service, client):
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "'unsafe-inline'" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    html = page.get_data(as_text=True)
    assert "<script>" not in html and " on" + "click=" not in html  # no inline script to allow
    for r in (client.get("/api/health"), client.get("/api/nope"),
              client.post("/api/ask", data=b"x", content_type="text/plain")):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Origin" not in r.headers
    r = client.options("/api/ask", headers={"Origin": "https://evil.example",
                                            "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in r.headers

    service.settings = dataclasses.replace(service.settings, cors_origins=("https://ok.example",))
    allowed = create_app(service=service).test_client()
    r = allowed.get("/api/health", headers={"Origin": "https://ok.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://ok.example"
    assert r.headers["Vary"] == "Origin"
    for origin in ("https://evil.example", "https://ok.example.evil.example", "null", "*"):
        r = allowed.get("/api/health", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in r.headers, origin


def test_write_endpoints_absent_without_token_and_refuse_a_wrong_one(service, tmp_path):
    body = {"id": "x", "text": "A document about Mali."}
    plain = create_app(service=service).test_client()
    for r in (plain.post("/api/documents", json=body, headers={"Authorization": "Bearer x"}),
              plain.delete("/api/documents/000_f934f30f3e1dab9e",
                           headers={"Authorization": "Bearer x"})):
        assert_clean(r, tmp_path, 405)  # the route exists only for GET
    assert "post" not in plain.get("/api/openapi.json").get_json()["paths"]["/api/documents"]

    service.settings = dataclasses.replace(service.settings, admin_token="s3cret")
    admin = create_app(service=service).test_client()
    before = service.health()
    for header in (None, "Bearer", "Bearer ", "Bearer s3cre", "Bearer s3cret ", "bearer s3cret",
                   "Basic czNjcmV0", "s3cret", "Bearer S3CRET", "Bearer s3cret\x00"):
        headers = {"Authorization": header} if header is not None else {}
        for r in (admin.post("/api/documents", json=body, headers=headers),
                  admin.delete("/api/documents/000_f934f30f3e1dab9e", headers=headers)):
            out = assert_clean(r, tmp_path, 401)
            assert out["error"]["code"] == "unauthorized" and "s3cret" not in r.get_data(as_text=True)
    assert service.health() == before
