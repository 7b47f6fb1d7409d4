"""The HTTP contract of DESIGN.md: shapes, validation, errors."""

import pytest

from embeddings import FakeEncoder
from qa.app import create_app
from qa.config import Settings
from qa.service import QAService


def ask(client, **body):
    return client.post("/api/ask", json=body)


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "documents": 5, "passages": r.get_json()["passages"],
                            "ready": True}
    assert r.get_json()["passages"] > 5
    r = client.get("/api/ready")
    assert r.status_code == 200 and r.get_json() == client.get("/api/health").get_json()


def test_liveness_and_readiness_differ_while_the_model_is_not_loaded(service):
    from embeddings import SentenceTransformerEncoder

    lazy = SentenceTransformerEncoder()  # loads only when first used; never used here
    client = create_app(service=QAService(service.settings, encoder=lazy)).test_client()
    r = client.get("/api/health")
    assert r.status_code == 200 and r.get_json()["ready"] is False
    assert r.get_json()["documents"] == 5  # the index is there; only the model is missing
    r = client.get("/api/ready")
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "not_ready"
    assert not lazy.loaded


def test_ask_shape_and_citation_exactness(client):
    r = ask(client, question="What does MINUSMA stand for, the stabilization mission in Mali?")
    assert r.status_code == 200
    data = r.get_json()
    assert set(data) == {"question", "abstained", "answer", "passages", "timings_ms"}
    assert set(data["timings_ms"]) >= {"embed", "search", "answer", "total"}
    assert 1 <= len(data["passages"]) <= 5
    first = data["passages"][0]
    assert set(first) == {"rank", "passage_id", "document_id", "title", "source", "url",
                          "published", "text", "start", "end", "score", "also_in"}
    assert [p["rank"] for p in data["passages"]] == list(range(1, len(data["passages"]) + 1))
    for p in data["passages"]:
        doc = client.get(f"/api/documents/{p['document_id']}").get_json()
        assert doc["text"][p["start"]:p["end"]] == p["text"]
    if not data["abstained"]:
        answer = data["answer"]
        assert 0 <= answer["confidence"] <= 1
        for c in answer["citations"]:
            assert f"[{c['marker']}]" in answer["text"]
            doc = client.get(f"/api/documents/{c['document_id']}").get_json()
            assert doc["text"][c["start"]:c["end"]] == c["quote"]


def test_search_top_k(client):
    r = client.post("/api/search", json={"query": "Gromyko ambassador", "top_k": 3})
    assert r.status_code == 200
    passages = r.get_json()["passages"]
    assert len(passages) == 3
    assert passages[0]["document_id"] == "003_5e3f855efd9ba80e"


def test_filters_restrict_documents(client):
    r = client.post("/api/search", json={"query": "Russia Mali cooperation", "top_k": 10,
                                         "filters": {"document_ids": ["004_6524d1073f47a933"]}})
    docs = {p["document_id"] for p in r.get_json()["passages"]}
    assert docs == {"004_6524d1073f47a933"}
    r = client.post("/api/search", json={"query": "Russia", "top_k": 10,
                                         "filters": {"sources": ["TASS"]}})
    assert {p["source"] for p in r.get_json()["passages"]} == {"TASS"}


@pytest.mark.parametrize("body,status", [
    ({}, 400),
    ({"question": ""}, 400),
    ({"question": "   \n\t"}, 400),
    ({"question": 42}, 400),
    ({"question": ["a"]}, 400),
    ({"question": "ok", "top_k": 0}, 400),
    ({"question": "ok", "top_k": 1000}, 400),
    ({"question": "ok", "top_k": "5"}, 400),
    ({"question": "ok", "top_k": True}, 400),
    ({"question": "ok", "history": "nope"}, 400),
    ({"question": "ok", "history": [{"role": "system", "content": "x"}]}, 400),
    ({"question": "ok", "filters": {"published_from": "yesterday"}}, 400),
    ({"question": "ok", "filters": {"colour": "red"}}, 400),
    ({"question": "ok", "surprise": 1}, 400),
    ({"question": "x" * 2001}, 400),
])
def test_ask_rejects_bad_fields(client, body, status):
    r = ask(client, **body)
    assert r.status_code == status
    err = r.get_json()["error"]
    assert err["code"] and err["message"]


@pytest.mark.parametrize("data,content_type,status", [
    (b"{not json", "application/json", 400),
    (b"null", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b'"a string"', "application/json", 400),
    (b"\xff\xfe invalid utf-8", "application/json", 400),
    (b"question=hi", "application/x-www-form-urlencoded", 415),
])
def test_ask_rejects_bad_bodies(client, data, content_type, status):
    r = client.post("/api/ask", data=data, content_type=content_type)
    assert r.status_code == status
    assert "error" in r.get_json()


