"""The model's word-piece table read as word vectors."""

import numpy as np
import pytest

from embeddings import FakeEncoder
from embeddings.word_vectors import TABLE, WordVectors

VOCABULARY = ["[PAD]", "buy", "purchases", "troops", "##ers", "envoy"]
TABLE_ROWS = np.array([[0, 0, 0], [1, 0, 0], [3, 1, 0], [0, 0, 2], [1, 0, 0], [0, 1, 1]],
                      dtype=np.float32)


def vectors() -> WordVectors:
    return WordVectors(VOCABULARY, TABLE_ROWS)


def test_nearest_is_the_best_cosine_over_the_words():
    near = vectors().nearest(["buy", "troops"], frozenset({"purchases", "envoy"}))
    assert near["buy"] == pytest.approx(3 / np.sqrt(10), abs=2e-3)
    assert near["troops"] == pytest.approx(1 / np.sqrt(2), abs=2e-3)


def test_words_without_a_row_of_their_own_are_left_out():
    # "ers" is only a word piece ("##ers"), never a word; "peacekeepers" has no row.
    assert vectors().nearest(["ers", "peacekeepers"], frozenset({"buy"})) == {}
    assert vectors().nearest(["buy"], frozenset({"ers", "peacekeepers"})) == {"buy": 0.0}
    assert vectors().known(["envoy", "ers", "buy"]) == ["envoy", "buy"]


def test_a_table_that_does_not_fit_its_vocabulary_is_refused():
    with pytest.raises(ValueError):
        WordVectors(VOCABULARY[:-1], TABLE_ROWS)


def test_read_from_a_model_directory(tmp_path):
    from safetensors.numpy import save_file

    assert WordVectors.from_model(tmp_path) is None  # no files: no table, no error
    (tmp_path / "vocab.txt").write_text("\n".join(VOCABULARY) + "\n", encoding="utf-8")
    save_file({"other.weight": TABLE_ROWS}, str(tmp_path / "model.safetensors"))
    assert WordVectors.from_model(tmp_path) is None  # a model without that table
    save_file({TABLE: TABLE_ROWS}, str(tmp_path / "model.safetensors"))
    read = WordVectors.from_model(tmp_path)
    assert read.nearest(["buy"], frozenset({"purchases"})) == vectors().nearest(
        ["buy"], frozenset({"purchases"}))


def test_the_fake_encoder_has_none_unless_given():
    assert FakeEncoder().word_vectors() is None
    table = vectors()
    assert FakeEncoder(word_vectors=table).word_vectors() is table


def test_the_real_models_table_knows_paraphrases_from_unrelated_words(real_encoder):
    from qa.answers import PARAPHRASE_FROM

    table = real_encoder.word_vectors()
    near = table.nearest(["buy", "envoy"], frozenset({"purchases", "ambassador"}))
    assert near["buy"] > PARAPHRASE_FROM and near["envoy"] > PARAPHRASE_FROM
    assert all(sim < PARAPHRASE_FROM for sim in
               table.nearest(["buy", "envoy"], frozenset({"troops", "weapons", "army"})).values())


def test_the_service_chooses_sentences_with_its_encoders_word_vectors(tmp_path):
    from qa.config import Settings
    from qa.service import QAService

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "deal.txt").write_text("Mali and Russia. Mali renewed its deal with Russia in 2019. "
                                     "Mali purchases aircraft from Russia.", encoding="utf-8")
    table = WordVectors(["buy", "purchases"], [[1, 0], [1, 0.1]])
    quotes = {}
    for name, encoder in (("plain", FakeEncoder()), ("vectors", FakeEncoder(word_vectors=table))):
        service = QAService(Settings.from_env({}, index_dir=tmp_path / name), encoder=encoder)
        service.ingest([corpus])
        result = service.ask("What does Mali buy from Russia?")
        quotes[name] = None if result.abstained else result.answer.citations[0].quote
    assert quotes["vectors"] == "Mali purchases aircraft from Russia."
    assert quotes["plain"] != quotes["vectors"]


def test_neighbours_are_the_nearest_whole_words_above_the_floor():
    # "##ers" has the very row of "buy" but is a word piece; "buy" is not its own neighbour.
    assert [w for w, _ in vectors().neighbours("buy", 0.5)] == ["purchases"]
    assert vectors().neighbours("buy", 0.5)[0][1] == pytest.approx(3 / np.sqrt(10), abs=1e-4)
    assert [w for w, _ in vectors().neighbours("envoy", 0.1)] == ["troops", "purchases"]
    assert vectors().neighbours("envoy", 0.9) == ()
    assert vectors().neighbours("peacekeepers", 0.0) == ()  # no row: no neighbours
