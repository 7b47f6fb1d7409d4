"""Passages are searched together with their document's title, and indexes written
before titles were searched are brought up to date by the next ingest, without
re-embedding."""

import json

from qa.store import DB_NAME, SCHEMA_VERSION, Store, require_generation
from tests.older_layouts import rewrite_in_layout


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_title_word_finds_passages_that_do_not_repeat_it(service, tmp_path):
    corpus = _write_jsonl(tmp_path / "c.jsonl", [
        {"id": "bowl", "title": "Quarterbackery championship",
         "text": "The game was played in February before a large crowd."},
        {"id": "other", "title": "Weather", "text": "Rain fell in February on the coast."}])
    service.ingest([corpus])
    snap = service.snapshot()
    found = [snap.store.passages_by_row([row])[row].document_id
             for row, _ in snap.store.lexical_search("quarterbackery", 5)]
    assert found == ["bowl"]


def test_a_changed_title_is_searched_under_its_new_words(service, tmp_path):
    records = [{"id": "t", "title": "Zanzibarian report", "text": "Nothing else to say here."}]
    service.ingest([_write_jsonl(tmp_path / "c.jsonl", records)])
    records[0]["title"] = "Kilimanjaroish report"
    summary = service.ingest([_write_jsonl(tmp_path / "c.jsonl", records)])
    assert summary.updated == 1 and summary.embedded == 0
    store = service.snapshot().store
    assert store.lexical_search("zanzibarian", 5) == []
    assert len(store.lexical_search("kilimanjaroish", 5)) == 1


def test_an_older_index_is_rewritten_by_the_next_ingest_without_embedding(
        service, seeds_dir, fake_encoder):
    gen = require_generation(service.index_dir)
    rewrite_in_layout(gen / DB_NAME, 1)
    (gen / "manifest.json").unlink()  # its recorded sizes no longer hold
    old = Store(gen / DB_NAME)
    assert old.schema_version() == 1
    passages = old.count_passages()
    old.close()
    encoded = fake_encoder.encoded

    summary = service.ingest([seeds_dir])

    assert summary.embedded == 0 and fake_encoder.encoded == encoded
    new = require_generation(service.index_dir)
    assert new != gen
    store = Store(new / DB_NAME)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.count_passages() == passages
    # Every passage of a document now matches its title's words.
    title = store.get_document("000_f934f30f3e1dab9e").title
    rows = {row for row, _ in store.lexical_search(title, 50)}
    assert {p.row_id for p in store.passages_of("000_f934f30f3e1dab9e")} <= rows
    # And a second ingest has nothing left to do.
    assert require_generation(service.index_dir) == new
    service.ingest([seeds_dir])
    assert require_generation(service.index_dir) == new
