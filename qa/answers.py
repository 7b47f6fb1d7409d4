"""Build the answer from the source text: the sentence that answers, cited exactly.

Every citation is checked against the document text before it is returned; one whose
``document.text[start:end]`` is not its quote is dropped, never shown.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from qa.models import Answer, Citation, Document
from qa.retrieval import Candidate
from qa.sentences import sentence_spans

ABSTAIN_BELOW = 0.35

_WORD = re.compile(r"\w+")
STOPWORDS = frozenset("""a an the of in on at to for from by with and or is are was were be been
being do does did what which who whom whose when where why how that this these those it its
as into about than then there their they them he she his her we our you your i me my not no
has have had will would can could should may might shall s""".split())


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@dataclass
class SentenceChoice:
    document_id: str
    passage_id: str
    start: int
    end: int
    score: float


def best_sentence(question: str, candidate: Candidate) -> SentenceChoice | None:
    """The sentence of the passage sharing most question words (ties: the earlier)."""
    wanted = content_words(question)
    p = candidate.passage
    best = None
    for s, e in sentence_spans(p.text):
        words = content_words(p.text[s:e])
        score = len(wanted & words) / (len(wanted) or 1)
        if best is None or score > best.score:
            best = SentenceChoice(p.document_id, p.passage_id, p.start + s, p.start + e, score)
    return best


def confidence_of(candidates: Sequence[Candidate], choice: SentenceChoice | None) -> float:
    """Map the top passage's cosine similarity and the sentence's word overlap to [0, 1]."""
    if not candidates or choice is None:
        return 0.0
    top = candidates[0]
    dense = top.dense if top.dense is not None else 0.0
    z = 8.0 * (dense - 0.35) + 2.0 * (choice.score - 0.5)
    return round(1.0 / (1.0 + math.exp(-z)), 3)


def verified_citation(marker: int, choice: SentenceChoice, document: Document | None) -> Citation | None:
    if document is None:
        return None
    quote = document.text[choice.start:choice.end]
    if not quote.strip():
        return None
    citation = Citation(marker, choice.passage_id, choice.document_id, choice.start, choice.end, quote)
    return citation if document.text[citation.start:citation.end] == citation.quote else None


def build_answer(question: str, candidates: Sequence[Candidate], documents: dict[str, Document],
                 abstain_below: float = ABSTAIN_BELOW) -> Answer | None:
    """The answer, or None when the service should abstain."""
    if not candidates:
        return None
    choice = best_sentence(question, candidates[0])
    confidence = confidence_of(candidates, choice)
    if choice is None or confidence < abstain_below:
        return None
    citation = verified_citation(1, choice, documents.get(choice.document_id))
    if citation is None:
        return None
    return Answer(text=f"{citation.quote} [1]", confidence=confidence, citations=[citation])
