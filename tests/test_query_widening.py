"""A question word the corpus lacks is searched through the corpus words nearest to it."""

import pytest

from embeddings import FakeEncoder
from embeddings.word_vectors import WordVectors
from qa import retrieval
from qa.config import Settings
from qa.service import QAService

# "envoy" is near "ambassador", "ambassadors" and "diplomat"; "buy" near "purchases".
WORDS = ["envoy", "ambassador", "ambassadors", "diplomat", "consul", "buy", "purchases", "weather"]
ROWS = [[1, 0, 0], [1, 0.2, 0], [1, 0.25, 0], [1, 0.3, 0], [1, 0.35, 0],
        [0, 1, 0], [0.1, 1, 0], [0, 0, 1]]
TEXTS = {
    "deals": "Russia signs deals.",
    "meeting": "The ambassador of Russia and the ambassadors of France met the minister on Monday.",
    "diplomacy": "A diplomat of Russia spoke.",
    "consulate": "The consul of Russia left.",
    "trade": "Mali purchases aircraft from Russia and buys weapons.",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("widening")
    (root / "corpus").mkdir()
    for name, text in TEXTS.items():
        (root / "corpus" / f"{name}.txt").write_text(text, encoding="utf-8")
    service = QAService(Settings.from_env({}, index_dir=root / "index"), encoder=FakeEncoder())
    service.ingest([root / "corpus"])
    return service.snapshot().store


def table() -> WordVectors:
    return WordVectors(WORDS, ROWS)


def added(store, query, vectors=None) -> list[str]:
    widened = retrieval.lexical_query(store, query, table() if vectors is None else vectors)
    assert widened.startswith(query)
    return widened[len(query):].split()


def test_an_absent_word_is_searched_through_its_nearest_corpus_words(store):
    # Each counted once ("ambassadors" is "ambassador" to the index), nearest first, at
    # most STAND_INS of them.
    assert retrieval.STAND_INS == 3
    assert added(store, "Who is Russia's envoy?") == ["ambassador", "diplomat", "consul"]


def test_the_widened_query_finds_the_passages_the_question_meant(store):
    def first_document(query):
        rows = [row for row, _ in retrieval.lexical_candidates(store, query, 5, None, table())]
        return store.passages_by_row(rows[:1])[rows[0]].document_id

    assert first_document("Who is Russia's envoy?") in {"meeting", "diplomacy", "consulate"}
    plain = [row for row, _ in retrieval.lexical_candidates(store, "Who is Russia's envoy?", 5)]
    assert store.passages_by_row(plain[:1])[plain[0]].document_id == "deals"


def test_words_the_corpus_holds_names_and_figures_are_searched_as_written(store):
    # "buy" is in the corpus: only its other form is added, not its near words.
    assert added(store, "What does Mali buy?") == ["bought"]
    assert added(store, "Who is the Russian Envoy?") == []  # written as a name
    assert added(store, "Who was envoy2?") == []  # a figure
    assert retrieval.lexical_query(store, "Who is Russia's envoy?", None) == "Who is Russia's envoy?"


def test_near_words_the_corpus_lacks_are_not_added(store):
    lone = WordVectors(["envoy", "weather", "rain"], [[1, 0], [0, 1], [0.9, 0.1]])
    assert added(store, "Who is the envoy?", lone) == []  # "rain" is near but absent


def test_the_service_widens_its_lexical_search_with_its_encoders_vectors(tmp_path):
    (tmp_path / "corpus").mkdir()
    for name, text in TEXTS.items():
        (tmp_path / "corpus" / f"{name}.txt").write_text(text, encoding="utf-8")
    first = {}
    for name, encoder in (("plain", FakeEncoder()), ("vectors", FakeEncoder(word_vectors=table()))):
        service = QAService(Settings.from_env({}, index_dir=tmp_path / name), encoder=encoder)
        service.ingest([tmp_path / "corpus"])
        first[name] = service.search("Who is Russia's envoy?", top_k=5)[0].document_id
    assert first["plain"] == "deals"
    assert first["vectors"] in {"meeting", "diplomacy", "consulate"}


def test_an_irregular_verb_is_searched_in_its_other_forms_too(store):
    # The index stems by rule, and no rule takes "send" to "sent".
    assert retrieval.lexical_query(store, "Who did Russia send?", None) == "Who did Russia send? sent"
    assert retrieval.lexical_query(store, "Who was sent?", None) == "Who was sent? send"


def test_a_short_form_is_searched_spelled_out_too(store):
    assert retrieval.lexical_query(store, "mali's pm", None) == "mali's pm prime minister"
    assert retrieval.lexical_query(store, "the govt", None) == "the govt government"
