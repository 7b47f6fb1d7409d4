"""A FAISS vector index keyed by integer ids (the store's passage row ids).

Vectors are L2-normalised by the encoder, so the inner product FAISS computes is the
cosine similarity: ``IndexFlatIP`` gives exact cosine search with no extra work.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import faiss
import numpy as np


class IndexFileError(Exception):
    """The vector index file is missing, truncated or not a FAISS index."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class VectorIndex:
    """Exact inner-product search over vectors keyed by int64 ids."""

    def __init__(self, dimension: int, index=None):
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def __len__(self) -> int:
        return self._index.ntotal

    def add(self, ids: Iterable[int], vectors: np.ndarray) -> None:
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dimension):
            raise ValueError(f"expected {len(ids)} vectors of {self.dimension}, got {vectors.shape}")
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: Iterable[int]) -> int:
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids) == 0:
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(ids)))

    def search(self, query: np.ndarray, k: int, allowed_ids: Iterable[int] | None = None
               ) -> list[tuple[int, float]]:
        """Return up to ``k`` (id, score) pairs, best first; ``allowed_ids`` restricts them."""
        if len(self) == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        params = None
        if allowed_ids is not None:
            allowed = np.asarray(list(allowed_ids), dtype=np.int64)
            if len(allowed) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        scores, ids = self._index.search(query, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def reconstruct(self, ids: Iterable[int]) -> np.ndarray:
        ids = list(ids)
        if not ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._index.reconstruct(int(i)) for i in ids])

    def save(self, path: Path) -> None:
        """Write to a file beside ``path`` and rename it in place, so a reader never
        sees a half-written index."""
        path = Path(path)
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        path = Path(path)
        if not path.is_file():
            raise IndexFileError(path, "missing")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError:
            raise IndexFileError(path, "truncated or not a FAISS index") from None
        return cls(index.d, index)
