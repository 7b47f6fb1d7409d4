from pathlib import Path

import pytest

from embeddings import FakeEncoder
from qa.cite import find_quote, normalise
from qa.corpus import load_corpus
from qa.ingest import SourcedDocument, ingest_documents
from qa.store import Store, require_generation

SEEDS = Path(__file__).parents[1] / "seeds"
D000 = "000_f934f30f3e1dab9e"
D001 = "001_131bbf5fad53bf7e"
D002 = "002_dd5091768ef40962"


@pytest.fixture(scope="module")
def corpus():
    return {d.id: d for d in load_corpus([str(SEEDS)]).documents}


@pytest.fixture(scope="module")
def store(tmp_path_factory, corpus):
    index_dir = tmp_path_factory.mktemp("index")
    ingest_documents(index_dir, [SourcedDocument(d, "test") for d in corpus.values()], FakeEncoder())
    s = Store(require_generation(index_dir) / "qa.sqlite3")
    yield s
    s.close()


def test_normalise_maps_back_to_original():
    text = "A  \u201cQuoted\u201d\n\ttext \u2014 here\u2026 end"
    norm, index = normalise(text)
    assert norm == 'a "quoted" text - here... end'
    assert len(index) == len(norm)
    assert text[index[norm.index("quoted")]:index[norm.index("quoted") + 5] + 1] == "Quoted"


def test_exact_with_curly_quotes_case_and_whitespace(store, corpus):
    original = "Moreover, it is our historical ally"
    doc = corpus[D000].text
    # document uses straight quotes around the sentence; quote it with curly ones.
    quote = "\u201cRussia is our LOYAL and   reliable\npartner, a friendly country."
    matches = find_quote(store, quote)
    assert matches and all(m["exact"] and m["similarity"] == 1.0 for m in matches)
    m = matches[0]
    assert m["document_id"] == D000
    assert doc[m["start"]:m["end"]] == '"Russia is our loyal and reliable partner, a friendly country.'
    assert original in doc


def test_exact_curly_apostrophe_in_document(store, corpus):
    # the document has a curly apostrophe (country’s); the quote a straight one.
    matches = find_quote(store, "regained control of almost all of the country's territory")
    assert [m["document_id"] for m in matches] == [D000]
    m = matches[0]
    assert corpus[D000].text[m["start"]:m["end"]] == "regained control of almost all of the country\u2019s territory"
    passage = store.get_passage(m["passage_id"])
    assert passage.document_id == D000 and passage.start <= m["start"] < passage.end


def test_sentence_in_two_documents(store, corpus):
    quote = "In June 2021, the Constitutional Court of Mali declared Goita the interim president."
    matches = find_quote(store, quote)
    assert sorted(m["document_id"] for m in matches) == [D001, D002]
    for m in matches:
        assert m["exact"] and corpus[m["document_id"]].text[m["start"]:m["end"]] == quote


def _single(store, quote):
    matches = find_quote(store, quote)
    assert matches, quote
    return matches[0]


def test_typo(store, corpus):
    m = _single(store, "Today, thanks to Rusian help, Mali can independantly conduct reconnaissance, "
                       "as well as attack from the air.")
    assert m["document_id"] == D001 and not m["exact"]
    assert 0.6 <= m["similarity"] < 1.0
    assert corpus[D001].text[m["start"]:m["end"]] == (
        "Today, thanks to Russian help, Mali can independently conduct reconnaissance, "
        "as well as attack from the air")


def test_british_spelling(store, corpus):
    # 000 has "defense"; no document has this sentence with "defence".
    m = _single(store, "he was part of his country's delegation, led by Mali's defence minister, "
                       "that recently visited Russia")
    assert m["document_id"] == D000 and not m["exact"] and m["similarity"] >= 0.8
    assert corpus[D000].text[m["start"]:m["end"]].endswith("defense minister, that recently visited Russia")


def test_ellipsis(store, corpus):
    m = _single(store, "Russia is our loyal and reliable partner \u2026 it is our historical ally")
    assert m["document_id"] == D000 and not m["exact"] and m["similarity"] >= 0.9
    span = corpus[D000].text[m["start"]:m["end"]]
    assert span.startswith("Russia is our loyal") and span.endswith("our historical ally")
    m = _single(store, "Russia is our loyal and reliable partner... it is our historical ally")
    assert m["document_id"] == D000


def test_dropped_punctuation(store, corpus):
    m = _single(store, "Today thanks to Russian help Mali can independently conduct reconnaissance")
    assert m["document_id"] == D001 and not m["exact"] and m["similarity"] > 0.9
    assert corpus[D001].text[m["start"]:m["end"]] == (
        "Today, thanks to Russian help, Mali can independently conduct reconnaissance")


def test_invented_sentence(store):
    invented = "The Russian ambassador in Mali said the army would build new schools next year."
    matches = find_quote(store, invented)
    assert all(m["similarity"] < 0.6 for m in matches)
    typo = find_quote(store, "The bilateral military-technical cooperation has continued for yeers")
    assert typo and typo[0]["similarity"] >= 0.8


def test_empty_and_nonsense(store):
    assert find_quote(store, "") == []
    assert find_quote(store, "   ...  ") == []
    assert find_quote(store, "zzqx wvut") == []
