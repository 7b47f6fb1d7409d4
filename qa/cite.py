"""Find where a quoted text stands in the corpus: exact matches first, then fuzzy ones.

Exact matching compares texts after normalising white space (runs become one space),
quote marks, dashes, ellipsis characters and case; offsets found in the normalised
document text are mapped back to the original text, so ``document.text[start:end]`` is
always the matched span. When no document holds the quote exactly, a word-level fuzzy
alignment (difflib over lowercase word sequences, punctuation dropped) finds the most
similar word-aligned window of each candidate document. An ellipsis (``...`` or ``…``)
in the quote stands for any gap: its parts are matched in order.

Candidate documents come from the lexical (FTS5) index, never a scan of the corpus.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from difflib import SequenceMatcher
from typing import Sequence

CANDIDATE_ROWS = 50
MIN_SIMILARITY = 0.6
MAX_FUZZY_DOCUMENTS = 12

_TRANSLATE = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "`": "'",
    "\u2013": "-", "\u2014": "-", "\u2011": "-",
})
_SPECIAL = re.compile(r"\s+|\u2026")
_ELLIPSIS = re.compile(r"\.\.\.|\u2026")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index in ``text`` of
    the character it came from."""
    out: list[str] = []
    index: list[int] = []

    def literal(a: int, b: int) -> None:
        if a >= b:
            return
        piece = text[a:b].translate(_TRANSLATE)
        lowered = piece.lower()
        if len(lowered) == len(piece):
            out.append(lowered)
            index.extend(range(a, b))
        else:  # a character whose lower case is longer (rare): map it char by char
            for i, ch in enumerate(piece, a):
                low = ch.lower()
                out.append(low)
                index.extend([i] * len(low))

    pos = 0
    for m in _SPECIAL.finditer(text):
        literal(pos, m.start())
        if m.group() == "\u2026":
            out.append("...")
            index.extend([m.start()] * 3)
        else:
            out.append(" ")
            index.append(m.start())
        pos = m.end()
    literal(pos, len(text))
    return "".join(out), index


def _normalise_quote(text: str) -> str:
    return normalise(text)[0].strip()


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


# -- exact ---------------------------------------------------------------------

def _exact_spans(norm_doc: str, index: list[int], quote: str) -> list[tuple[int, int]]:
    spans = []
    head_word = quote[0].isalnum()
    tail_word = quote[-1].isalnum()
    pos = norm_doc.find(quote)
    while pos >= 0:
        end = pos + len(quote)
        ok = not (head_word and pos > 0 and norm_doc[pos - 1].isalnum())
        ok = ok and not (tail_word and end < len(norm_doc) and norm_doc[end].isalnum())
        if ok:
            spans.append((index[pos], index[end - 1] + 1))
        pos = norm_doc.find(quote, pos + 1)
    return spans


# -- fuzzy ---------------------------------------------------------------------

