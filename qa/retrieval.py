"""Find the passages that bear on a question: dense and lexical candidates, fused.

Dense search (FAISS, cosine) finds paraphrases; lexical search (FTS5 BM25) finds names
and numbers an embedding blurs ("Gromyko", "MINUSMA", "3,300"). The two are fused by a
convex combination of their scores: ``DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) *
bm25 / best_bm25``. Measured on xquad_en (bench/quality.py), this beats reciprocal rank
fusion (recall@1 0.954 against 0.932 at k=60), as Bruch et al. found ("An Analysis of
Fusion Functions for Hybrid Retrieval", 2023): rank fusion throws away how much better
the first candidate is than the second. Cosine is already on an absolute scale; BM25 is
not, so it is divided by the query's best BM25 score.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from qa.store import Store, StoredPassage
from qa.words import other_forms, query_terms, spelled_out, written_as_names

if TYPE_CHECKING:
    import numpy as np

    from embeddings import VectorIndex
    from embeddings.word_vectors import WordVectors

DENSE_WEIGHT = 0.75  # recall@1 on xquad_en is flat from 0.7 to 0.8; RRF gave 0.932
CANDIDATES = 50  # per retriever, before fusion


@dataclass
class Candidate:
    passage: StoredPassage
    score: float             # fused score, higher is better
    dense: float | None      # cosine similarity to the question, when dense search found it
    lexical_rank: int | None
    dense_rank: int | None
    also_in: list[str] = field(default_factory=list)


def fuse(dense: Sequence[tuple[int, float]], lexical: Sequence[tuple[int, float]],
         dense_weight: float = DENSE_WEIGHT) -> dict[int, float]:
    """Row id -> fused score. A row missing from one list gets nothing from it."""
    scores = {row: dense_weight * cosine for row, cosine in dense}
    if lexical:
        best = max(score for _, score in lexical) or 1.0
        for row, bm25 in lexical:
            scores[row] = scores.get(row, 0.0) + (1.0 - dense_weight) * bm25 / best
    return scores


def candidate_count(k: int) -> int:
    """How many candidates each retriever gives for the ``k`` best."""
    return max(CANDIDATES, k * 4)


def lexical_candidates(store: Store, query: str, k: int,
                       allowed_documents: Sequence[str] | None = None,
                       vectors: WordVectors | None = None) -> list[tuple[int, float]]:
    """The lexical candidates: (row, bm25) best first. It needs no query vector, so it can
    run while the question is being embedded."""
    return store.lexical_search(lexical_query(store, query, vectors), candidate_count(k),
                                allowed_documents)


STAND_IN_FROM = 0.40  # cosine of a word's input embeddings (embeddings.word_vectors)
STAND_INS = 3  # corpus words searched for each query word the corpus lacks


def _one_index_word(a: str, b: str) -> bool:
    """Whether the index's stemmer most likely reads ``a`` and ``b`` as one word
    ("ambassador", "ambassadors"; "purchase", "purchased"): searching both would count
    the word twice."""
    shorter = min(len(a), len(b))
    common = len(os.path.commonprefix([a, b]))
    return common >= 4 and common >= shorter - 1


def lexical_query(store: Store, query: str, vectors: WordVectors | None) -> str:
    """``query``, with the other forms of its irregular verbs ("send" also searches
    "sent"), the words its short forms stand for ("pm": "prime minister"), and for each
    of its words that no passage holds, the words nearest to it (by ``vectors``) that
    some passage does hold.

    A word the corpus lacks finds nothing by BM25, and the question's other words then
    rank the passages: "Who is Russia's envoy to Mali?" ranked every passage on Russia
    and Mali above the ones naming the ambassador. Its near words ("ambassador",
    "diplomat") find them. Only absent words are widened, so a question in the corpus's
    own words searches as before; names and figures are never widened (no other country
    stands for "Peru").
    """
    names = written_as_names(query)
    terms = [t for t in query_terms(query) if t.isalpha() and t not in names]
    added = [f for t in terms for f in (*other_forms(t), *spelled_out(t)) if f not in terms]
    if vectors is not None and terms:
        frequencies = store.document_frequencies(terms)
        for term in terms:
            if not frequencies[term]:
                added += _stand_ins(store, vectors, term, added)
    return " ".join([query, *dict.fromkeys(added)]) if added else query


def _stand_ins(store: Store, vectors: WordVectors, term: str, added: Sequence[str]) -> list[str]:
    """Up to STAND_INS corpus words nearest to ``term``, none that the index reads as a word
    already searched."""
    near = [w for w, _ in vectors.neighbours(term, STAND_IN_FROM) if w.isalpha()]
    held = store.document_frequencies(near)
    stand_ins: list[str] = []
    for word in near:
        if (held[word] and len(stand_ins) < STAND_INS
                and not any(_one_index_word(word, w) for w in [term, *added, *stand_ins])):
            stand_ins.append(word)
    return stand_ins


def dense_candidates(store: Store, vectors: VectorIndex, query_vector: np.ndarray, k: int,
                     allowed_documents: Sequence[str] | None = None) -> list[tuple[int, float]]:
    """The dense candidates: (row, cosine) best first. It needs no lexical result, so at a
    million passages it runs while the lexical search ends (both leave Python's lock)."""
    allowed_rows = None
    if allowed_documents is not None:
        allowed_rows = store.row_ids_of_documents(list(allowed_documents))
    return vectors.search(query_vector, candidate_count(k), allowed_rows)


def ranked_candidates(store: Store, dense: Sequence[tuple[int, float]],
                      lexical: Sequence[tuple[int, float]], k: int) -> list[Candidate]:
    """The ``k`` best passages of the two candidate lists (``dense_candidates`` and
    ``lexical_candidates`` of one query, ``k`` and filter), fused, near-duplicates
    grouped, best first."""
    n = candidate_count(k)
    dense_rank = {row: i for i, (row, _) in enumerate(dense)}
    dense_score = dict(dense)
    lexical_rank = {row: i for i, (row, _) in enumerate(lexical)}
    fused = fuse(dense, lexical)
    order = sorted(fused, key=lambda r: (-fused[r], r))[:n]

    def candidates() -> Iterator[Candidate]:
        # Grouping stops once it has k and has looked at 2k, so the passages are read a
        # chunk at a time, not all n of them (reading 50 took more time than grouping).
        chunk = 2 * k + 2
        for start in range(0, len(order), chunk):
            rows = order[start:start + chunk]
            passages = store.passages_by_row(rows)
            for r in rows:
                if r in passages:
                    yield Candidate(passages[r], fused[r], dense_score.get(r), lexical_rank.get(r),
                                    dense_rank.get(r))

    return group_near_duplicates(candidates(), k)


_WORDS = re.compile(r"\w+")
# Texts whose analysis a process remembers (here and in qa.answers): a passage's word
# triples depend on its text alone, and the same passages come back question after
# question. Bounded, so that a large corpus cannot fill the memory with them: about
# 37 KB a passage of 800 characters (measured on xquad_en), so 10 MB a server process.
PASSAGES_REMEMBERED = 256


@lru_cache(maxsize=PASSAGES_REMEMBERED)
def shingles(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    if len(words) < size:
        return frozenset({tuple(words)})
    # zip of shifted lists builds the tuples in C, about twice as fast as slicing each.
    return frozenset(zip(*(words[i:] for i in range(size))))


def shingle_overlap(a: set, b: set) -> float:
    """Share of the smaller set's word triples found in the other."""
    return len(a & b) / max(1, min(len(a), len(b)))


NEAR_DUPLICATE = 0.6  # share of the smaller passage's word triples found in the other


def group_near_duplicates(candidates: Iterable[Candidate], k: int | None = None) -> list[Candidate]:
    """Keep the best of passages that tell the same text in different documents; the
    others' document ids go in its ``also_in``. Stops once ``k`` are kept, but still
    folds the duplicates just below the cut into ``also_in`` (``candidates`` are read
    no further than that)."""
    kept: list[tuple[Candidate, set]] = []
    if k is None:
        candidates = list(candidates)
    limit = len(candidates) if k is None else k
    for i, cand in enumerate(candidates):
        if len(kept) >= limit and i >= 2 * limit:
            break
        sh = shingles(cand.passage.text)
        for best, best_sh in kept:
            if best.passage.document_id == cand.passage.document_id:
                continue
            if shingle_overlap(sh, best_sh) >= NEAR_DUPLICATE:
                if cand.passage.document_id not in best.also_in:
                    best.also_in.append(cand.passage.document_id)
                break
        else:
            if len(kept) < limit:
                kept.append((cand, sh))
    return [c for c, _ in kept]
