"""A FAISS vector index keyed by integer ids (the store's passage row ids).

Vectors are L2-normalised by the encoder, so the inner product FAISS computes is the
cosine similarity: both kinds of index below search by inner product with no extra work.

Up to ``EXACT_UP_TO`` vectors the index is exact (``IndexFlatIP`` behind an id map):
a query scans every vector, which stays within a few milliseconds. Above it the index
becomes an inverted file (``IndexIVFFlat``): k-means cells, a query scans only the
``nprobe`` cells nearest to it. IVF rather than HNSW because ingest removes, adds and
reconstructs vectors by id, which IVF with a direct map supports and HNSW does not, and
because it measured faster to build at a million vectors for the same recall (see
bench/scale.py). IVF keeps the full float vectors, so ``reconstruct`` stays exact and
a conversion back to exact search loses nothing.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

import faiss
import numpy as np

EXACT_UP_TO = 200_000     # vectors; above this the index is approximate (bench/scale.py)
CELL_SIZE = 256           # vectors per IVF cell the cell count aims at: n / CELL_SIZE cells
PROBE_SHARE = 1 / 64      # share of the cells a query scans: recall@10 >= 0.95 at 1M
MIN_PROBES = 8
TRAIN_PER_CELL = 40       # k-means training points per cell (FAISS wants at least 39)
SUBSET_EXACT_UP_TO = 20_000  # a filter this small is searched exactly, vector by vector


_IVF_FLAT_HEADER = b"IwFl"  # how FAISS begins a file holding an IndexIVFFlat


class IndexFileError(Exception):
    """The vector index file is missing, truncated or not a FAISS index."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def _exact(dimension: int):
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def _cells_for(n: int) -> int:
    """Cells for ``n`` vectors: a power of two near n / CELL_SIZE, enough points to train each."""
    wanted = max(1, n // CELL_SIZE)
    cells = 2 ** round(math.log2(wanted))
    while cells > 1 and cells * TRAIN_PER_CELL // 2 > n:
        cells //= 2
    return cells


def _probes_for(cells: int) -> int:
    return min(cells, max(MIN_PROBES, round(cells * PROBE_SHARE)))


def _ivf(vectors: np.ndarray, ids: np.ndarray, dimension: int):
    """An IVF index trained on a sample of ``vectors``, holding all of them."""
    cells = _cells_for(len(vectors))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, cells,
                               faiss.METRIC_INNER_PRODUCT)
    sample = vectors
    if len(vectors) > cells * TRAIN_PER_CELL:
        rows = np.random.default_rng(0).choice(len(vectors), cells * TRAIN_PER_CELL, replace=False)
        sample = vectors[np.sort(rows)]
    index.cp.seed = 0  # the same vectors give the same cells
    index.cp.min_points_per_centroid = TRAIN_PER_CELL // 2  # what _cells_for ensures
    index.train(sample)
    # A hash table from id to (cell, offset): what remove_ids and reconstruct need.
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.nprobe = _probes_for(cells)
    index.add_with_ids(vectors, ids)
    return index


def _id_array(ids: Iterable[int]) -> np.ndarray:
    # list() of a large numpy array makes one Python object per id: ~100 ms at 500,000.
    return np.asarray(ids if isinstance(ids, (list, tuple, np.ndarray)) else list(ids), dtype=np.int64)


def _selector(allowed: np.ndarray):
    """A FAISS id selector for ``allowed`` (and what must outlive it). A bitmap over the
    ids for large sets: building FAISS's hash set of 500,000 ids took ~200 ms a query,
    the bitmap a few milliseconds."""
    if len(allowed) <= SUBSET_EXACT_UP_TO or allowed.min() < 0:
        return faiss.IDSelectorBatch(allowed), allowed
    bits = np.zeros(int(allowed.max()) + 1, dtype=bool)
    bits[allowed] = True
    bitmap = np.packbits(bits, bitorder="little")  # FAISS reads bit i as byte i >> 3, bit i & 7
    return faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bitmap)), bitmap