def _ratio(a: Sequence[str], b: Sequence[str]) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _best_window(doc_words: list[str], quote: list[str], lo: int = 0) -> tuple[float, int, int] | None:
    """(similarity, first word, last word + 1) of the window of ``doc_words[lo:]`` most
    similar to ``quote``; None when nothing is shared."""
    n, m = len(doc_words), len(quote)
    if m == 0 or n - lo <= 0:
        return None
    wanted = set(quote)
    hits = [1 if w in wanted else 0 for w in doc_words]
    # Sliding count of quote words in windows of the quote's length: where to look.
    size = min(m, n - lo)
    count = sum(hits[lo:lo + size])
    scores = [(count, lo)]
    for s in range(lo + 1, n - size + 1):
        count += hits[s + size - 1] - hits[s - 1]
        scores.append((count, s))
    scores.sort(key=lambda t: (-t[0], t[1]))
    best: tuple[float, int, int] | None = None
    tried: list[int] = []
    for count, s in scores:
        if count == 0 or len(tried) >= 3:
            break
        if any(abs(s - t) < max(1, m // 2) for t in tried):
            continue
        tried.append(s)
        found = _refine(doc_words, quote, s, lo)
        if found and (best is None or found[0] > best[0]):
            best = found
    return best


def _refine(doc_words: list[str], quote: list[str], s: int, lo: int) -> tuple[float, int, int] | None:
    m = len(quote)
    slack = max(3, m // 2)
    a, b = max(lo, s - slack), min(len(doc_words), s + m + slack)
    window = doc_words[a:b]
    blocks = [blk for blk in SequenceMatcher(None, quote, window, autojunk=False).get_matching_blocks()
              if blk.size]
    if not blocks:
        return None
    # Trim matched blocks from either end while that improves the similarity.
    i, j = 0, len(blocks)

    def score(i: int, j: int) -> float:
        return _ratio(quote, window[blocks[i].b:blocks[j - 1].b + blocks[j - 1].size])

    current = score(i, j)
    improved = True
    while improved and j - i > 1:
        improved = False
        for ni, nj in ((i + 1, j), (i, j - 1)):
            sc = score(ni, nj)
            if sc > current:
                i, j, current, improved = ni, nj, sc, True
                break
    # Extend by a word at either end when the quote's edge word was misspelt.
    first, last = blocks[i].b, blocks[j - 1].b + blocks[j - 1].size
    for df, dl in ((-1, 0), (0, 1), (-1, 1)):
        nf, nl = first + df, last + dl
        if 0 <= nf and nl <= len(window):
            sc = _ratio(quote, window[nf:nl])
            if sc > current:
                current, first, last = sc, nf, nl
    return current, a + first, a + last


def _fuzzy_document(text: str, parts: list[list[str]]) -> tuple[float, int, int] | None:
    words = _words(text)
    doc_words = [w for w, _, _ in words]
    lo = 0
    total = weight = 0.0
    start = end = None
    for part in parts:
        found = _best_window(doc_words, part, lo)
        if found is None:
            weight += len(part)
            continue
        sim, first, last = found
        total += sim * len(part)
        weight += len(part)
        if start is None:
            start = words[first][1]
        end = words[last - 1][2]
        lo = last
    if start is None or weight == 0:
        return None
    return total / weight, start, end


# -- entry point ---------------------------------------------------------------

def _passage_at(store, document_id: str, start: int, cache: dict) -> str | None:
    passages = cache.get(document_id)
    if passages is None:
        passages = cache[document_id] = store.passages_of(document_id)
    if not passages:
        return None
    for p in passages:
        if p.start <= start < p.end:
            return p.passage_id
    starts = [p.start for p in passages]
    k = bisect_right(starts, start) - 1
    return passages[max(k, 0)].passage_id


def _candidate_documents(store, text: str) -> list[str]:
    rows = store.lexical_search(text, CANDIDATE_ROWS)
    by_row = store.passages_by_row([r for r, _ in rows])
    ordered: dict[str, None] = {}
    for row_id, _ in rows:
        p = by_row.get(row_id)
        if p is not None:
            ordered.setdefault(p.document_id)
    return list(ordered)


def find_quote(store, text: str, limit: int = 10) -> list[dict]:
    """Where ``text`` stands in the corpus, best first: every exact occurrence when
    there is one, otherwise the most similar passage of each candidate document whose
    similarity is at least ``MIN_SIMILARITY``."""
    quote = _normalise_quote(text or "")
    if not quote or not _WORD.search(quote) or limit <= 0:
        return []
    doc_ids = _candidate_documents(store, quote)
    if not doc_ids:
        return []
    documents = store.get_documents(doc_ids)
    passages: dict = {}

    def match(doc_id: str, start: int, end: int, similarity: float, exact: bool) -> dict:
        return {"document_id": doc_id, "passage_id": _passage_at(store, doc_id, start, passages),
                "start": start, "end": end, "similarity": round(similarity, 4), "exact": exact}

    exact: list[dict] = []
    for doc_id in doc_ids:
        doc = documents.get(doc_id)
        if doc is None:
            continue
        norm_doc, index = normalise(doc.text)
        for start, end in _exact_spans(norm_doc, index, quote):
            exact.append(match(doc_id, start, end, 1.0, True))
    if exact:
        return exact[:limit]

    parts = [[w for w, _, _ in _words(p)] for p in _ELLIPSIS.split(quote)]
    parts = [p for p in parts if p]
    if not parts:
        return []
    fuzzy: list[dict] = []
    for doc_id in doc_ids[:MAX_FUZZY_DOCUMENTS]:
        doc = documents.get(doc_id)
        if doc is None:
            continue
        found = _fuzzy_document(doc.text, parts)
        if found is None or found[0] < MIN_SIMILARITY:
            continue
        sim, start, end = found
        fuzzy.append(match(doc_id, start, end, min(sim, 0.999), False))
    fuzzy.sort(key=lambda m: (-m["similarity"], m["document_id"], m["start"]))
    return fuzzy[:limit]
