"""Lexical search over many passages: common words only rescore passages that hold a
rarer word, which keeps BM25's ranking of those passages exactly."""

import pytest

import qa.store
from qa.store import DB_NAME, Store, require_generation
from qa.words import query_terms


def test_common_words_only_rescore_passages_with_a_rarer_word(service, monkeypatch):
    gen = require_generation(service.index_dir)
    query = "Mali Russia Gromyko ambassador"
    full = dict(Store(gen / DB_NAME).lexical_search(query, 200))
    monkeypatch.setattr(qa.store, "COMMON_TERM_PASSAGES", 3)
    store = Store(gen / DB_NAME)
    rare, common = store._rare_and_common(query_terms(query))
    assert rare and common  # both paths taken
    with_rare = {row for row, _ in store._bm25(qa.store.fts_match(rare), 200, None)}
    split = store.lexical_search(query, 200)
    expected = sorted((row for row in full if row in with_rare), key=lambda r: (-full[r], r))
    assert [row for row, _ in split] == expected
    assert all(score == pytest.approx(full[row]) for row, score in split)
