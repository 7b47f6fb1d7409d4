"""The chat page, driven in Debian's chromium through Playwright (no browser downloads)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from embeddings import FakeEncoder
from qa.app import create_app
from qa.models import Document
from qa.service import QAService

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
QUESTION = "MINUSMA Security Council resolution established"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def page_service(settings, seeds_dir) -> QAService:
    svc = QAService(settings, encoder=FakeEncoder())
    svc.ingest([seeds_dir])
    svc.put_document(Document(id="xss", text=f"{XSS} Zorblat treaty text here.", title="<b>x</b>"))
    return svc


@pytest.fixture
def base_url(page_service):
    app = create_app(service=page_service)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser():
    # CI installs Debian's chromium; its absence is a failure, not a skip.
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            yield b
        finally:
            b.close()


def ask(page, question: str) -> dict:
    """Type a question, press Enter, and return the /api/ask JSON the page received."""
    before = page.locator('[data-role="answer"]').count()
    with page.expect_response(lambda r: r.url.endswith("/api/ask")) as info:
        page.fill('[data-role="question"]', question)
        page.press('[data-role="question"]', "Enter")
    data = info.value.json()
    page.locator('[data-role="answer"]').nth(before).wait_for()
    return data


def open_citation(page, answer_locator, expected_quote: str):
    with page.expect_response(lambda r: "/api/documents/" in r.url):
        answer_locator.locator('[data-role="citation"]').first.click()
    panel = page.locator('[data-role="source-panel"]')
    panel.wait_for(state="visible")
    highlight = panel.locator('[data-role="highlight"]')
    highlight.wait_for()
    assert highlight.text_content() == expected_quote
    return panel


def test_chat_page(browser, base_url):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests, errors, dialogs = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto(base_url + "/")
    textarea = page.locator('[data-role="question"]')
    assert textarea.get_attribute("aria-label") == "Your question"

    # A question answered with a citation, its marker, its source card, its confidence.
    data = ask(page, QUESTION)
    assert data["abstained"] is False
    citation = data["answer"]["citations"][0]
    answer = page.locator('[data-role="answer"]').first
    marker = answer.locator('[data-role="citation"]').first
    assert marker.text_content() == "[1]"
    assert marker.get_attribute("aria-label") == "Source 1"
    assert answer.locator('[data-role="source-card"]').count() == len(data["answer"]["citations"])
    assert "confidence (" in answer.text_content()
    assert citation["quote"] in answer.text_content()

    # Clicking [1] opens the panel with the cited span highlighted exactly.
    panel = open_citation(page, answer, citation["quote"])
    page.screenshot(path=str(ARTIFACTS / "page.png"), full_page=False)
    panel.locator('button:has-text("Next passage")').click()
    assert panel.locator('[data-role="highlight"]').text_content() != citation["quote"]
    panel.locator('button:has-text("Previous passage")').click()
    panel.locator('button:has-text("Close")').click()
    panel.wait_for(state="hidden")

    # The thread survives a reload.
    page.reload()
    page.locator('[data-role="answer"]').first.wait_for()
    assert page.locator('[data-role="answer"]').count() == 1
    assert page.locator('[data-role="citation"]').first.text_content() == "[1]"

    # An abstention: the "don't answer" text, no source cards.
    data = ask(page, "zzqx wvvk")
    assert data["abstained"] is True
    last = page.locator('[data-role="answer"]').nth(1)
    assert "The documents don't answer this." in last.text_content()
    assert last.locator('[data-role="source-card"]').count() == 0
    assert last.locator('[data-role="citation"]').count() == 0

    # Hostile document text and title stay text.
    data = ask(page, "Zorblat treaty")
    xss_cite = next(c for c in data["answer"]["citations"] if c["document_id"] == "xss")
    xss_answer = page.locator('[data-role="answer"]').nth(2)
    assert xss_answer.locator("img").count() == 0
    panel = open_citation(page, xss_answer, xss_cite["quote"])
    assert XSS in panel.text_content()
    assert "<b>x</b>" in panel.text_content()
    assert panel.locator("img").count() == 0
    assert page.locator("img").count() == 0
    assert panel.locator("b").count() == 0

    # A 375px-wide view: the panel covers the screen.
    page.set_viewport_size({"width": 375, "height": 800})
    box = panel.bounding_box()
    assert box is not None and box["width"] >= 370
    page.screenshot(path=str(ARTIFACTS / "page-mobile-panel.png"))
    panel.locator('button:has-text("Close")').click()
    panel.wait_for(state="hidden")
    page.screenshot(path=str(ARTIFACTS / "page-mobile.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 376

    # A follow-up is resolved with the conversation the page sends as history.
    page.set_viewport_size({"width": 1280, "height": 900})
    ask(page, "What does MINUSMA stand for?")
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as sent:
        data = ask(page, "When was it established?")
    history = sent.value.post_data_json["history"]
    assert {"role": "user", "content": "What does MINUSMA stand for?"} in history
    assert data["abstained"] is False and "2013" in data["answer"]["text"]

    # Clear empties the thread, and it stays empty after a reload.
    page.click('[data-role="clear"]')
    assert page.locator('[data-role="answer"]').count() == 0
    page.reload()
    page.wait_for_load_state()
    assert page.locator('[data-role="answer"]').count() == 0

    assert dialogs == []
    assert errors == []
    assert requests and all(u.startswith(base_url + "/") for u in requests), requests
    context.close()
