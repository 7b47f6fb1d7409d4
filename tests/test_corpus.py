"""Corpus loading: seed metadata, debris cleaning, and every bad-input rule."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qa import corpus
from qa.corpus import (
    MAX_FILE_BYTES,
    CorpusLoad,
    clean_text,
    document_from_record,
    document_from_text,
    load_corpus,
)
from qa.errors import CorpusError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def seeds() -> CorpusLoad:
    return load_corpus([SEEDS])


def by_id(load: CorpusLoad) -> dict:
    return {doc.id: doc for doc in load.documents}


def reasons(load: CorpusLoad) -> dict[str, str]:
    return {Path(s.source).name: s.reason for s in load.skipped}


def squash(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- seeds

SEED_METADATA = {
    "000_f934f30f3e1dab9e": {
        "title": "The Malian government in its fight against a coalition of terrorists regained control "
        "of almost all of the country’s territory thanks to…",
        "source": "TASS",
        "url": None,
        "published": "2024-08-21",
    },
    "001_131bbf5fad53bf7e": {
        "title": "Mali has been able to establish independent aerial combat capacity and start a "
        "counteroffensive against terrorists thanks to security…",
        "source": "UrduPoint News / Sputnik",
        "url": None,
        "published": "2022-05-23",
    },
    "002_dd5091768ef40962": {
        "title": "Mali's Foreign Minister Says Security Cooperation With Russia Giving 'Impressive Results'",
        "source": "Sputnik",
        "url": "https://sputniknews.com/20220523/malis-foreign-minister-says-security-cooperation-"
        "with-russia-giving-impressive-results-1095715497.html",
        "published": "2022-05-23",
    },
    "003_5e3f855efd9ba80e": {
        "title": "“We have a partnership based on mutual respect between the two countries,” says Igor "
        "Gromyko, Ambassador of the Russian Federation in Mali",
        "source": None,
        "url": None,
        "published": None,
    },
    "004_6524d1073f47a933": {
        "title": "Media reports about Russian instructors in Mali are a disinformation campaign, the "
        "prime minister of the transitional government of Mali…",
        "source": "RIA Novosti",
        "url": None,
        "published": None,
    },
}


def test_seeds_load_in_order_with_nothing_skipped(seeds):
    assert [d.id for d in seeds.documents] == sorted(SEED_METADATA)
    assert seeds.skipped == [] and seeds.notes == []
    assert seeds.roots == [str(SEEDS)]


@pytest.mark.parametrize("doc_id", sorted(SEED_METADATA))
def test_seed_metadata(seeds, doc_id):
    assert by_id(seeds)[doc_id].metadata() == {"id": doc_id, **SEED_METADATA[doc_id]}


@pytest.mark.parametrize("doc_id", sorted(SEED_METADATA))
def test_seed_text_is_clean_text_output(seeds, doc_id):
    text = by_id(seeds)[doc_id].text
    assert clean_text(text) == text
    assert "\r" not in text and not re.search(r"[ \t]+\n", text) and "\n\n\n" not in text


def test_seed_002_debris_is_gone(seeds):
    text = by_id(seeds)["002_dd5091768ef40962"].text
    for debris in ("/html/head", "cdnn1.img", "feedback@sputniknews.com", "en_EN", "1920 1080",
                   "2022-05-23T10:43", "date 2022-05-23", "https://"):
        assert debris not in text
    headline = SEED_METADATA["002_dd5091768ef40962"]["title"]
    assert text.count(headline) == 1
    assert not re.search(r"^(africa|russia|mali|News|2022)$", text, re.MULTILINE)


def article_sentences(doc_id: str) -> list[str]:
    raw = (SEEDS / f"{doc_id}.txt").read_text(encoding="utf-8")
    raw = re.sub(r"^\s*date \d{4}-\d{2}-\d{2}", "", raw)  # metadata token, not article text
    if doc_id.startswith("002"):  # the article body; the rest of 002 is page debris
        raw = next(p for p in raw.split("\n\n") if p.startswith("The bilateral"))
    return [s for s in re.split(r"(?<=[.!?\"”])\s+", raw) if s.strip()]


@pytest.mark.parametrize("doc_id", sorted(SEED_METADATA))
def test_no_article_sentence_is_lost(seeds, doc_id):
    cleaned = squash(by_id(seeds)[doc_id].text)
    sentences = article_sentences(doc_id)
    assert len(sentences) > 3
    missing = [s for s in sentences if squash(s) not in cleaned]
    assert missing == []


def test_seed_text_keeps_the_run_together_sentences_of_002_as_they_are(seeds):
    assert "expertise.Import of weapons" in by_id(seeds)["002_dd5091768ef40962"].text


def test_loading_is_deterministic():
    first, second = load_corpus([SEEDS]), load_corpus([SEEDS])
    assert first == second
    assert [d.sha256 for d in first.documents] == [d.sha256 for d in second.documents]


# --------------------------------------------------------------------------- clean_text


def test_clean_text_removes_debris_lines_and_keeps_sentences():
    raw = "\n".join([
        "Headline of the story",
        "/html/head/meta[@name='og:title']/@content",
        "https://cdn.example.com/img/1.jpg",
        "www.example.com/page",
        "2022-05-23T10:43+0000",
        "2022-05-23",
        "africa",
        "africa, russia, mali",
        "News",
        "en_EN",
        "2022",
        "1920 1080 true",
        "The minister spoke.",
        "Short but final!",
        "'Invaluable contribution'",
        "Photo: Creative Commons",
        "one two three four five six",
    ])
    assert clean_text(raw).split("\n") == [
        "Headline of the story",
        "The minister spoke.",
        "Short but final!",
        "'Invaluable contribution'",
        "Photo: Creative Commons",
        "one two three four five six",
    ]


def test_clean_text_drops_every_copy_of_a_line_repeated_three_times():
    contact = "Outlet feedback@example.com +1234 Agency Name 252 60"
    raw = f"First.\n\n{contact}\n\nSecond.\n\n{contact}\n\nThird.\n\n{contact}"
    assert clean_text(raw) == "First.\n\nSecond.\n\nThird."
    twice = f"First.\n\n{contact}\n\nSecond.\n\n{contact}"
    assert clean_text(twice).count(contact) == 2


def test_clean_text_collapses_duplicate_consecutive_paragraphs():
    raw = "Big news today\n\nBig news today\n\nBody text.\n\nOther text.\n\nOther text."
    assert clean_text(raw) == "Big news today\n\nBody text.\n\nOther text."


def test_clean_text_normalises_line_endings_bom_and_trailing_space():
    raw = "\ufeffOne.  \r\n\r\n\r\n\r\nTwo.\rThree.\t\r\n"
    assert clean_text(raw) == "One.\n\nTwo.\nThree."


# --------------------------------------------------------------------------- document_from_text


def test_document_from_text_reads_date_token_and_url_line():
    doc = document_from_text("a", " date 2021-02-03 https://news.example.com/story\n\nIt happened.")
    assert (doc.published, doc.url, doc.text) == ("2021-02-03", "https://news.example.com/story", "It happened.")


def test_document_from_text_agency_dateline_takes_latest_plausible_year():
    doc = document_from_text("a", "PARIS, March 3. /AFP/. Talks began in 2019 and ended in 2023. Call +74956456601.")
    assert (doc.source, doc.published) == ("AFP", "2023-03-03")
    assert doc.text.startswith("PARIS, March 3. /AFP/.")  # the dateline stays in the sentence


def test_document_from_text_paren_dateline_with_date():
    doc = document_from_text("a", "LONDON (Daily News - May 4, 2020) Something happened.")
    assert (doc.source, doc.published, doc.title) == ("Daily News", "2020-05-04", "Something happened.")


def test_document_from_text_explicit_arguments_win():
    doc = document_from_text(
        "a", " date 2022-05-23 MOSCOW (Sputnik) - Text.", title="T", source="S", url="U", published="2000-01-01"
    )
    assert doc.metadata() == {"id": "a", "title": "T", "source": "S", "url": "U", "published": "2000-01-01"}


def test_document_from_text_image_url_is_not_the_page_url():
    doc = document_from_text("a", "https://cdn.example.com/a.jpg\n\nBody text.")
    assert doc.url is None and doc.text == "Body text."


def test_document_from_text_rejects_text_that_is_all_debris():
    with pytest.raises(ValueError, match="empty after cleaning"):
        document_from_text("a", "africa\n\n2022-05-23T10:43+0000\n\nhttps://x.example/a.png")


def test_long_title_is_cut_at_a_word_boundary():
    doc = document_from_text("a", "word " * 100)
    assert len(doc.title) <= corpus.TITLE_MAX_CHARS + 1 and doc.title.endswith("word…")


# --------------------------------------------------------------------------- directories


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_nested_directories_give_relative_ids(tmp_path):
    write(tmp_path / "a.txt", "Top level.")
    write(tmp_path / "sub" / "a.md", "Nested.")
    write(tmp_path / "sub" / "deeper" / "b.html", "<p>Deep.</p>")
    write(tmp_path / "notes.pdf", "ignored kind inside a directory")
    load = load_corpus([tmp_path])
    assert [d.id for d in load.documents] == ["a", "sub/a", "sub/deeper/b"]
    assert load.roots == [str(tmp_path.resolve())]


def test_hidden_files_and_directories_are_ignored(tmp_path):
    write(tmp_path / "seen.txt", "Seen.")
    write(tmp_path / ".hidden.txt", "Hidden.")
    write(tmp_path / ".git" / "x.txt", "Hidden dir.")
    write(tmp_path / "sub" / ".cache" / "y.md", "Hidden nested dir.")
    assert [d.id for d in load_corpus([tmp_path]).documents] == ["seen"]


def test_markdown_heading_becomes_title(tmp_path):
    write(tmp_path / "m.md", "# The Heading\n\nBody of the note.\n")
    doc = load_corpus([tmp_path]).documents[0]
    assert doc.title == "The Heading" and "Body of the note." in doc.text


def test_html_text_extraction(tmp_path):
    html = """<html><head><title> Page  Title </title><meta name="x" content="y">
    <style>p { color: red }</style><script>var x = "no";</script></head>
    <body><h1>The Heading</h1><p>First &amp; only <b>bold</b> paragraph.</p><div>Second line<br>third.</div>
    <script>alert("no")</script></body></html>"""
    write(tmp_path / "page.html", html)
    doc = load_corpus([tmp_path]).documents[0]
    assert doc.title == "Page Title"
    assert doc.text == "The Heading\n\nFirst & only bold paragraph.\n\nSecond line\n\nthird."


def test_single_text_file_path_uses_its_stem(tmp_path):
    path = write(tmp_path / "one.txt", "Alone.")
    load = load_corpus([path])
    assert [d.id for d in load.documents] == ["one"] and load.roots == []


def test_bom_and_crlf(tmp_path):
    write(tmp_path / "w.txt", "\ufeffLine one.\r\nLine two.\r\n\r\nPara two.\r\n".encode("utf-8"))
    doc = load_corpus([tmp_path]).documents[0]
    assert doc.text == "Line one.\nLine two.\n\nPara two."


def test_invalid_utf8_is_replaced_with_a_note(tmp_path):
    write(tmp_path / "bad.txt", b"Caf\xe9 society.")
    load = load_corpus([tmp_path])
    assert load.documents[0].text == "Caf\ufffd society."
    assert len(load.notes) == 1 and "bad.txt: invalid UTF-8 decoded with replacement" in load.notes[0]


def test_bad_files_are_skipped_with_reasons_and_the_rest_loads(tmp_path):
    write(tmp_path / "empty.txt", "")
    write(tmp_path / "blank.md", "  \n\n\t\n")
    write(tmp_path / "debris.txt", "africa\n\nhttps://x.example/img.jpg\n")
    write(tmp_path / "binary.txt", b"GIF89a\x00\x01\x02")
    write(tmp_path / "big.txt", "x. " * 50)
    write(tmp_path / "good.txt", "A good document.")
    load = load_corpus([tmp_path], max_file_bytes=100)
    assert [d.id for d in load.documents] == ["good"]
    why = reasons(load)
    assert why["empty.txt"] == "empty file" and why["blank.md"] == "empty file"
    assert "empty after cleaning" in why["debris.txt"]
    assert "binary" in why["binary.txt"]
    assert why["big.txt"] == ("file is 150 bytes, larger than the limit of 100 bytes"
                              " (QA_MAX_FILE_BYTES)")
    assert {s.kind for s in load.skipped} == {"empty", "invalid", "binary", "too large"}


def test_max_file_bytes_is_20_mib():
    assert MAX_FILE_BYTES == 20 * 1024 * 1024


def test_duplicate_ids_first_occurrence_wins(tmp_path):
    write(tmp_path / "one" / "same.txt", "First copy.")
    write(tmp_path / "two" / "same.txt", "Second copy.")
    write(tmp_path / "one" / "same.md", "Same id, other suffix.")
    load = load_corpus([tmp_path / "one", tmp_path / "two"])
    assert [(d.id, d.text) for d in load.documents] == [("same", "Same id, other suffix.")]
    first = str(tmp_path / "one" / "same.md")
    assert [s.reason for s in load.skipped] == [f"duplicate id, first seen in {first}"] * 2


@pytest.mark.parametrize("name", ["missing", "missing.txt"])
def test_missing_path_raises_naming_it(tmp_path, name):
    with pytest.raises(CorpusError, match=re.escape(str(tmp_path / name))):
        load_corpus([tmp_path / name])


def test_unsupported_kind_raises_before_anything_loads(tmp_path):
    pdf = write(tmp_path / "doc.pdf", "%PDF")
    with pytest.raises(CorpusError, match="doc.pdf"):
        load_corpus([SEEDS, pdf])


# --------------------------------------------------------------------------- JSONL


def test_jsonl_records_ids_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": "Alpha.", "title": "A", "url": "http://a", "published": "2020-01-02T00:00Z"}),
        json.dumps({"_id": 7, "text": "Seven.", "source": "Wire"}),
        "",
        json.dumps({"text": "No id."}),
        json.dumps({"id": "b"}),
        json.dumps(["not", "an", "object"]),
        "{not json",
        json.dumps({"id": "a", "text": "Duplicate."}),
        json.dumps({"id": "c", "text": "Bad date.", "published": "yesterday"}),
    ]
    path = write(tmp_path / "c.jsonl", "\ufeff" + "\n".join(lines) + "\n")
    load = load_corpus([path])
    assert [d.metadata() for d in load.documents] == [
        {"id": "a", "title": "A", "source": None, "url": "http://a", "published": "2020-01-02"},
        {"id": "7", "title": "Seven.", "source": "Wire", "url": None, "published": None},
    ]
    skipped = {s.source: s.reason for s in load.skipped}
    assert skipped[f"{path}:4"].startswith("line 4: record has no id")
    assert skipped[f"{path}:5"].startswith("line 5: record has no text")
    assert skipped[f"{path}:6"] == "line 6: not a JSON object"
    assert skipped[f"{path}:7"] == "line 7: not valid JSON"
    assert skipped[f"{path}:8"] == f"duplicate id, first seen in {path}:1"
    assert skipped[f"{path}:9"].startswith("line 9: 'published' must be an ISO date")
    assert load.roots == []


def test_jsonl_invalid_utf8_line_is_noted(tmp_path):
    path = write(tmp_path / "c.jsonl", b'{"id": "x", "text": "Caf\xe9."}\n')
    load = load_corpus([path])
    assert load.documents[0].text == "Caf\ufffd."
    assert load.notes == [f"{path}:1: invalid UTF-8 decoded with replacement"]


def test_jsonl_and_directory_together(tmp_path):
    write(tmp_path / "docs" / "x.txt", "From a file.")
    path = write(tmp_path / "c.jsonl", json.dumps({"id": "x", "text": "From a record."}) + "\n")
    load = load_corpus([tmp_path / "docs", path])
    assert [d.text for d in load.documents] == ["From a file."]
    assert load.skipped[0].source == f"{path}:1"


def test_document_from_record_errors_are_value_errors():
    with pytest.raises(ValueError, match="no id"):
        document_from_record({"id": True, "text": "x"})
    with pytest.raises(ValueError, match="'title' must be a string"):
        document_from_record({"id": "a", "text": "x", "title": 3})
    assert document_from_record({"id": "a", "text": "Plain text here."}).text == "Plain text here."
