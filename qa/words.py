"""Words of a text as the lexical side sees them: tokens, stopwords, a light stem.

Shared by lexical search (which words a query ORs together) and answer selection
(which words a question and a sentence share), so both read a question the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"\w+", re.UNICODE)

STOPWORDS = frozenset("""a an the of in on at to for from by with and or is are was were be been
being do does did what which who whom whose when where why how that this these those it its
as into about than then there their they them he she his her we our you your i me my not no
has have had will would can could should may might shall s""".split())


def tokens(text: str) -> list[str]:
    return WORD.findall(text.lower())


# Answer selection stems every word of every sentence it weighs, hundreds a question, from
# a vocabulary that repeats: remembering them took sentence choice from 0.7 to 0.4 ms.
@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """The stemmed words of ``text`` that carry meaning (stopwords dropped)."""
    return {stem(w) for w in tokens(text) if w not in STOPWORDS}


def query_terms(text: str) -> list[str]:
    """The distinct words a lexical query searches for, in order, stopwords dropped.

    Stopwords add almost nothing to a BM25 ranking (their IDF is near zero) but make
    the query match nearly every passage, which costs time that grows with the corpus.
    A query made only of stopwords keeps them, so it still finds something.
    """
    words = list(dict.fromkeys(tokens(text)))
    meaningful = [w for w in words if w not in STOPWORDS]
    return meaningful or words
