import numpy as np
import pytest

from embeddings import FakeEncoder, IndexFileError, VectorIndex


def test_fake_encoder_is_deterministic_and_normalised():
    enc = FakeEncoder()
    a = enc.encode(["Igor Gromyko is the ambassador", "MINUSMA was established in 2013"])
    b = FakeEncoder().encode(["Igor Gromyko is the ambassador", "MINUSMA was established in 2013"])
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert enc.encode([]).shape == (0, enc.dimension)


def test_fake_encoder_similar_texts_score_higher():
    enc = FakeEncoder()
    q, near, far = enc.encode(["who is the ambassador gromyko", "gromyko the ambassador said",
                               "troops deployed in december"])
    assert q @ near > q @ far


def test_index_search_remove_and_filter():
    enc = FakeEncoder()
    texts = ["alpha beta", "gamma delta", "alpha gamma"]
    index = VectorIndex(enc.dimension)
    index.add([10, 20, 30], enc.encode(texts))
    hits = index.search(enc.encode_one("alpha beta"), 2)
    assert hits[0][0] == 10 and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [i for i, _ in index.search(enc.encode_one("alpha beta"), 3, allowed_ids=[20, 30])] \
        and 10 not in [i for i, _ in index.search(enc.encode_one("alpha beta"), 3, allowed_ids=[20, 30])]
    assert index.remove([10]) == 1
    assert 10 not in [i for i, _ in index.search(enc.encode_one("alpha beta"), 3)]
    assert len(index) == 2


def test_index_save_load_roundtrip_and_corruption(tmp_path):
    enc = FakeEncoder()
    index = VectorIndex(enc.dimension)
    index.add([1, 2], enc.encode(["one", "two"]))
    path = tmp_path / "v.faiss"
    index.save(path)
    assert not list(tmp_path.glob("*.tmp*"))
    loaded = VectorIndex.load(path)
    assert len(loaded) == 2
    assert loaded.search(enc.encode_one("two"), 1)[0][0] == 2
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(IndexFileError, match="v.faiss"):
        VectorIndex.load(path)
    with pytest.raises(IndexFileError, match="missing"):
        VectorIndex.load(tmp_path / "nope.faiss")


@pytest.mark.model
def test_real_encoder_normalised_and_semantic(real_encoder):
    v = real_encoder.encode(["Who is the ambassador of Russia to Mali?",
                             "Igor Gromyko, Ambassador of the Russian Federation in Mali",
                             "The Panthers defense gave up just 308 points"])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
