"""The vector index is exact when small and IVF above a threshold, behind one interface.

Thresholds are made small so random vectors exercise both kinds in milliseconds.
"""

import numpy as np
import pytest

import embeddings.index
from embeddings import VectorIndex

DIM = 32


def unit_vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact_top(vectors, ids, query, k):
    scores = vectors @ query
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(ids[i]) for i in order]


@pytest.fixture
def ivf():
    """5,000 vectors with ids 3, 10, 17, ... in an index that turned approximate."""
    vectors, ids = unit_vectors(5000), np.arange(5000) * 7 + 3
    index = VectorIndex(DIM, exact_up_to=1000)
    index.add(ids, vectors)
    assert not index.approximate
    assert index.fit_to_size()
    assert index.approximate and len(index) == 5000
    return index, ids, vectors


def test_small_index_stays_exact():
    index = VectorIndex(DIM, exact_up_to=1000)
    index.add(range(500), unit_vectors(500))
    assert not index.fit_to_size() and not index.approximate


def test_ivf_finds_each_vector_first_and_reconstructs_it_exactly(ivf):
    index, ids, vectors = ivf
    for i in range(0, 5000, 97):
        hits = index.search(vectors[i], 5)
        assert hits[0][0] == ids[i] and hits[0][1] == pytest.approx(1.0, abs=1e-5)
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert np.array_equal(index.reconstruct(ids[[5, 4000]]), vectors[[5, 4000]])


def test_ivf_remove_and_add(ivf):
    index, ids, vectors = ivf
    assert index.remove(ids[:100]) == 100
    assert len(index) == 4900
    for i in range(0, 100, 9):
        assert ids[i] not in [h for h, _ in index.search(vectors[i], 10)]
    index.add([1], vectors[:1])
    assert index.search(vectors[0], 1)[0][0] == 1


def test_ivf_filtered_search_returns_only_allowed_ids(ivf, monkeypatch):
    index, ids, vectors = ivf
    query = unit_vectors(1, seed=1)[0]
    few = ids[1000:1040]  # scored one by one: exactly the best allowed
    hits = index.search(query, 10, allowed_ids=few)
    assert [h for h, _ in hits] == exact_top(vectors[1000:1040], few, query, 10)
    monkeypatch.setattr(embeddings.index, "SUBSET_EXACT_UP_TO", 10)
    many = ids[::2]  # through FAISS's id selector inside the scanned cells
    hits = index.search(query, 10, allowed_ids=many)
    assert hits and set(h for h, _ in hits) <= set(many.tolist())
    assert index.search(query, 10, allowed_ids=[]) == []


def test_ivf_save_load_keeps_kind_and_results(ivf, tmp_path):
    index, ids, vectors = ivf
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", exact_up_to=1000)
    assert loaded.approximate and len(loaded) == 5000
    query = unit_vectors(1, seed=2)[0]
    assert loaded.search(query, 10) == index.search(query, 10)
    assert loaded.remove(ids[:3]) == 3


def test_index_goes_back_to_exact_when_it_shrinks_below_half(ivf):
    index, ids, vectors = ivf
    index.remove(ids[:4000])
    index.fit_to_size()  # 1,000 left: not below half of 1,000, so still IVF (with fewer cells)
    assert index.approximate
    index.remove(ids[4000:4600])
    assert index.fit_to_size() and not index.approximate
    kept, kept_vectors = index.contents()
    assert sorted(kept.tolist()) == ids[4600:].tolist()
    order = np.argsort(kept)
    assert np.array_equal(kept_vectors[order], vectors[4600:])


def test_ivf_is_retrained_when_it_outgrows_its_cells():
    index = VectorIndex(DIM, exact_up_to=500)
    index.add(range(1000), unit_vectors(1000))
    index.fit_to_size()
    cells = index._index.nlist
    index.add(range(1000, 2000), unit_vectors(1000, seed=3))
    assert not index.fit_to_size()  # twice the size: still within its cells' range
    index.add(range(2000, 17000), unit_vectors(15000, seed=4))
    assert index.fit_to_size() and index._index.nlist > cells
    assert sorted(index.contents()[0].tolist()) == list(range(17000))


def test_ingest_crossing_the_threshold_serves_an_approximate_index(settings, seeds_dir, monkeypatch):
    from embeddings import FakeEncoder
    from qa.service import QAService

    monkeypatch.setattr(embeddings.index, "EXACT_UP_TO", 20)  # the seeds have 34 passages
    service = QAService(settings, encoder=FakeEncoder())
    service.ingest([seeds_dir])
    snap = service.snapshot()
    assert snap.vectors.approximate and len(snap.vectors) == snap.store.count_passages()
    hits = service.search("Gromyko ambassador", top_k=3)
    assert hits[0].document_id == "003_5e3f855efd9ba80e"
    filtered = service.search("Gromyko ambassador", top_k=3,
                              filters=_filters(document_ids=["000_f934f30f3e1dab9e"]))
    assert filtered and {h.document_id for h in filtered} == {"000_f934f30f3e1dab9e"}
    (seeds_dir / "003_5e3f855efd9ba80e.txt").unlink()  # an ingest that removes vectors
    service.ingest([seeds_dir])
    snap = service.snapshot()
    assert len(snap.vectors) == snap.store.count_passages()
    assert all(h.document_id != "003_5e3f855efd9ba80e" for h in service.search("Gromyko", top_k=5))


def _filters(**kwargs):
    from qa.service import Filters

    return Filters(**kwargs)


def test_exact_filtered_search_with_a_large_filter_is_exact(monkeypatch):
    monkeypatch.setattr(embeddings.index, "SUBSET_EXACT_UP_TO", 10)  # the bitmap selector
    vectors, ids = unit_vectors(3000), np.arange(3000) * 5 + 2
    index = VectorIndex(DIM)
    index.add(ids, vectors)
    allowed = ids[np.random.default_rng(5).random(3000) < 0.3]
    mask = np.isin(ids, allowed)
    for query in unit_vectors(5, seed=6):
        hits = index.search(query, 10, allowed_ids=allowed.tolist())
        assert [h for h, _ in hits] == exact_top(vectors[mask], ids[mask], query, 10)


def test_read_only_load_maps_an_ivf_index_and_searches_the_same(ivf, tmp_path):
    index, ids, vectors = ivf
    index.save(tmp_path / "v.faiss")
    mapped = VectorIndex.load(tmp_path / "v.faiss", read_only=True)
    assert mapped.approximate and len(mapped) == 5000
    for query in unit_vectors(3, seed=8):
        assert mapped.search(query, 10) == index.search(query, 10)
        assert mapped.search(query, 5, allowed_ids=ids[:50]) == index.search(query, 5, allowed_ids=ids[:50])
    assert np.array_equal(mapped.reconstruct(ids[[7, 4999]]), vectors[[7, 4999]])
    with pytest.raises(RuntimeError, match="read-only"):
        mapped.remove(ids[:1])


def test_read_only_load_of_an_exact_index_reads_it(tmp_path):
    index = VectorIndex(DIM)
    index.add([4, 9], unit_vectors(2))
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", read_only=True)
    assert not loaded.approximate and loaded.search(unit_vectors(2)[1], 1)[0][0] == 9
