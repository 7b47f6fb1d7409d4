"""Resolve a follow-up question against the conversation so far.

"When was it established?" after "What does MINUSMA stand for?" says nothing about
MINUSMA by itself. When a question is short or refers back (a pronoun, "that", "the
same"), the previous user turn is added to the retrieval query, so the earlier topic
is searched for too. The question itself is still what the answer must match.
"""

from __future__ import annotations

import re
from typing import Sequence

_REFERS_BACK = re.compile(
    r"\b(it|its|they|them|their|he|him|his|she|her|this|that|these|those|there|then|"
    r"the same|the former|the latter)\b", re.IGNORECASE)
SHORT_QUESTION_WORDS = 6


def needs_context(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return len(words) <= SHORT_QUESTION_WORDS or bool(_REFERS_BACK.search(question))


def retrieval_query(question: str, history: Sequence[dict] | None) -> str:
    """The text to retrieve with: the question, preceded by the last user turn when the
    question depends on it."""
    if not history or not needs_context(question):
        return question
    previous = [t["content"] for t in history if t.get("role") == "user" and t.get("content")]
    if not previous or previous[-1].strip() == question.strip():
        return question
    return f"{previous[-1].strip()} {question}"
