"""A model's own word-piece table read as word vectors: each word's input embedding,
before any context.

A sentence-transformers model learns these rows so that words used alike lie near each
other: in all-MiniLM-L6-v2 "buy" is 0.53 from "purchases" and "envoy" 0.45 from
"ambassador", while 99 in 100 pairs of the seeds' words are below 0.25. Reading a row
costs a lookup, not a forward pass, so a question's words can be compared with every
word of every candidate sentence at no model cost.

Only words that are one piece of the vocabulary have a row: a word split into pieces
("peace", "##keep", "##ers") is a rarer word, often a name, whose meaning its pieces'
mean does not hold.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    import numpy as np

TABLE = "embeddings.word_embeddings.weight"  # the input embeddings of a BERT-style model


class WordVectors:
    def __init__(self, vocabulary: Sequence[str], table: np.ndarray):
        import numpy as np

        if len(vocabulary) != len(table):
            raise ValueError(f"{len(vocabulary)} words but {len(table)} rows")
        self._row = {word: i for i, word in enumerate(vocabulary) if not word.startswith("##")}
        rows = np.asarray(table, dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        # Unit rows, so a dot product is the cosine. Kept in float32 (47 MB, read before
        # the fork and shared by the workers): numpy multiplies float16 without BLAS, and
        # comparing one word with the whole table took 46 ms in float16 against 1.1 in float32.
        self._table = rows / np.where(norms == 0, 1, norms)
        self._words = list(vocabulary)
        # A question compares its words with each sentence of a few passages, and the same
        # passages come back for question after question: their words' rows are gathered
        # once (a sentence's word set is the same frozenset each time, qa.answers caches it).
        self._rows_of = lru_cache(maxsize=1 << 14)(self._gather)
        # The same few question words the corpus lacks come back: each costs a product
        # with the whole table (1 ms), so their neighbours are remembered.
        self.neighbours = lru_cache(maxsize=1 << 12)(self._neighbours)

    @classmethod
    def from_model(cls, model_path: str | Path) -> WordVectors | None:
        """The table of the model at ``model_path``, or None when it has none that this
        reads (no ``vocab.txt`` or no ``model.safetensors`` holding ``TABLE``)."""
        from safetensors import safe_open

        path = Path(model_path)
        vocabulary_file, weights_file = path / "vocab.txt", path / "model.safetensors"
        if not (vocabulary_file.is_file() and weights_file.is_file()):
            return None
        with safe_open(str(weights_file), framework="numpy") as weights:
            if TABLE not in weights.keys():
                return None
            table = weights.get_tensor(TABLE)
        vocabulary = vocabulary_file.read_text(encoding="utf-8").splitlines()
        return cls(vocabulary, table)

    def known(self, words: Iterable[str]) -> list[str]:
        """The words that have a row, in order."""
        return [w for w in words if w in self._row]

    def _gather(self, words: tuple[str, ...] | frozenset[str]) -> tuple[list[str], np.ndarray]:
        known = self.known(words)
        return known, self._table[[self._row[w] for w in known]]

    def nearest(self, terms: Sequence[str], words: frozenset[str]) -> dict[str, float]:
        """For each term with a row, the highest cosine between it and any of ``words``
        (0.0 when none of them has a row)."""
        terms, t = self._rows_of(tuple(terms))
        if not terms:
            return {}
        others, o = self._rows_of(frozenset(words))
        if not others:
            return dict.fromkeys(terms, 0.0)
        return dict(zip(terms, (t @ o.T).max(axis=1).tolist()))

    def _neighbours(self, word: str, floor: float, limit: int = 10) -> tuple[tuple[str, float], ...]:
        """The words whose cosine with ``word`` is at least ``floor``, nearest first, at most
        ``limit`` of them, ``word`` itself left out; none for a word without a row."""
        import numpy as np

        row = self._row.get(word)
        if row is None:
            return ()
        cosines = self._table @ self._table[row]
        cosines[row] = -1.0
        limit = min(limit, len(cosines) - 1)
        if limit <= 0:
            return ()
        best = np.argpartition(-cosines, limit - 1)[:limit]
        best = best[np.argsort(-cosines[best])]
        return tuple((self._words[i], float(cosines[i])) for i in best
                     if cosines[i] >= floor and not self._words[i].startswith("##"))


@lru_cache(maxsize=4)
def word_vectors_of(model_path: str) -> WordVectors | None:
    """The table of the model at ``model_path``, read once per process."""
    return WordVectors.from_model(model_path)
