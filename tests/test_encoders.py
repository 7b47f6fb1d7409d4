"""Encoder backends: choosing one, the names indexes record, the ONNX export cache, and
(with the real model) ONNX vectors against sentence-transformers'."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from embeddings import SentenceTransformerEncoder, create_encoder, default_model_path
from embeddings.onnx_encoder import OnnxEncoder, _write_atomically, model_key, remembered_model_key
from qa.config import Settings

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_settings_choose_the_encoder_backend():
    assert Settings.from_env({"QA_ENCODER": "torch", "QA_ENCODER_THREADS": "1"}).encoder == "torch"
    assert Settings.from_env({"QA_ENCODER_THREADS": "1"}).encoder_threads == 1
    with pytest.raises(ValueError, match="QA_ENCODER must be one of torch, onnx, onnx-int8"):
        Settings.from_env({"QA_ENCODER": "tensorflow"})
    with pytest.raises(ValueError, match="unknown encoder"):
        create_encoder("tensorflow")


def test_backend_names_decide_what_an_index_must_re_embed():
    # Built without loading a model: only config files are read.
    torch = create_encoder("torch")
    fp32, int8 = create_encoder("onnx"), create_encoder("onnx-int8")
    assert isinstance(fp32, OnnxEncoder) and isinstance(torch, SentenceTransformerEncoder)
    assert fp32.name == torch.name  # the same vectors: an index serves both
    assert int8.name == torch.name + "-int8"  # close but different vectors: re-embedded
    assert fp32.dimension == int8.dimension == 384 and not fp32.loaded


def test_model_key_follows_the_model_bytes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d, weights in ((a, b"weights one"), (b, b"weights one")):
        d.mkdir()
        (d / "config.json").write_text(json.dumps({"hidden_size": 8}))
        (d / "model.safetensors").write_bytes(weights)
    assert model_key(a) == model_key(b)  # a copy of a model reuses its export
    (b / "model.safetensors").write_bytes(b"weights two")
    assert model_key(a) != model_key(b)


def test_model_key_is_remembered_until_a_model_file_changes(tmp_path):
    model, cache = tmp_path / "model", tmp_path / "cache"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"hidden_size": 8}))
    (model / "model.safetensors").write_bytes(b"weights one")
    assert remembered_model_key(model, cache) == model_key(model)
    (memo,) = (cache / "keys").iterdir()
    memo.write_text("0123456789abcdef")  # what a later call reads instead of hashing
    assert remembered_model_key(model, cache) == "0123456789abcdef"
    (model / "model.safetensors").write_bytes(b"weights two, longer")
    assert remembered_model_key(model, cache) == model_key(model) != "0123456789abcdef"


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "cache" / "model.onnx"

    def fail(path):
        Path(path).write_bytes(b"half")
        raise RuntimeError("export failed")

    with pytest.raises(RuntimeError):
        _write_atomically(target, fail)
    assert not target.exists() and not list(target.parent.iterdir())
    _write_atomically(target, lambda path: Path(path).write_bytes(b"whole"))
    assert target.read_bytes() == b"whole" and os.stat(target).st_mode & 0o044 == 0o044


@pytest.fixture(scope="session")
def seed_texts() -> list[str]:
    from qa.corpus import load_corpus
    from qa.passages import split_passages

    docs = load_corpus([SEEDS]).documents
    questions = ["Who is the Russian ambassador to Mali?", "  What did Diarra say?  ", "Mali"]
    return [p.text for d in docs for p in split_passages(d)] + questions


@pytest.mark.model
def test_onnx_vectors_match_sentence_transformers(real_encoder, seed_texts):
    reference = real_encoder.encode(seed_texts)
    fp32 = OnnxEncoder(real_encoder.model_path).encode(seed_texts)
    int8 = OnnxEncoder(real_encoder.model_path, quantized=True).encode(seed_texts)
    assert fp32.shape == int8.shape == reference.shape
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-4)
    assert (fp32 * reference).sum(axis=1).min() >= 0.999
    # int8 weights move the vectors a little (mean cosine ~0.995 on these texts).
    assert (int8 * reference).sum(axis=1).min() >= 0.97
    # One text a model call: a text's int8 vector is the same bits, whatever it was
    # embedded beside (in a batch, int8 activations share one quantisation scale).
    alone = OnnxEncoder(real_encoder.model_path, quantized=True)
    assert np.array_equal(int8[[0, 5, -1]], np.stack([alone.encode_one(t) for t in
                                                      (seed_texts[0], seed_texts[5], seed_texts[-1])]))
    # Order is kept although batches are length-sorted inside encode.
    assert np.allclose(fp32[-1], OnnxEncoder(real_encoder.model_path).encode_one(seed_texts[-1]),
                       atol=1e-5)


def test_default_model_path_is_the_packaged_model():
    assert (Path(default_model_path()) / "tokenizer.json").is_file()


def test_serving_with_another_encoder_than_the_index_warns(service, caplog):
    from embeddings import FakeEncoder

    service.prepare()
    assert "re-embed" not in caplog.text
    service.encoder = FakeEncoder(dimension=32)  # another vector space than the index's
    service.prepare()
    assert "embedded with fake:64" in caplog.text and "fake:32" in caplog.text


def test_ingest_gives_the_model_every_core_busy_and_a_server_lets_it_sleep(tmp_path):
    from qa.service import QAService

    settings = Settings.from_env({"QA_WORKERS": "4"}, index_dir=tmp_path)
    ingest = QAService(settings, batch_work=True).encoder
    served = QAService(settings).encoder
    assert (ingest.threads, ingest.busy_wait) == (os.cpu_count(), True)
    assert (served.threads, served.busy_wait) == (settings.model_threads, False)
    pinned = Settings.from_env({"QA_ENCODER_THREADS": "1"}, index_dir=tmp_path)
    assert QAService(pinned, batch_work=True).encoder.threads == 1
