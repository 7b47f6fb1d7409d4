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
from qa.words import content_words

ABSTAIN_BELOW = 0.35


@dataclass
class SentenceChoice:
    document_id: str
    passage_id: str
    start: int
    end: int
    score: float   # share of the question's content words the sentence holds, in [0, 1]
    rank: float    # what orders the choices: overlap, expected answer type, passage rank


SENTENCE_PASSAGES = 3  # the answer sentence is sought in this many top passages
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+")
_NUMBER = re.compile(r"\d")
_DATE = re.compile(r"\b(1[89]\d\d|20\d\d)\b|\b(January|February|March|April|May|June|July|"
                   r"August|September|October|November|December)\b")


def expected_answer(question: str) -> re.Pattern | None:
    """What the answer to a wh-question looks like: a name, a number, a date."""
    q = question.lower()
    if re.search(r"\bwhen\b|\bwhat year\b|\bwhich year\b|\bwhat date\b", q):
        return _DATE
    if re.search(r"\bhow (many|much|long|old)\b", q):
        return _NUMBER
    if re.search(r"\bwho(m|se)?\b", q):
        return _NAME
    return None


def sentence_choices(question: str, candidates: Sequence[Candidate]) -> list[SentenceChoice]:
    wanted = content_words(question)
    shape = expected_answer(question)
    choices = []
    for rank, cand in enumerate(candidates[:SENTENCE_PASSAGES]):
        p = cand.passage
        for s, e in sentence_spans(p.text):
            sentence = p.text[s:e]
            words = content_words(sentence)
            overlap = len(wanted & words) / (len(wanted) or 1)
            bonus = 0.0
            if shape is not None:
                # The answer is something the question does not already say.
                found = [m.group(0) for m in shape.finditer(sentence)]
                if any(content_words(f) and not content_words(f) & wanted for f in found):
                    bonus = 0.25
            # Long sentences match more words by chance; prefer the focused one.
            length_penalty = 0.002 * max(0, len(words) - 20)
            score = overlap + bonus - 0.15 * rank - length_penalty
            choices.append(SentenceChoice(p.document_id, p.passage_id, p.start + s, p.start + e,
                                          overlap, score))
    choices.sort(key=lambda c: -c.rank)
    return choices


def best_sentence(question: str, candidates: Sequence[Candidate]) -> SentenceChoice | None:
    choices = sentence_choices(question, candidates)
    return choices[0] if choices else None


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
    choice = best_sentence(question, candidates)
    confidence = confidence_of(candidates, choice)
    if choice is None or confidence < abstain_below:
        return None
    citation = verified_citation(1, choice, documents.get(choice.document_id))
    if citation is None:
        return None
    return Answer(text=f"{citation.quote} [1]", confidence=confidence, citations=[citation])
