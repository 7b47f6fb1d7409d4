"""Ingest is idempotent, embeds only what changed, and never leaves a half index."""

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from embeddings import FakeEncoder
from qa.config import Settings
from qa.errors import CorruptIndexError, IndexNotReadyError
from qa.service import QAService
from qa.store import DB_NAME, Store, require_generation

SEED_000 = "000_f934f30f3e1dab9e"
ROOT = Path(__file__).resolve().parents[1]


def _state(service):
    snap = service.snapshot()
    docs = {d.id: snap.store.get_document(d.id).sha256 for d, _ in snap.store.list_documents(0, 1000)}
    passages = [(p.passage_id, p.document_id, p.start, p.end) for p in snap.store.iter_passages()]
    return docs, passages


def test_ingest_twice_is_idempotent_and_embeds_nothing(service, seeds_dir, fake_encoder):
    before = _state(service)
    gen = service.snapshot().generation
    encoded = fake_encoder.encoded
    summary = service.ingest([seeds_dir])
    assert (summary.added, summary.updated, summary.unchanged, summary.removed) == (0, 0, 5, 0)
    assert summary.embedded == 0 and fake_encoder.encoded == encoded
    assert _state(service) == before
    assert service.snapshot().generation == gen  # nothing changed, nothing written


def test_passages_match_document_text(service):
    snap = service.snapshot()
    for doc, _ in snap.store.list_documents(0, 100):
        full = snap.store.get_document(doc.id)
        for p in snap.store.passages_of(doc.id):
            assert full.text[p.start:p.end] == p.text


def test_changed_document_replaces_only_its_passages(service, seeds_dir, fake_encoder):
    docs, passages = _state(service)
    path = seeds_dir / f"{SEED_000}.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing paragraph was added.\n",
                    encoding="utf-8")
    summary = service.ingest([seeds_dir])
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 4)
    new_docs, new_passages = _state(service)
    others = lambda ps: [p for p in ps if p[1] != SEED_000]  # noqa: E731
    assert others(new_passages) == others(passages)
    assert new_docs[SEED_000] != docs[SEED_000]
    # Only the changed passage(s) were embedded, not the whole document.
    assert 1 <= summary.embedded < len([p for p in passages if p[1] == SEED_000])
    text = service.snapshot().store.get_document(SEED_000).text
    assert "A new closing paragraph was added." in text


def test_vanished_document_is_removed(service, seeds_dir):
    (seeds_dir / f"{SEED_000}.txt").unlink()
    summary = service.ingest([seeds_dir])
    assert summary.removed == 1
    assert service.snapshot().store.get_document(SEED_000) is None
    assert len(service.snapshot().vectors) == service.snapshot().store.count_passages()


def test_failed_ingest_leaves_previous_index_serving(service, seeds_dir):
    before = _state(service)

    class Exploding(FakeEncoder):
        def encode(self, texts):
            raise RuntimeError("model crashed")

    (seeds_dir / "new.txt").write_text("A brand new document about something else entirely.")
    broken = QAService(service.settings, encoder=Exploding())
    with pytest.raises(RuntimeError):
        broken.ingest([seeds_dir])
    fresh = QAService(service.settings, encoder=FakeEncoder())
    assert _state(fresh) == before
    assert not [p for p in service.index_dir.iterdir() if ".tmp-" in p.name]


def test_no_index_gives_a_clear_error(tmp_path):
    svc = QAService(Settings.from_env({}, index_dir=tmp_path / "none"), encoder=FakeEncoder())
    with pytest.raises(IndexNotReadyError, match="qa ingest"):
        svc.ask("anything")


def test_corrupt_vector_file_names_the_file(service):
    gen = require_generation(service.index_dir)
    (gen / "vectors.faiss").write_bytes(b"garbage")
    fresh = QAService(service.settings, encoder=FakeEncoder())
    with pytest.raises(CorruptIndexError, match="vectors.faiss"):
        fresh.snapshot()


def test_server_sees_a_new_generation_without_restart(service, seeds_dir, monkeypatch):
    monkeypatch.setattr("qa.service.RELOAD_CHECK_SECONDS", 0)
    assert service.health()["documents"] == 5
    writer = QAService(service.settings, encoder=FakeEncoder())
    (seeds_dir / "extra.md").write_text("# Extra\n\nMINUSMA troops left Mali in 2023.\n")
    writer.ingest([seeds_dir])
    assert service.health()["documents"] == 6