@contextmanager
def _one_thread():
    """Search one query on the calling thread only. Splitting a millisecond of work
    across OpenMP threads costs more than it saves, and on a busy machine (or under
    concurrent requests) the threads wait for cores: measured 34 ms against 4.6 ms for
    one exact query over 30,000 vectors on this 2-core machine under load. The setting
    is per thread, so it is restored for whatever the thread runs next (index builds
    use every core)."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


class VectorIndex:
    """Inner-product search over vectors keyed by int64 ids; exact up to ``exact_up_to``
    vectors, IVF above (``fit_to_size`` switches, ingest calls it before saving)."""

    def __init__(self, dimension: int, index=None, *, exact_up_to: int | None = None,
                 mapped: bool = False):
        self.dimension = dimension
        self.exact_up_to = EXACT_UP_TO if exact_up_to is None else exact_up_to
        self._index = index if index is not None else _exact(dimension)  # read_index downcasts
        # Cells mapped from a file (``load(read_only=True)``): FAISS would write into the
        # read-only mapping and crash the process, so changes are refused here (an index
        # that ``fit_to_size`` rebuilt in memory can change again).
        self._mapped_index = self._index if mapped else None

    def _check_writable(self) -> None:
        if self._index is self._mapped_index:
            raise RuntimeError("this index is mapped read-only from its file: load it with "
                               "read_only=False to change it")

    def __len__(self) -> int:
        return self._index.ntotal

    @property
    def approximate(self) -> bool:
        return isinstance(self._index, faiss.IndexIVF)

    def add(self, ids: Iterable[int], vectors: np.ndarray) -> None:
        self._check_writable()
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dimension):
            raise ValueError(f"expected {len(ids)} vectors of {self.dimension}, got {vectors.shape}")
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: Iterable[int]) -> int:
        self._check_writable()
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids) == 0:
            return 0
        # The IVF direct map's hash table can only remove an explicit array of ids.
        selector = faiss.IDSelectorArray(ids) if self.approximate else faiss.IDSelectorBatch(ids)
        return int(self._index.remove_ids(selector))

    def search(self, query: np.ndarray, k: int, allowed_ids: Iterable[int] | None = None
               ) -> list[tuple[int, float]]:
        """Return up to ``k`` (id, score) pairs, best first; ``allowed_ids`` restricts them."""
        if len(self) == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        params = None
        if allowed_ids is not None:
            allowed = _id_array(allowed_ids)
            if len(allowed) == 0:
                return []
            if self.approximate and len(allowed) <= SUBSET_EXACT_UP_TO:
                # Few enough to score them all: exact, and immune to the filter emptying
                # the few cells an approximate search would scan.
                return self._search_subset(query[0], k, allowed)
            selector, keep = _selector(allowed)
            params = (faiss.SearchParametersIVF(sel=selector, nprobe=self._index.nprobe)
                      if self.approximate else faiss.SearchParameters(sel=selector))
        with _one_thread():
            scores, ids = self._index.search(query, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def _search_subset(self, query: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        allowed = np.unique(allowed)
        vectors = self.reconstruct(allowed)
        scores = vectors @ query
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(allowed[i]), float(scores[i])) for i in top]

    def reconstruct(self, ids: Iterable[int]) -> np.ndarray:
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.approximate:
            return self._index.reconstruct_batch(ids)
        return np.stack([self._index.reconstruct(int(i)) for i in ids])

    def contents(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (ids, vectors) the index holds."""
        index = self._index
        if not self.approximate:
            ids = faiss.vector_to_array(index.id_map).astype(np.int64)
            return ids, faiss.downcast_index(index.index).reconstruct_n(0, index.ntotal)
        lists = index.invlists
        ids, vectors = [], []
        for cell in range(lists.nlist):
            size = lists.list_size(cell)
            if size:
                ids.append(faiss.rev_swig_ptr(lists.get_ids(cell), size).copy())
                codes = faiss.rev_swig_ptr(lists.get_codes(cell), size * lists.code_size)
                vectors.append(np.frombuffer(codes.copy(), dtype=np.float32).reshape(size, self.dimension))
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(ids), np.concatenate(vectors)

    def fit_to_size(self) -> bool:
        """Make the index the kind its size calls for: IVF above ``exact_up_to`` vectors
        (retrained when it has outgrown its cells), exact again below half of it. The gap
        keeps an index near the threshold from converting back and forth. Returns whether
        it rebuilt the index."""
        n = len(self)
        if self.approximate:
            cells = self._index.nlist
            if n < self.exact_up_to // 2:
                ids, vectors = self.contents()
                self._index = _exact(self.dimension)
                self._index.add_with_ids(vectors, ids)
                return True
            if not (cells // 2 <= _cells_for(n) <= cells * 2):
                ids, vectors = self.contents()
                self._index = _ivf(vectors, ids, self.dimension)
                return True
            return False
        if n > self.exact_up_to:
            ids, vectors = self.contents()
            self._index = _ivf(vectors, ids, self.dimension)
            return True
        return False

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
    def load(cls, path: Path, *, exact_up_to: int | None = None, read_only: bool = False) -> "VectorIndex":
        """Read the index at ``path``. ``read_only`` maps an IVF index's vectors from the
        file instead of reading them: loading a million vectors takes a tenth of a
        second instead of four, and the server's processes share the pages. Such an
        index searches and reconstructs but cannot be changed.

        The mapping is FAISS's in-place one (``IO_FLAG_MMAP_IFC``): the cells are read
        where they lie in the file, as from memory. Its older ``IO_FLAG_MMAP`` turns
        them into on-disk lists, which took 5.8 ms a search at a million vectors
        against 2.6 ms in place and 2.3 ms read into memory (bench/scale.py)."""
        path = Path(path)
        if not path.is_file():
            raise IndexFileError(path, "missing")
        flags = 0
        if read_only:
            with open(path, "rb") as f:
                if f.read(4) == _IVF_FLAT_HEADER:
                    flags = faiss.IO_FLAG_MMAP_IFC
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError:
            raise IndexFileError(path, "truncated or not a FAISS index") from None
        return cls(index.d, index, exact_up_to=exact_up_to, mapped=bool(flags))