def test_body_too_large_is_413(client):
    r = client.post("/api/ask", data=b'{"question": "' + b"a" * 1_100_000 + b'"}',
                    content_type="application/json")
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "payload_too_large"


def test_unknown_route_and_method(client):
    r = client.get("/api/nope")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.get("/api/ask")
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"


def test_control_characters_and_unicode_questions_answer_normally(client):
    for q in ["who\x00 is\x07 Gromyko?", "مالي و روسيا", "🇲🇱 Mali 🤝 Russia?", "a" * 1999]:
        r = ask(client, question=q)
        assert r.status_code == 200, q


def test_no_index_is_503_with_how_to_build(tmp_path):
    svc = QAService(Settings.from_env({}, index_dir=tmp_path / "empty"), encoder=FakeEncoder())
    client = create_app(service=svc).test_client()
    r = client.post("/api/ask", json={"question": "hello?"})
    assert r.status_code == 503
    assert "qa ingest" in r.get_json()["error"]["message"]
    # Alive (an orchestrator must not restart it for this), but not ready.
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "documents": 0, "passages": 0, "ready": False}
    r = client.get("/api/ready")
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "index_not_ready"
    assert "qa ingest" in r.get_json()["error"]["message"]


def test_passage_and_documents_lookup(client):
    listing = client.get("/api/documents?limit=2").get_json()
    assert listing["total"] == 5 and len(listing["documents"]) == 2
    doc_id = listing["documents"][0]["id"]
    doc = client.get(f"/api/documents/{doc_id}").get_json()
    first = doc["passages"][0]
    p = client.get(f"/api/passages/{first['passage_id']}").get_json()
    assert doc["text"][p["start"]:p["end"]] == p["text"]
    assert p["document"]["id"] == doc_id and p["previous_id"] is None
    assert p["next_id"] == doc["passages"][1]["passage_id"]
    assert client.get("/api/passages/p_doesnotexist").status_code == 404
    assert client.get("/api/documents/no/such/doc").status_code == 404
    assert client.get("/api/documents?limit=abc").status_code == 400


def test_errors_never_leak_internals(app, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("/secret/path sqlite3 SELECT")

    monkeypatch.setattr(app.extensions["qa_service"], "ask", boom)
    app.config["TESTING"] = False
    r = app.test_client().post("/api/ask", json={"question": "hi"})
    assert r.status_code == 500
    assert "secret" not in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_security_headers_on_page(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_write_endpoints_absent_without_token(client):
    assert client.post("/api/documents", json={"id": "x", "text": "y"}).status_code == 405
    assert client.delete("/api/documents/000_f934f30f3e1dab9e").status_code == 405


def test_write_endpoints_with_token(service):
    from dataclasses import replace

    service.settings = replace(service.settings, admin_token="s3cret")
    client = create_app(service=service).test_client()
    body = {"id": "notes/extra", "title": "Extra", "text": "The Zorblat treaty was signed in 1999."}
    assert client.post("/api/documents", json=body).status_code == 401
    assert client.post("/api/documents", json=body,
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    auth = {"Authorization": "Bearer s3cret"}
    r = client.post("/api/documents", json=body, headers=auth)
    assert r.status_code == 201
    hits = client.post("/api/search", json={"query": "Zorblat treaty"}).get_json()["passages"]
    assert hits[0]["document_id"] == "notes/extra"
    assert client.get("/api/documents/notes/extra").get_json()["title"] == "Extra"
    assert client.delete("/api/documents/notes/extra", headers=auth).status_code == 200
    assert client.get("/api/documents/notes/extra").status_code == 404
    assert client.post("/api/documents", json={**body, "id": "../etc"}, headers=auth).status_code == 400


def test_cors_off_by_default_and_allow_list(service):
    from dataclasses import replace

    client = create_app(service=service).test_client()
    r = client.get("/api/health", headers={"Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in r.headers
    service.settings = replace(service.settings, cors_origins=("https://example.org",))
    client = create_app(service=service).test_client()
    assert client.get("/api/health", headers={"Origin": "https://example.org"}
                      ).headers["Access-Control-Allow-Origin"] == "https://example.org"
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/health", headers={"Origin": "https://evil.example"}).headers


def test_answer_json_is_the_shape_asdict_gives_with_lists_of_its_own(service):
    from dataclasses import asdict

    from qa import responses

    result = service.ask("Who is the Russian ambassador to Mali, Igor Gromyko?")
    shaped = responses.ask_json(result)
    assert result.answer is not None
    assert shaped["answer"] == asdict(result.answer)
    assert shaped["passages"] == [asdict(h) for h in result.passages]
    # Copies, not the service's own lists: shaping must not alias what it was given.
    shaped["passages"][0]["also_in"].append("x")
    shaped["answer"]["citations"].clear()
    assert "x" not in result.passages[0].also_in and result.answer.citations
