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
        # Unit rows, so a dot product is the cosine; float16 halves the 47 MB of the table
        # for a precision (1e-3) far below the differences that matter here.
        self._table = (rows / np.where(norms == 0, 1, norms)).astype(np.float16)
        # A question compares its words with each sentence of a few passages, and the same
        # passages come back for question after question: their words' rows are gathered
        # once (a sentence's word set is the same frozenset each time, qa.answers caches it).
        self._rows_of = lru_cache(maxsize=1 << 14)(self._gather)

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
        import numpy as np

        known = self.known(words)
        return known, self._table[[self._row[w] for w in known]].astype(np.float32)

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


@lru_cache(maxsize=4)
def word_vectors_of(model_path: str) -> WordVectors | None:
    """The table of the model at ``model_path``, read once per process."""
    return WordVectors.from_model(model_path)
