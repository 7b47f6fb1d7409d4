"""Find the passages that bear on a question: dense and lexical candidates, fused.

Dense search (FAISS, cosine) finds paraphrases; lexical search (FTS5 BM25) finds names
and numbers an embedding blurs ("Gromyko", "MINUSMA", "3,300"). Reciprocal rank fusion
combines the two rankings without having to put their scores on one scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from embeddings import VectorIndex
from qa.store import Store, StoredPassage

RRF_K = 60
CANDIDATES = 50  # per retriever, before fusion


@dataclass
class Candidate:
    passage: StoredPassage
    score: float             # fused score, higher is better
    dense: float | None      # cosine similarity to the question, when dense search found it
    lexical_rank: int | None
    dense_rank: int | None
    also_in: list[str] = field(default_factory=list)


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> dict[int, float]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking):
            scores[row] = scores.get(row, 0.0) + 1.0 / (k + rank + 1)
    return scores


def retrieve(store: Store, vectors: VectorIndex, query: str, query_vector: np.ndarray, k: int,
             allowed_documents: Sequence[str] | None = None) -> list[Candidate]:
    """The ``k`` best passages, near-duplicates grouped, best first."""
    allowed_rows = None
    if allowed_documents is not None:
        allowed_rows = store.row_ids_of_documents(list(allowed_documents))
    n = max(CANDIDATES, k * 4)
    dense = vectors.search(query_vector, n, allowed_rows)
    lexical = store.lexical_search(query, n, allowed_documents)
    dense_rank = {row: i for i, (row, _) in enumerate(dense)}
    dense_score = dict(dense)
    lexical_rank = {row: i for i, (row, _) in enumerate(lexical)}
    fused = rrf([[r for r, _ in dense], [r for r, _ in lexical]])
    order = sorted(fused, key=lambda r: (-fused[r], r))
    passages = store.passages_by_row(order[: n])
    candidates = [
        Candidate(passages[r], fused[r], dense_score.get(r), lexical_rank.get(r), dense_rank.get(r))
        for r in order[:n] if r in passages
    ]
    return group_near_duplicates(candidates, k)


_WORDS = re.compile(r"\w+")


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    if len(words) < size:
        return {tuple(words)}
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


NEAR_DUPLICATE = 0.6  # share of the smaller passage's word triples found in the other


def group_near_duplicates(candidates: list[Candidate], k: int | None = None) -> list[Candidate]:
    """Keep the best of passages that tell the same text in different documents; the
    others' document ids go in its ``also_in``. Stops once ``k`` are kept, but still
    folds the duplicates just below the cut into ``also_in``."""
    kept: list[tuple[Candidate, set]] = []
    limit = len(candidates) if k is None else k
    for i, cand in enumerate(candidates):
        if len(kept) >= limit and i >= 2 * limit:
            break
        sh = _shingles(cand.passage.text)
        for best, best_sh in kept:
            if best.passage.document_id == cand.passage.document_id:
                continue
            overlap = len(sh & best_sh) / max(1, min(len(sh), len(best_sh)))
            if overlap >= NEAR_DUPLICATE:
                if cand.passage.document_id not in best.also_in:
                    best.also_in.append(cand.passage.document_id)
                break
        else:
            if len(kept) < limit:
                kept.append((cand, sh))
    return [c for c, _ in kept]