def test_old_generations_are_pruned(service, seeds_dir, monkeypatch):
    monkeypatch.setattr("qa.store.PRUNE_GRACE_SECONDS", 0)  # as if each came long after
    for i in range(4):
        (seeds_dir / f"n{i}.txt").write_text(f"Document number {i} says something new.")
        service.ingest([seeds_dir])
    gens = [p.name for p in service.index_dir.iterdir() if p.name.startswith("gen-")]
    assert len(gens) == 2
    assert (service.index_dir / "CURRENT").read_text().strip() in gens
    manifest = json.loads((require_generation(service.index_dir) / "manifest.json").read_text())
    assert manifest["encoder"].startswith("fake")
    assert Store(require_generation(service.index_dir) / DB_NAME).count_documents() == 9


def test_shared_citation_resolves_or_is_reported_gone(service, seeds_dir):
    from qa.errors import NotFoundError

    before = {p.passage_id: p.text for p in service.snapshot().store.iter_passages()}
    path = seeds_dir / f"{SEED_000}.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("MOSCOW, August 21.", "MOSCOW, Aug 21."),
                    encoding="utf-8")
    service.ingest([seeds_dir])
    after = {p.passage_id: p.text for p in service.snapshot().store.iter_passages()}
    gone = set(before) - set(after)
    assert gone and all(before[i] != after.get(i) for i in gone)
    for pid, text in before.items():
        if pid in after:
            assert after[pid] == text  # an id never comes back with other text
            assert service.passage(pid)[0].text == text
        else:
            with pytest.raises(NotFoundError, match="removed"):
                service.passage(pid)


def test_generations_replaced_recently_are_kept_until_the_grace_has_passed(service, seeds_dir):
    from qa.store import MANIFEST_NAME, PRUNE_GRACE_SECONDS

    for i in range(3):
        (seeds_dir / f"n{i}.txt").write_text(f"Document number {i} says something new.")
        service.ingest([seeds_dir])
    gens = lambda: sorted(p.name for p in service.index_dir.iterdir() if p.name.startswith("gen-"))  # noqa: E731
    assert len(gens()) == 4  # all replaced seconds ago: a server may still read them
    for name in gens():  # as if every one had been published long ago
        path = service.index_dir / name / MANIFEST_NAME
        manifest = json.loads(path.read_text())
        manifest["created"] -= PRUNE_GRACE_SECONDS + 60
        path.write_text(json.dumps(manifest))
    (seeds_dir / "last.txt").write_text("The last document.")
    service.ingest([seeds_dir])
    # The new one, the one it replaced (just now), and no older one.
    assert gens() == ["gen-000004", "gen-000005"]


class LazyEncoder(FakeEncoder):
    """A fake that, like the real encoders, loads its model on first use, on some thread."""

    def __init__(self, fail: bool = False):
        super().__init__()
        self.fail = fail
        self.loaded_on: list[str] = []

    @property
    def loaded(self) -> bool:
        return bool(self.loaded_on)

    def encode(self, texts):
        if not self.loaded_on:
            if self.fail:
                raise CorruptIndexError("the model files are unreadable")
            self.loaded_on.append(threading.current_thread().name)
        return super().encode(texts)


def test_ingest_loads_the_model_beside_its_writes_and_only_for_new_text(settings, seeds_dir):
    encoder = LazyEncoder()
    service = QAService(settings, encoder=encoder)
    assert service.ingest([seeds_dir]).embedded > 0
    assert encoder.loaded_on == ["load-model"]
    assert "load-model" not in [t.name for t in threading.enumerate()]  # joined

    again = LazyEncoder()
    assert QAService(settings, encoder=again).ingest([seeds_dir]).unchanged == 5
    assert again.loaded_on == []  # nothing to embed: the model is never loaded


def test_a_model_that_fails_to_load_fails_the_ingest_and_keeps_the_index(settings, seeds_dir, service):
    before = _state(service)
    (seeds_dir / "new.txt").write_text("A new document about the Niger river.")
    with pytest.raises(CorruptIndexError, match="unreadable"):
        QAService(settings, encoder=LazyEncoder(fail=True)).ingest([seeds_dir])
    assert _state(service) == before


def test_an_unchanged_reingest_imports_no_numpy_faiss_or_model(service, settings, seeds_dir):
    # Those imports take longer than the whole re-ingest; a fresh process shows whether
    # the unchanged path pulls them in.
    child = textwrap.dedent(f"""
        import sys
        from embeddings import FakeEncoder
        from qa.config import Settings
        from qa.service import QAService
        service = QAService(Settings(index_dir={str(settings.index_dir)!r}), encoder=FakeEncoder())
        assert service.ingest([{str(seeds_dir)!r}]).unchanged == 5
        heavy = ("numpy", "faiss", "onnxruntime", "tokenizers", "torch")
        print(sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy)))
    """)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
